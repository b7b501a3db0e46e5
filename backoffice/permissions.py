"""Store-scoped permission policy (django-guardian).

A permission granted to a user or group globally applies to every store; granted on a Store
object (guardian's direct-FK tables) it applies to that store only.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from backoffice.models import Store

APP = "backoffice"


def has_global_perm(user: AbstractBaseUser, codename: str) -> bool:
    # ModelBackend caches the user's global permissions on the user object: one query per
    # request however many checks follow.
    return user.is_active and (user.is_superuser or user.has_perm(f"{APP}.{codename}"))


def stores_with_perm(user: AbstractBaseUser, codename: str) -> QuerySet[Store]:
    """Stores on which `user` holds `codename`, as one query."""
    if not user.is_authenticated or not user.is_active:
        return Store.objects.none()
    if has_global_perm(user, codename):
        return Store.objects.all()
    return Store.objects.filter(
        Q(
            storeuserobjectpermission__user=user,
            storeuserobjectpermission__permission__codename=codename,
        )
        | Q(
            storegroupobjectpermission__group__user=user,
            storegroupobjectpermission__permission__codename=codename,
        )
    ).distinct()


def user_has_store_perm(user: AbstractBaseUser, codename: str, store: Store) -> bool:
    if has_global_perm(user, codename):
        return True
    return stores_with_perm(user, codename).filter(pk=store.pk).exists()


def visible_store_ids(user: AbstractBaseUser) -> QuerySet:
    """Subquery of the store ids whose orders and transactions the user may view."""
    return stores_with_perm(user, "view_orders").values("pk")

"""Store-scoped permission policy (django-guardian).

A permission granted to a user or group globally applies to every store; granted on a Store
object (guardian's direct-FK tables) it applies to that store only.

Every check in a request goes through one `StorePermissions` per user object: the user's
global and per-store operation permissions are read in a single query the first time they are
needed, then answered from memory (the order page asks a dozen questions per store and the
registries ask again under the lock; none of that costs another query). Permissions granted
after the first check are not seen by the same user object: re-fetch the user (as Django's and
guardian's own caches also require).

    perms = store_permissions(request.user)
    perms.has("refund_online", store)          # bool
    perms.codenames(store)                     # frozenset of codenames on that store
    require_store_perm(user, "refund_online", store)  # PermissionDenied with the reason
    permission_reason("refund_online", store=store)
    # → "Requires the Refund online permission for store EU"
"""

from collections.abc import Iterable
from typing import TypedDict

from django.contrib.auth.models import AnonymousUser, Permission, User
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Q, QuerySet, Value
from django.db.models.functions import Cast

from backoffice.models import (
    OPERATION_PERMISSIONS,
    Store,
    StoreGroupObjectPermission,
    StoreUserObjectPermission,
)
from backoffice.prebuilt_reads import rows_where

APP = "backoffice"
# The permission names staff read in reasons and in the admin ("Refund online").
PERMISSION_LABELS: dict[str, str] = dict(OPERATION_PERMISSIONS)
ALL_CODENAMES: frozenset[str] = frozenset(PERMISSION_LABELS)
_CACHE_ATTRIBUTE = "_backoffice_store_permissions"


class StoreId(TypedDict):
    """A row of `Store.objects.values("pk")`."""

    pk: int


def permission_label(codename: str) -> str:
    return PERMISSION_LABELS.get(codename, codename.replace("_", " ").capitalize())


def store_label(store: Store) -> str:
    return store.code.upper()


def permission_reason(*codenames: str, store: Store | None = None) -> str:
    """The sentence a disabled button or a 403 shows for a missing permission (any of several).

    "Requires the Refund online permission for store EU"; "Requires the Refund online or
    Refund offline permission for store EU".
    """
    names = " or ".join(permission_label(codename) for codename in codenames)
    where = f" for store {store_label(store)}" if store is not None else ""
    return f"Requires the {names} permission{where}"


class StorePermissions:
    """One user's operation permissions: global ones, and per store (object permissions)."""

    def __init__(self, user: User | AnonymousUser) -> None:
        self.is_superuser = bool(user.is_superuser)
        self.global_codenames: frozenset[str] = frozenset()
        self.by_store: dict[int, frozenset[str]] = {}
        if self.is_superuser or not (user.is_authenticated and user.is_active):
            return
        global_: set[str] = set()
        by_store: dict[int, set[str]] = {}
        for codename, store_id in _permission_rows(user.pk):
            if store_id is None:
                global_.add(codename)
            else:
                by_store.setdefault(store_id, set()).add(codename)
        self.global_codenames = frozenset(global_)
        self.by_store = {pk: frozenset(c | global_) for pk, c in by_store.items()}

    def codenames(self, store: Store | int) -> frozenset[str]:
        if self.is_superuser:
            return ALL_CODENAMES
        store_id = store if isinstance(store, int) else store.pk
        return self.by_store.get(store_id, self.global_codenames)

    def has(self, codename: str, store: Store | int) -> bool:
        return codename in self.codenames(store)

    def has_global(self, codename: str) -> bool:
        return self.is_superuser or codename in self.global_codenames

    def has_anywhere(self, codename: str) -> bool:
        """Held globally or on at least one store."""
        return self.has_global(codename) or any(codename in c for c in self.by_store.values())

    def store_ids_with(self, codename: str) -> list[int] | None:
        """The ids of the stores where `codename` is held; None means every store."""
        if self.has_global(codename):
            return None
        return sorted(pk for pk, c in self.by_store.items() if codename in c)


def _permission_rows(user_id: int) -> QuerySet[Permission, tuple[str, int | None]]:
    """(codename, store id or NULL) for every operation permission of the user: one query.

    The four sources (user and group permissions, user and group object permissions on a
    Store) are a UNION ALL, so the cost doesn't depend on the number of stores or groups.
    """
    # Typed NULL: PostgreSQL would read a bare NULL in the first SELECT as text and refuse to
    # UNION it with the store ids (bigint) of the object-permission rows.
    no_store = Cast(Value(None), output_field=BigIntegerField())
    ours = Permission.objects.filter(content_type__app_label=APP).order_by()
    by_user = ours.filter(user__id=user_id).values_list("codename", no_store)
    by_group = ours.filter(group__user__id=user_id).values_list("codename", no_store)
    on_store_by_user = (
        StoreUserObjectPermission.objects.filter(user_id=user_id)
        .order_by()
        .values_list("permission__codename", "content_object_id")
    )
    on_store_by_group = (
        StoreGroupObjectPermission.objects.filter(group__user__id=user_id)
        .order_by()
        .values_list("permission__codename", "content_object_id")
    )
    return by_user.union(by_group, on_store_by_user, on_store_by_group, all=True).order_by()


def store_permissions(user: User | AnonymousUser) -> StorePermissions:
    """The user's permissions, read once per user object (so once per request)."""
    cached = user.__dict__.get(_CACHE_ATTRIBUTE)
    if cached is None:
        cached = StorePermissions(user)
        user.__dict__[_CACHE_ATTRIBUTE] = cached
    return cached


def has_global_perm(user: User | AnonymousUser, codename: str) -> bool:
    return user.is_active and store_permissions(user).has_global(codename)


def _store_ids_held(user: User | AnonymousUser, codename: str) -> list[int] | None:
    """The ids of the stores where an active, signed-in `user` holds `codename`; None: every
    store. Nobody's for a user signed out or deactivated."""
    if not (user.is_authenticated and user.is_active):
        return []
    return store_permissions(user).store_ids_with(codename)


def stores_with_perm(user: User | AnonymousUser, codename: str) -> QuerySet[Store]:
    """Stores on which `user` holds `codename` (no query until the queryset is used)."""
    ids = _store_ids_held(user, codename)
    if ids is None:
        return Store.objects.all()
    if not ids:
        return Store.objects.none()
    return Store.objects.filter(pk__in=ids)


def user_has_store_perm(user: User | AnonymousUser, codename: str, store: Store) -> bool:
    return store_permissions(user).has(codename, store)


def user_has_any_store_perm(
    user: User | AnonymousUser, codenames: Iterable[str], store: Store
) -> bool:
    held = store_permissions(user).codenames(store)
    return any(codename in held for codename in codenames)


def require_store_perm(user: User | AnonymousUser, codename: str, store: Store) -> None:
    """The POST guard for a single permission: 403 with the reason when it is missing."""
    if not user_has_store_perm(user, codename, store):
        raise PermissionDenied(permission_reason(codename, store=store))


def visible_store_id_list(user: User | AnonymousUser) -> list[int] | None:
    """The ids of the stores whose orders the user may view, from the policy object read once
    per request (no query of its own); None: every store."""
    return _store_ids_held(user, "view_orders")


def visible_stores_q(user: User | AnonymousUser, *, field: str = "store_id") -> Q:
    """The rows of the stores whose orders the user may view (`field`: the store's id), as
    literal ids from the policy object read once per request; every store: no condition.
    PostgreSQL plans an `IN (SELECT id FROM store)` subquery in about half a millisecond, more
    than the order page's own query takes to run."""
    ids = visible_store_id_list(user)
    return Q() if ids is None else Q(**{f"{field}__in": ids})


def visible_stores(user: User | AnonymousUser) -> list[Store]:
    """The stores whose orders the user may view, by code: the grids' store choices, read
    with a statement written once (every list page asks; `backoffice.prebuilt_reads`)."""
    ids = visible_store_id_list(user)
    if ids is None:
        return rows_where(Store, "1 = 1 ORDER BY {code}")  # every store
    return rows_where(Store, "{id} IN (%s) ORDER BY {code}", ids)


def visible_store_ids(user: User | AnonymousUser) -> QuerySet[Store, StoreId]:
    """The ids of the stores whose orders and transactions the user may view, to filter by
    (`store_id__in=`): lists stay one query whatever the number of stores or rows."""
    return stores_with_perm(user, "view_orders").values("pk")

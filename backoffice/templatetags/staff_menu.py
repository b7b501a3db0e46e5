"""The user menu's Staff sign-in link: for superusers and whoever holds Manage staff sign-in on
some store (read from the permissions the page loaded already: no extra query)."""

from django import template
from django.contrib.auth.models import AnonymousUser, User

from backoffice.permissions import store_permissions

register = template.Library()


@register.filter
def can_manage_staff(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or store_permissions(user).has_anywhere("manage_staff")

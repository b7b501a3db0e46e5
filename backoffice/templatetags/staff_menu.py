"""The user menu's Staff sign-in and Audit links and an order's Audit events link: shown to
superusers and whoever holds the permission on some store (or on the order's store), read from
the permissions the page loaded already (no extra query)."""

from django import template
from django.contrib.auth.models import AnonymousUser, User

from backoffice.models import Store
from backoffice.permissions import store_permissions

register = template.Library()


@register.filter
def can_manage_staff(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or store_permissions(user).has_anywhere("manage_staff")


@register.filter
def can_read_audit(user: User | AnonymousUser) -> bool:
    """The user menu's Audit link: superusers and whoever holds Read the audit stream."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or store_permissions(user).has_anywhere("view_audit")


@register.filter
def can_audit_store(user: User | AnonymousUser, store: Store) -> bool:
    """An order page's "Audit events" link: the audit of this order's store may be read."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or store_permissions(user).has("view_audit", store)

"""Roles: which Store operation permissions each staff role holds, and how roles are granted.

A role is a Django group. Two kinds exist:
- a global role, the group named after the role ("finance"): its permissions are model-level,
  so they apply to every store;
- a store-scoped role, the group "<role>@<store code>" ("finance@eu"): it holds the role's
  permissions as guardian object permissions on that one Store and nothing globally.
Keeping store scopes as groups (not permissions copied onto each user) means `setup_roles`
can re-apply a changed matrix to every store grant, and a user's roles are visible as groups.

`roles_setup` only manages the operation permissions of `backoffice.models.OPERATION_PERMISSIONS`;
other permissions a superuser adds to a group are left alone.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from backoffice.models import OPERATION_PERMISSIONS, Store, StoreGroupObjectPermission

VIEWER, SUPPORT, FINANCE, MANAGER = "viewer", "support", "finance", "manager"
ROLES: tuple[str, ...] = (VIEWER, SUPPORT, FINANCE, MANAGER)
_ALL = ROLES
_SUPPORT_UP = (SUPPORT, FINANCE, MANAGER)
_FINANCE_UP = (FINANCE, MANAGER)
_MANAGER = (MANAGER,)

# The role matrix: operation permission → roles holding it.
MATRIX: dict[str, tuple[str, ...]] = {
    "view_orders": _ALL,
    "comment_order": _SUPPORT_UP,
    "notify_customer": _SUPPORT_UP,
    "hold_order": _SUPPORT_UP,
    "invoice_order": _SUPPORT_UP,
    "capture_online": _FINANCE_UP,
    "capture_offline": _FINANCE_UP,
    "void_payment": _FINANCE_UP,
    "refund_online": _FINANCE_UP,
    "refund_offline": _FINANCE_UP,
    "mark_as_paid": _FINANCE_UP,
    "record_chargeback": _FINANCE_UP,
    "cancel_order": _MANAGER,
    "edit_order": _MANAGER,
    "rebill_payment": _MANAGER,
    "approve_refund": _MANAGER,
    "change_store_settings": _MANAGER,
    "export_data": _FINANCE_UP,
    "manage_staff": _MANAGER,
    "view_audit": _MANAGER,
}
OPERATIONS: tuple[str, ...] = tuple(codename for codename, _ in OPERATION_PERMISSIONS)
STORE_SCOPE_SEPARATOR = "@"


def role_codenames(role: str) -> frozenset[str]:
    if role not in ROLES:
        raise ValueError(f"Unknown role {role!r}; roles are {', '.join(ROLES)}.")
    return frozenset(codename for codename, roles in MATRIX.items() if role in roles)


def store_group_name(role: str, store: Store) -> str:
    return f"{role}{STORE_SCOPE_SEPARATOR}{store.code}"


@dataclass
class RolesReport:
    created: list[str] = field(default_factory=list)
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.added or self.removed)


def _operation_permissions() -> dict[str, Permission]:
    content_type = ContentType.objects.get_for_model(Store)
    perms = {
        p.codename: p
        for p in Permission.objects.filter(content_type=content_type, codename__in=OPERATIONS)
    }
    missing = sorted(set(MATRIX) - set(perms))
    if missing:
        raise RuntimeError(f"Permissions missing ({', '.join(missing)}): run `manage.py migrate`.")
    return perms


def roles_setup() -> RolesReport:
    """Create the role groups and make their operation permissions match MATRIX exactly.

    Idempotent: a second run changes nothing. Store-scoped groups ("finance@eu") are brought
    in line too, so a changed matrix reaches every store grant.
    """
    report = RolesReport()
    with transaction.atomic():
        perms = _operation_permissions()
        for role in ROLES:
            group, created = Group.objects.get_or_create(name=role)
            if created:
                report.created.append(role)
            _sync_global(group=group, wanted=role_codenames(role), perms=perms, report=report)
        stores = {store.code: store for store in Store.objects.all()}
        for group in Group.objects.filter(name__contains=STORE_SCOPE_SEPARATOR):
            role, _, code = group.name.partition(STORE_SCOPE_SEPARATOR)
            if role in ROLES and code in stores:
                _sync_store(group=group, role=role, store=stores[code], report=report)
    return report


def _sync_global(
    *, group: Group, wanted: frozenset[str], perms: dict[str, Permission], report: RolesReport
) -> None:
    managed = [p.pk for p in perms.values()]
    current = set(group.permissions.filter(pk__in=managed).values_list("codename", flat=True))
    to_add, to_remove = sorted(wanted - current), sorted(current - wanted)
    if to_add:
        group.permissions.add(*(perms[c] for c in to_add))
    if to_remove:
        group.permissions.remove(*(perms[c] for c in to_remove))
    report.added += [(group.name, c) for c in to_add]
    report.removed += [(group.name, c) for c in to_remove]


def _sync_store(*, group: Group, role: str, store: Store, report: RolesReport) -> None:
    current = set(
        StoreGroupObjectPermission.objects.filter(
            group=group, content_object=store, permission__codename__in=OPERATIONS
        ).values_list("permission__codename", flat=True)
    )
    wanted = role_codenames(role)
    to_add, to_remove = sorted(wanted - current), sorted(current - wanted)
    for codename in to_add:
        assign_perm(f"backoffice.{codename}", group, store)
    for codename in to_remove:
        remove_perm(f"backoffice.{codename}", group, store)
    report.added += [(group.name, c) for c in to_add]
    report.removed += [(group.name, c) for c in to_remove]


def role_grant(*, user: User, role: str) -> None:
    """Give `user` the role on every store (membership of the global role group)."""
    role_codenames(role)
    group, _ = Group.objects.get_or_create(name=role)
    user.groups.add(group)


def role_grant_for_store(*, user: User, role: str, store: Store) -> Group:
    """Give `user` the role on `store` only, through the group "<role>@<store code>".

    The group holds the role's permissions as guardian object permissions on that Store.
    """
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(name=store_group_name(role, store))
        _sync_store(group=group, role=role, store=store, report=RolesReport())
        user.groups.add(group)
    return group


def role_revoke_for_store(*, user: User, role: str, store: Store) -> None:
    role_codenames(role)
    group = Group.objects.filter(name=store_group_name(role, store)).first()
    if group is not None:
        user.groups.remove(group)

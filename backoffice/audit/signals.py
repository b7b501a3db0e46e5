"""Role changes in the audit stream, whatever made them (the admin's user form, the roles
services, setup commands): a user joined or left a role group."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed

from backoffice.audit.events import ROLE_CHANGE, record_event

User = get_user_model()


def user_groups_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None, reverse: bool, **kwargs: Any
) -> None:
    if action not in {"post_add", "post_remove"} or not pk_set:
        return
    verb = "added to" if action == "post_add" else "removed from"
    if reverse:  # group.user_set.add(users): instance is the group
        pairs = [(user, [instance.name]) for user in User.objects.filter(pk__in=pk_set)]
    else:
        names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        pairs = [(instance, names)]
    for user, groups in pairs:
        record_event(
            type=ROLE_CHANGE,
            obj=user,
            message=f"{user.get_username()} {verb} {', '.join(groups)}",
            details={"action": verb, "groups": groups},
        )


def connect() -> None:
    m2m_changed.connect(
        user_groups_changed, sender=User.groups.through, dispatch_uid="audit_user_groups"
    )

"""What the Django admin may change: a locked-down admin (issue 15).

Money, state and identity fields are read-only for everyone, superusers included: amounts,
gateway references, idempotency keys, statuses and states, numbers, stores and the order a
payment or document belongs to. Corrections go through the app's own operations, which check,
lock and write history. What the admin still may change is audited by the app that owns the
model (orders: a history entry with old and new values; configuration: the audit log).
"""

import logging
from typing import Any

from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest

from backoffice.audit.events import ADMIN_CHANGE, SETTINGS_CHANGE, record_event
from backoffice.models import Store

audit_log = logging.getLogger("backoffice.audit")

# Field names that are never editable in the admin, on whichever model has them.
LOCKED_FIELDS = frozenset(
    {
        # identity
        "number",
        "store",
        "order",
        "invoice",
        "payment",
        "parent",
        "uuid",
        "gateway",
        "gateway_account",
        "gateway_reference",
        "idempotency_key",
        "currency",
        "code",
        # states and statuses
        "state",
        "state_before_hold",
        "state_before_review",
        "status",
        "payment_status",
        "capture_mode",
        "mode",
        "is_expired",
        "expires_at",
        "authorized_at",
        "version",
        "created_at",
        "updated_at",
        "placed_at",
        # money
        "subtotal",
        "shipping_amount",
        "tax_amount",
        "discount_amount",
        "grand_total",
        "adjustment_refund",
        "adjustment_fee",
        "earlier_adjustment",
        "unit_price",
        "row_total",
        "amount",
        "qty_ordered",
        "qty_invoiced",
        "qty_refunded",
        "qty_canceled",
    }
)


def is_locked(name: str) -> bool:
    return name in LOCKED_FIELDS or name.startswith(("amount_", "pending_"))


def locked_fields_of(model: type[Model]) -> list[str]:
    """The model's concrete fields the admin must show read-only."""
    return [f.name for f in model._meta.concrete_fields if is_locked(f.name)]


class ReadOnlyAdminMixin:
    """Visible, never added, changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class LockedFieldsAdminMixin:
    """Editable in the admin except its locked fields; never added or deleted there (money
    objects are created by the app's operations, and a deletion would erase history)."""

    model: type[Model]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> list[str] | tuple[str, ...]:
        own = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return own + [name for name in locked_fields_of(self.model) if name not in own]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


def changes_of(form: ModelForm) -> list[tuple[str, str, str]]:
    """(field label, old value, new value) of each field the admin form changed."""
    changes = []
    for name in form.changed_data:
        field = form.fields[name]
        old, new = form.initial.get(name, ""), form.cleaned_data.get(name, "")
        changes.append((str(field.label or name), _text(old), _text(new)))
    return changes


def changes_sentence(changes: list[tuple[str, str, str]]) -> str:
    return "; ".join(f"{label} from “{old}” to “{new}”" for label, old, new in changes)


def log_config_change(request: HttpRequest, obj: Model, form: ModelForm, *, added: bool) -> None:
    """A configuration change (a store's thresholds, a gateway account) in the audit log."""
    changes = changes_of(form)
    what = "created" if added else changes_sentence(changes)
    if not what:
        return
    record_event(
        type=SETTINGS_CHANGE if isinstance(obj, Store) else ADMIN_CHANGE,
        request=request,
        obj=obj,
        store_code=getattr(obj, "code", "") if isinstance(obj, Store) else "",
        message=f"Changed in the Django admin: {what}",
        details={"changes": [list(change) for change in changes], "added": added},
    )
    audit_log.info(
        "admin change: %s %s by %s: %s",
        obj._meta.label,
        obj.pk,
        getattr(request.user, "username", "?"),
        what,
        extra={"model": obj._meta.label, "pk": obj.pk, "user": str(request.user)},
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)

"""A store's four-eyes settings, changed in the app by those holding "Change store settings"
(managers): the approval threshold and the window over which an order's moves add up
(`orders.services.approval_rule` reads them).

Every change is audited twice: a `StoreSettingsChange` row (who, when, before and after: the
settings page shows the last one) and a line on the `backoffice.audit` logger.

    change = store_settings_change(store=store, user=user, threshold=123456, window_hours=48)
    change_sentence(change)  # "approval threshold from €500.00 to €1,234.56; approval window
                             #  from 24 to 48 hours"
"""

import logging

from django.contrib.auth.models import User
from django.db import transaction

from backoffice.audit.events import SETTINGS_CHANGE, record_event
from backoffice.models import Store, StoreSettingsChange
from backoffice.money import format_money
from backoffice.users import user_label

audit_log = logging.getLogger("backoffice.audit")
SETTINGS_PERMISSION = "change_store_settings"


def threshold_text(threshold: int | None, currency: str) -> str:
    return "none (never asks)" if threshold is None else format_money(threshold, currency)


def change_sentence(change: StoreSettingsChange) -> str:
    """What one change did, in words (the settings page, the audit line)."""
    currency = change.store.currency
    parts = []
    if change.old_threshold != change.new_threshold:
        old = threshold_text(change.old_threshold, currency)
        new = threshold_text(change.new_threshold, currency)
        parts.append(f"approval threshold from {old} to {new}")
    if change.old_window_hours != change.new_window_hours:
        parts.append(
            f"approval window from {change.old_window_hours} to {change.new_window_hours} hours"
        )
    return "; ".join(parts)


def store_settings_change(
    *, store: Store, user: User, threshold: int | None, window_hours: int
) -> StoreSettingsChange | None:
    """Set the store's approval threshold (minor units; None: never asks) and window (hours),
    under the store row's lock; None when both are what they were (nothing is written)."""
    with transaction.atomic():
        locked = Store.objects.select_for_update().get(pk=store.pk)
        before = (locked.refund_approval_threshold, locked.approval_window_hours)
        if before == (threshold, window_hours):
            return None
        locked.refund_approval_threshold, locked.approval_window_hours = threshold, window_hours
        locked.save(update_fields=["refund_approval_threshold", "approval_window_hours"])
        change = StoreSettingsChange.objects.create(
            store=locked,
            changed_by=user,
            changed_by_label=user_label(user),
            old_threshold=before[0],
            new_threshold=threshold,
            old_window_hours=before[1],
            new_window_hours=window_hours,
        )
        record_event(
            type=SETTINGS_CHANGE,
            user=user,
            obj=locked,
            store_code=locked.code,
            message=f"Store settings: {change_sentence(change)}",
            details={
                "old": {"threshold": before[0], "window_hours": before[1]},
                "new": {"threshold": threshold, "window_hours": window_hours},
            },
        )
    audit_log.info(
        "store settings: store %s changed by %s: %s",
        locked.code,
        user.get_username(),
        change_sentence(change),
        extra={
            "store": locked.code,
            "user": user.get_username(),
            "old": {"threshold": before[0], "window_hours": before[1]},
            "new": {"threshold": threshold, "window_hours": window_hours},
        },
    )
    return change


def store_settings_last_change(*, store: Store) -> StoreSettingsChange | None:
    """The store's most recent settings change, if any (read only)."""
    return StoreSettingsChange.objects.filter(store=store).select_related("store").first()

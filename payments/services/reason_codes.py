"""A store's reason codes: the defaults every store starts with (payments.reason_codes)."""

from backoffice.models import Store
from payments.reason_codes import DEFAULT_REASONS, ReasonCode


def store_reason_codes_ensure(*, store: Store) -> list[ReasonCode]:
    """Create the default codes `store` does not have yet (by code); never change existing ones.

    Runs for every new store (a `post_save` receiver, `PaymentsConfig.ready`) and in the demo
    seed; migration 0007 did the same for the stores that existed before reason codes.
    """
    have = set(ReasonCode.objects.filter(store=store).values_list("code", flat=True))
    missing = [
        ReasonCode(
            store=store,
            code=default.code,
            label=default.label,
            applies_to=default.applies_to,
            position=(index + 1) * 10,
        )
        for index, default in enumerate(DEFAULT_REASONS)
        if default.code not in have
    ]
    # ignore_conflicts: two processes creating the same store's codes at once both succeed.
    return ReasonCode.objects.bulk_create(missing, ignore_conflicts=True) if missing else []

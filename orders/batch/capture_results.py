"""What capture_authorized takes and how it reports an order, for both of its paths.

The one-by-one path (`capture.py`, `CaptureAuthorized.process`) and the chunk path
(`capture_chunk.py`) take the same orders (`CAPTURABLE_STATES`), invoice the same units
(`quantities_to_invoice`) and say the same thing of the same outcome (`item_result`).
"""

from datetime import datetime

from backoffice.batch.results import ItemResult, done, failed, skipped
from orders.batch.expiring import local_date
from orders.capture_plan import is_authorization
from orders.enums import OrderState
from orders.models import Order
from orders.services.invoice_outcome import SpreadOutcome
from payments.enums import TransactionStatus
from payments.ledger import is_authorization_expired, open_authorization, uncaptured_remainder

CAPTURABLE_STATES = (OrderState.NEW, OrderState.PENDING_PAYMENT, OrderState.PROCESSING)
PAID_BEFORE = "paid by money captured before"
EXPIRED = "authorization expired"


def quantities_to_invoice(order: Order) -> dict[int, int]:
    return {item.pk: item.qty_to_invoice for item in order.items.all() if item.qty_to_invoice > 0}


def expired_skip(order: Order, *, now: datetime) -> ItemResult | None:
    """Skipped, saying why, when the order's open authorizations have all passed their expiry
    date: nothing is open to capture (`payments.figures`), even though expire_authorizations
    has not marked them yet. None when something is open to capture."""
    payments = list(order.payments.all())
    if any(open_authorization(p, now=now) for p in payments):
        return None
    lapsed = [
        p
        for p in payments
        if is_authorization(p) and uncaptured_remainder(p) and is_authorization_expired(p, now=now)
    ]
    if not lapsed:
        return None
    dates = sorted({local_date(p.expires_at, order.store) for p in lapsed if p.expires_at})
    when = f" on {', '.join(dates)}" if dates else ""
    noun = "authorization" if len(lapsed) == 1 else "authorizations"
    return skipped(
        EXPIRED,
        f"the {noun} expired{when}: nothing is open to capture (expire_authorizations releases it)",
    )


def item_result(outcome: SpreadOutcome) -> ItemResult:
    invoice = outcome.invoice
    currency = invoice.order.currency
    if outcome.repeated:
        return skipped("already done", f"invoice #{invoice.number} was done by an earlier run")
    failure = outcome.failure
    if failure is None and outcome.prepaid and not outcome.captured:
        # Money captured on the order before paid all of it: nothing went to the gateway.
        return done(PAID_BEFORE, outcome.message())
    if failure is None:
        return done("captured", outcome.message(), amount=outcome.captured, currency=currency)
    status = failure.transaction.status if failure.transaction is not None else None
    if status == TransactionStatus.PENDING and not outcome.captured:
        # Accepted by the gateway, its final answer to follow: reconcile_payments settles it.
        return skipped("pending at the gateway", outcome.message())
    if outcome.captured:
        kind = "partly captured"
    elif status is None:
        kind = "refused"
    elif status == TransactionStatus.FAILED:
        kind = "declined"
    else:
        kind = "no answer from the gateway"
    return failed(kind, outcome.message(), amount=outcome.captured, currency=currency)

"""What capture_authorized takes and how it reports an order, for both of its paths.

The one-by-one path (`capture.py`, `CaptureAuthorized.process`) and the chunk path
(`capture_chunk.py`) take the same orders (`CAPTURABLE_STATES`), invoice the same units
(`quantities_to_invoice`) and say the same thing of the same outcome (`item_result`).
"""

from backoffice.batch.results import ItemResult, done, failed, skipped
from orders.enums import OrderState
from orders.models import Order
from orders.services.invoice_outcome import SpreadOutcome
from payments.enums import TransactionStatus

CAPTURABLE_STATES = (OrderState.NEW, OrderState.PENDING_PAYMENT, OrderState.PROCESSING)
PAID_BEFORE = "paid by money captured before"


def quantities_to_invoice(order: Order) -> dict[int, int]:
    return {item.pk: item.qty_to_invoice for item in order.items.all() if item.qty_to_invoice > 0}


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

"""capture_authorized: invoice and capture online the authorized orders that wait for it.

One item is an order that can still take money (new, pending payment or processing) with an
open authorization and items not invoiced yet. An authorization past its expiry date is never
open to capture (`payments.figures`), even before expire_authorizations marks it: an order with
nothing else is skipped saying so, in the dry run too (`capture_results.expired_skip`). For
each other, the invoicing service (`orders.services.invoicing.invoice_create`, Amount: Capture
Online, `user` None: the batch) creates one invoice for every item not invoiced and captures
it, spread over the order's authorizations, soonest-expiring first. Money already captured on
the order without an invoice (a capture on Transaction Details, Mark as paid) pays the invoice
first, as on the New Invoice page, and only the rest is captured; `--dry-run` says the same.
A decline is reported on the order's line and in its history, and the batch goes on.

The invoice's idempotency key is `capture_authorized:<order pk>:<n>` (n: the order's invoices
so far + 1) and each capture's is that key + `:<payment pk>`. A run that crashed after the
invoice was written but before its capture started finds the invoice (open, no transaction)
and captures it with the same keys; a capture already sent is never sent again with a new key:
its outcome is reconcile_payments' business, as for any capture whose answer was lost.
"""

from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.template.defaultfilters import pluralize
from django.utils import timezone

from backoffice.batch.results import ItemResult, done, failed, skipped
from backoffice.batch.runner import BatchJob
from backoffice.errors import DomainError
from backoffice.models import Store
from backoffice.money import format_money, parse_amount
from orders.batch.capture_chunk import capture_chunk
from orders.batch.capture_results import (
    CAPTURABLE_STATES,
    PAID_BEFORE,
    expired_skip,
    item_result,
    quantities_to_invoice,
)
from orders.batch.expiring import open_authorization_q
from orders.capture_modes import capture_modes
from orders.enums import CaptureMode, InvoiceState
from orders.invoice_totals import invoice_totals, is_first_invoice
from orders.models import Invoice, Order, OrderItem
from orders.operations import OrderOperation, order_operation_availability
from orders.order_amounts import invoice_amount_to_capture, new_invoice_split
from orders.services.invoicing import invoice_capture, invoice_create
from orders.services.order_documents import StaleOrder
from payments.models import Payment, Transaction


def max_amount_q(text: str, *, store_code: str | None) -> Q:
    """Orders whose grand total is at most `text` (major units) in their own currency.

    Raises `backoffice.money.MoneyError` when the amount can't be money in one of the
    currencies concerned (10.50 for JPY).
    """
    stores = Store.objects.all()
    if store_code:
        stores = stores.filter(code=store_code)
    limit = Q(pk__in=[])
    for currency in sorted(set(stores.values_list("currency", flat=True))):
        # The plain form only (locale None): "500.00", the same on every operator's machine.
        limit |= Q(currency=currency, grand_total__lte=parse_amount(text, currency, locale=None))
    return limit


class CaptureAuthorized(BatchJob[Order]):
    name = "capture_authorized"
    title = "Capture authorized orders"
    noun = "order"

    def __init__(
        self,
        *,
        store_code: str | None = None,
        older_than: timedelta | None = None,
        max_amount: Q | None = None,
        now: datetime | None = None,
    ) -> None:
        self.store_code = store_code
        self.older_than = older_than
        self.max_amount = max_amount
        self.now = now or timezone.now()

    def candidates(self, *, among: list[int] | None = None) -> QuerySet[Order]:
        within = {} if among is None else {"order_id__in": among}
        # Past its expiry date but not marked yet: taken, to be skipped saying why
        # (`expired_skip`) until expire_authorizations releases it.
        open_authorization = Payment.objects.filter(
            open_authorization_q(), is_expired=False, order=OuterRef("pk"), **within
        )
        to_invoice = OrderItem.objects.filter(
            order=OuterRef("pk"), qty_ordered__gt=F("qty_invoiced") + F("qty_canceled"), **within
        )
        orders = self.scope().filter(
            Exists(open_authorization),
            Exists(to_invoice) | Exists(_unstarted_invoices().filter(**within)),
        )
        return orders  # `among` is in the authorization's subquery

    def scope(self) -> QuerySet[Order]:
        orders = Order.objects.filter(state__in=CAPTURABLE_STATES)
        if self.store_code:
            orders = orders.filter(store__code=self.store_code)
        if self.older_than is not None:
            orders = orders.filter(placed_at__lte=self.now - self.older_than)
        if self.max_amount is not None:
            orders = orders.filter(self.max_amount)
        return orders

    def label(self, item: Order) -> str:
        return f"#{item.number}"

    def preview(self, item: Order) -> ItemResult:
        """What `process` would do, with the same checks: money already captured on the order
        without an invoice pays the new invoice first (`new_invoice_split`, as on the New
        Invoice page), and Capture Online is asked only for the rest."""
        order = _for_planning(item.pk)
        expired = expired_skip(order, now=self.now)
        if expired is not None:
            return expired
        unstarted = _unstarted_invoice(order, key=self.key(order))
        if unstarted is not None:
            to_capture = invoice_amount_to_capture(unstarted, order.transactions.all())
            prepaid, what = 0, f"capture open invoice #{unstarted.number}"
        else:
            invoicing = order_operation_availability(
                user=None, order=order, operation=OrderOperation.INVOICE
            )
            if not invoicing.allowed:
                return failed("would fail", f"can't invoice: {invoicing.reason}")
            totals = invoice_totals(
                order=order,
                items=list(order.items.all()),
                quantities=quantities_to_invoice(order),
                include_shipping=is_first_invoice(order.invoices.all()),
            )
            prepaid, to_capture = new_invoice_split(order, totals.grand_total)
            money = format_money(totals.grand_total, order.currency)
            what = f"invoice {totals.qty} unit{pluralize(totals.qty)} for {money}"
        answer = capture_modes(user=None, order=order, amount=to_capture, with_not_capture=False)[
            CaptureMode.ONLINE
        ]
        sentence = _would(what, prepaid=prepaid, to_capture=to_capture, currency=order.currency)
        if not answer.allowed:
            return failed("would fail", f"can't {sentence}: {answer.reason}")
        outcome = "would capture" if to_capture else f"would be {PAID_BEFORE}"
        return done(outcome, f"would {sentence}", amount=to_capture, currency=order.currency)

    def process_chunk(self, items: list[Order]) -> dict[int, ItemResult]:
        return capture_chunk(self, items)

    def process(self, item: Order, *, key: str) -> ItemResult:
        # Loaded here rather than with the claim: the chunk path, which takes most orders,
        # reads them under its own lock.
        prefetch_related_objects(
            [item], "items", Prefetch("invoices", queryset=Invoice.objects.order_by())
        )
        expired = expired_skip(item, now=timezone.now())
        if expired is not None:
            return expired
        unstarted = _unstarted_invoice(item, key=key)
        try:
            if unstarted is not None:
                outcome = invoice_capture(
                    invoice=unstarted,
                    user=None,
                    capture_mode=CaptureMode.ONLINE,
                    expected_version=item.version,
                    idempotency_key=unstarted.idempotency_key or "",
                )
            else:
                outcome = invoice_create(
                    order=item,
                    user=None,
                    quantities=quantities_to_invoice(item),
                    capture_mode=CaptureMode.ONLINE,
                    expected_version=item.version,
                    idempotency_key=f"{key}:{len(item.invoices.all()) + 1}",
                )
        except StaleOrder:
            return skipped("changed meanwhile", "the order changed while the job ran; next run")
        except DomainError as exc:
            return failed("refused", exc.message)
        return item_result(outcome)


def _would(what: str, *, prepaid: int, to_capture: int, currency: str) -> str:
    """ "invoice 2 units for $122.00, paid first by $100.00 already captured on the order, and
    capture the remaining $22.00 online" (what `process` does, said beforehand)."""
    if not prepaid:
        return f"{what} and capture it online"
    paid = f"{format_money(prepaid, currency)} already captured on the order"
    if not to_capture:
        return f"{what}, paid in full by {paid}: nothing to capture"
    return (
        f"{what}, paid first by {paid}, and capture the remaining "
        f"{format_money(to_capture, currency)} online"
    )


def _for_planning(order_id: int) -> Order:
    """The order with what the capture plan reads (payments and their ledger rows) and what
    tells money already captured without an invoice (the order's rows, its invoices)."""
    payments = Payment.objects.select_related("gateway_account").prefetch_related("transactions")
    return (
        Order.objects.select_related("store")
        .prefetch_related(
            "items", "invoices", "transactions", Prefetch("payments", queryset=payments)
        )
        .get(pk=order_id)
    )


def _unstarted_invoices() -> QuerySet[Invoice]:
    """Open invoices this job wrote whose capture never started (a crash in between)."""
    return Invoice.objects.filter(
        order=OuterRef("pk"),
        state=InvoiceState.OPEN,
        idempotency_key__startswith=f"{CaptureAuthorized.name}:",
    ).exclude(Exists(Transaction.objects.filter(invoice=OuterRef("pk"))))


def _unstarted_invoice(order: Order, *, key: str) -> Invoice | None:
    mine = [
        invoice
        for invoice in order.invoices.all()
        if invoice.state == InvoiceState.OPEN
        and (invoice.idempotency_key or "").startswith(f"{key}:")
    ]
    if not mine:
        return None
    started = set(Transaction.objects.filter(invoice__in=mine).values_list("invoice_id", flat=True))
    return next((invoice for invoice in mine if invoice.pk not in started), None)

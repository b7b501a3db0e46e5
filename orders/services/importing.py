"""Import orders from JSON Lines (DESIGN.md "Import format").

Each line is one order, validated completely before anything is written and then written in
its own transaction: a bad line is reported with its line number and leaves nothing behind,
while the good lines around it import. An order number that already exists is skipped, so
re-importing a file changes nothing.

What an imported payment becomes:
- `authorize`: a Payment with a successful, online pre-authorization (PA) Transaction.
- `authorize_capture`: a Payment with a successful debit (DB) Transaction; the money was
  captured at checkout, so the order is invoiced here (one paid invoice for all items and the
  shipping, the debits linked to it) — Capture Online is never offered for such payments.
Cached payment amounts come from `order_payments_recompute`, like every other money write.
After an order commits, each payment's gateway is told about it (`register_checkout_payment`,
outside any transaction like every gateway call): a real PSP already knows the payment, the
sandbox records it so that later captures, voids and refunds against its reference work.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from backoffice.models import Store
from backoffice.money import format_money
from orders.enums import (
    AddressKind,
    CaptureMode,
    CommentKind,
    CommentSource,
    InvoiceState,
    OrderState,
)
from orders.history import comment_money
from orders.importing.gateway_checks import record_checked_with_gateways
from orders.importing.records import (
    AddressRecord,
    LineInvalid,
    OrderRecord,
    PaymentRecord,
    default_expiry,
    parse_order_line,
)
from orders.models import Invoice, InvoiceItem, Order, OrderAddress, OrderItem
from orders.services.checkout import checkout_payment_comments
from payments.enums import PaymentAction, TransactionSource, TransactionStatus, TransactionType
from payments.gateways import UnknownGateway, gateway_for_payment
from payments.models import GatewayAccount, Payment, Transaction
from payments.recompute import order_payments_recompute


@dataclass(frozen=True)
class LineError:
    line: int
    reasons: list[str]
    number: str | None = None

    def messages(self) -> list[str]:
        return [f"line {self.line}: {reason}" for reason in self.reasons]


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[LineError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (
            f"imported {len(self.imported)}, skipped {len(self.skipped)} (already imported), "
            f"failed {len(self.failed)}"
        )


def orders_import_lines(
    *,
    lines: Iterable[str],
    source_name: str,
    on_line: Callable[[int], None] | None = None,
    register_payments: bool = True,
) -> ImportReport:
    """Import every line (1-based numbering counts blank lines, which are ignored).

    `register_payments=False` leaves telling the gateways to the caller (the demo data, which
    replays later history on the sandbox itself).
    """
    report = ImportReport()
    stores = {store.code: store for store in Store.objects.all()}
    currencies = {code: store.currency for code, store in stores.items()}
    for line_no, text in enumerate(lines, start=1):
        if text.strip():
            _import_line(
                report=report,
                line_no=line_no,
                text=text,
                stores=stores,
                currencies=currencies,
                origin=f"{source_name}, line {line_no}",
                register_payments=register_payments,
            )
        if on_line is not None:
            on_line(line_no)
    return report


def _import_line(
    *,
    report: ImportReport,
    line_no: int,
    text: str,
    stores: dict[str, Store],
    currencies: dict[str, str],
    origin: str,
    register_payments: bool,
) -> None:
    try:
        record = parse_order_line(text, store_currencies=currencies)
    except LineInvalid as exc:
        report.failed.append(LineError(line=line_no, reasons=exc.reasons, number=exc.number))
        return
    if Order.objects.filter(number=record.number).exists():
        report.skipped.append(record.number)
        return
    try:
        record = record_checked_with_gateways(record, store=stores[record.store_code])
    except LineInvalid as exc:
        report.failed.append(LineError(line=line_no, reasons=exc.reasons, number=exc.number))
        return
    try:
        order = order_import(record=record, store=stores[record.store_code], origin=origin)
    except IntegrityError as exc:
        # Another import inserted the same number between our check and our insert.
        if Order.objects.filter(number=record.number).exists():
            report.skipped.append(record.number)
            return
        reason = f"order {record.number} could not be written: {exc}"
        report.failed.append(LineError(line=line_no, reasons=[reason], number=record.number))
        return
    report.imported.append(record.number)
    if register_payments:
        payments_register_with_gateway(order=order)


def payments_register_with_gateway(*, order: Order) -> None:
    """Tell each payment's gateway about a payment made at checkout. Call after the commit."""
    for payment in order.payments.select_related("gateway_account"):
        try:
            adapter = gateway_for_payment(payment)
        except UnknownGateway:
            continue  # no adapter for this gateway: its payments can only be handled offline
        adapter.register_checkout_payment(
            reference=payment.gateway_reference,
            amount=payment.amount_requested,
            currency=payment.currency,
            captured=payment.payment_action == PaymentAction.AUTHORIZE_CAPTURE,
            expires_at=payment.expires_at,
        )


def order_import(*, record: OrderRecord, store: Store, origin: str) -> Order:
    """Write one validated order, its payments and their history in one transaction."""
    with transaction.atomic():
        order = _order_create(record=record, store=store)
        items = _items_create(order=order, record=record)
        transactions = [
            _payment_import(order=order, index=index, payment=payment, origin=origin)
            for index, payment in enumerate(record.payments)
        ]
        debits = [t for t in transactions if t.type == TransactionType.DEBIT]
        invoice = _invoice_paid_at_checkout(order=order, items=items, debits=debits)
        _comment_imported(order=order, transactions=transactions, invoice=invoice)
        # The order was created in this transaction, so no one else can hold or want its lock.
        order_payments_recompute(order=order)
    return order


def _order_create(*, record: OrderRecord, store: Store) -> Order:
    """The order row and its addresses (in the caller's transaction)."""
    order = Order.objects.create(
        number=record.number,
        store=store,
        state=OrderState.PROCESSING if record.payments else OrderState.PENDING_PAYMENT,
        currency=record.currency,
        customer_email=record.customer_email,
        customer_name=record.customer_name,
        shipping_method=record.shipping_method,
        payment_method_title=record.payments[0].method_title if record.payments else "",
        subtotal=record.subtotal,
        shipping_amount=record.shipping_amount,
        tax_amount=record.tax_amount,
        discount_amount=record.discount_amount,
        grand_total=record.grand_total,
        placed_at=record.placed_at,
    )
    addresses = [(AddressKind.BILLING, record.billing_address)]
    if record.shipping_address is not None:
        addresses.append((AddressKind.SHIPPING, record.shipping_address))
    OrderAddress.objects.bulk_create(
        [_address(order=order, kind=kind, address=a) for kind, a in addresses]
    )
    return order


def _items_create(*, order: Order, record: OrderRecord) -> list[OrderItem]:
    """The order's items; all invoiced when a payment was captured at checkout."""
    invoiced = any(p.action == PaymentAction.AUTHORIZE_CAPTURE for p in record.payments)
    return OrderItem.objects.bulk_create(
        [
            OrderItem(
                order=order,
                sku=item.sku,
                name=item.name,
                qty_ordered=item.qty,
                unit_price=item.unit_price,
                tax_amount=item.tax,
                discount_amount=item.discount,
                row_total=item.row_total,
                qty_invoiced=item.qty if invoiced else 0,
            )
            for item in record.items
        ]
    )


def _comment_imported(
    *, order: Order, transactions: list[Transaction], invoice: Invoice | None
) -> None:
    """The history of what happened at checkout, dated when it happened: each payment as the
    shop's entry and the gateway's acceptance, then the invoice of a sale."""
    for txn in transactions:
        checkout_payment_comments(txn, order=order, accepted_at=txn.created_at)
    if invoice is not None:
        comment_money(
            order=order,
            kind=CommentKind.INVOICE,
            body=f"Invoice #{invoice.number} for "
            f"{format_money(invoice.grand_total, order.currency)} created: captured online "
            "at checkout.",
            invoice=invoice,
            source=CommentSource.SYSTEM,
            occurred_at=invoice.created_at,
        )


def _address(*, order: Order, kind: str, address: AddressRecord) -> OrderAddress:
    return OrderAddress(
        order=order,
        kind=kind,
        name=address.name,
        street=address.street,
        city=address.city,
        region=address.region,
        postcode=address.postcode,
        country=address.country,
        phone=address.phone,
    )


def _payment_import(
    *, order: Order, index: int, payment: PaymentRecord, origin: str
) -> Transaction:
    account, _ = GatewayAccount.objects.get_or_create(
        store=order.store,
        gateway=payment.gateway,
        defaults={
            "name": payment.gateway.replace("_", " ").title(),
            "payment_action": payment.action,
        },
    )
    row = Payment.objects.create(
        order=order,
        gateway=payment.gateway,
        gateway_account=account,
        payment_action=payment.action,
        method_title=payment.method_title,
        card_brand=payment.card_brand,
        card_last4=payment.card_last4,
        gateway_reference=payment.reference,
        currency=order.currency,
        amount_requested=payment.amount,
        authorized_at=payment.authorized_at,
        expires_at=default_expiry(payment, validity_days=account.authorization_validity_days),
    )
    kind = (
        TransactionType.DEBIT
        if payment.action == PaymentAction.AUTHORIZE_CAPTURE
        else TransactionType.AUTHORIZATION
    )
    txn = Transaction.objects.create(
        payment=row,
        order=order,
        store=order.store,
        type=kind,
        status=TransactionStatus.SUCCESS,
        amount=payment.amount,
        currency=order.currency,
        is_online=True,
        gateway_reference=payment.reference,
        gateway_response=dict(payment.gateway_response),
        # Deterministic, so the same line can never produce two ledger rows.
        idempotency_key=f"import:{order.number}:{index}:{kind}",
        source=TransactionSource.IMPORT,
        memo=f"Imported from {origin}.",
        # When the gateway took it, not when the file was loaded (set at the insert: the
        # ledger never changes a row's created_at).
        created_at=min(payment.authorized_at, timezone.now()),
    )
    return txn


def _invoice_paid_at_checkout(
    *, order: Order, items: list[OrderItem], debits: list[Transaction]
) -> Invoice | None:
    """One invoice for everything, linked to the checkout debits (authorize_capture)."""
    if not debits:
        return None
    paid = sum(t.amount for t in debits)
    invoice = Invoice.objects.create(
        order=order,
        number=f"{order.number}-1",
        state=InvoiceState.PAID if paid >= order.grand_total else InvoiceState.OPEN,
        capture_mode=CaptureMode.ONLINE,
        subtotal=order.subtotal,
        shipping_amount=order.shipping_amount,
        tax_amount=order.tax_amount,
        discount_amount=order.discount_amount,
        grand_total=order.grand_total,
    )
    InvoiceItem.objects.bulk_create(
        [
            InvoiceItem(
                invoice=invoice,
                order_item=item,
                qty=item.qty_ordered,
                row_total=item.row_total,
                tax_amount=item.tax_amount,
                discount_amount=item.discount_amount,
            )
            for item in items
        ]
    )
    _backdate(invoice, min(t.created_at for t in debits))
    Transaction.objects.filter(pk__in=[t.pk for t in debits]).update(invoice=invoice)
    for txn in debits:
        txn.invoice = invoice
    return invoice


def _backdate(row: Invoice, when: datetime) -> None:
    """Record when the event happened at the gateway, not when the file was loaded.

    created_at is auto_now_add, which ignores a value given to create(); the row was inserted
    a moment ago in this same transaction.
    """
    when = min(when, timezone.now())
    type(row).objects.filter(pk=row.pk).update(created_at=when)
    row.created_at = when

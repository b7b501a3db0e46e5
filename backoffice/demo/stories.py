"""What happened to a demo order after checkout: captures, refunds, voids, holds, notes.

Demo data only. The history is recorded the way the money engine records it — successful
ledger Transactions (source import, so they read as loaded history, not live gateway calls),
invoices and credit memos, a comment for every event through `orders.history`, and cached
amounts from `order_payments_recompute` — but without calling a gateway while writing: these
events happened in the past. Each story runs in one transaction on an order imported moments
ago; `demo.replay` then tells the sandbox PSP, after the commit.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F

from backoffice.demo.catalogue import HOLD_REASONS, STAFF_NOTES
from backoffice.demo.generator import Scenario
from backoffice.money import allocate, format_money
from backoffice.users import user_label
from orders.enums import (
    CaptureMode,
    CommentKind,
    CommentSource,
    CreditMemoState,
    InvoiceState,
    OrderState,
    RefundMode,
)
from orders.history import (
    comment_money,
    comment_note,
    comment_status,
)
from orders.models import CreditMemo, CreditMemoItem, Invoice, InvoiceItem, Order, OrderItem
from payments.enums import TransactionSource, TransactionStatus, TransactionType
from payments.models import Payment, Transaction
from payments.recompute import order_payments_recompute
from payments.services import describe_transaction

T = TransactionType
S = Scenario


@dataclass(frozen=True)
class Staff:
    support: User
    finance: User
    manager: User


class _Story:
    """One order's post-checkout events, in time order."""

    def __init__(self, *, order: Order, staff: Staff, now: datetime, rng: random.Random) -> None:
        self.order = order
        self.staff = staff
        self.now = now
        self.rng = rng
        self.items = list(order.items.all())
        self.payments = list(order.payments.order_by("pk"))
        self.clock = order.placed_at
        self.documents = 0

    def later(self, share: tuple[float, float] = (0.1, 0.4)) -> datetime:
        """A moment between the last event and now, so events stay in order and in the past."""
        span = (self.now - timedelta(minutes=5)) - self.clock
        self.clock = (self.clock + span * self.rng.uniform(*share)).replace(microsecond=0)
        return self.clock

    def next_number(self) -> str:
        self.documents += 1
        return f"{self.order.number}-{self.documents}"

    def transaction(
        self,
        *,
        payment: Payment,
        type: str,
        amount: int,
        at: datetime,
        status: str = TransactionStatus.SUCCESS,
        parent: Transaction | None = None,
        invoice: Invoice | None = None,
        credit_memo: CreditMemo | None = None,
        actor: User | None = None,
    ) -> Transaction:
        count = Transaction.objects.filter(payment=payment, type=type).count()
        txn = Transaction.objects.create(
            payment=payment,
            order=self.order,
            store=self.order.store,
            parent=parent,
            type=type,
            status=status,
            amount=amount,
            currency=self.order.currency,
            is_online=True,
            gateway_reference=""
            if status == TransactionStatus.UNKNOWN
            else f"psp-{self.rng.getrandbits(48):012x}",
            idempotency_key=f"demo:{self.order.number}:{payment.pk}:{type}:{count + 1}",
            actor=actor,
            actor_label=user_label(actor),
            source=TransactionSource.IMPORT,
            memo="Demo history (seed_demo).",
            invoice=invoice,
            credit_memo=credit_memo,
            created_at=at,  # set at the insert: the ledger never changes it
        )
        return txn

    def authorization(self, payment: Payment) -> Transaction:
        return payment.transactions.get(type__in=[T.AUTHORIZATION, T.DEBIT])

    def invoice_and_capture(
        self,
        *,
        items: list[OrderItem],
        with_shipping: bool,
        status: str = TransactionStatus.SUCCESS,
    ) -> tuple[Invoice, Transaction]:
        """Invoice whole item rows and capture them online from the first payment."""
        at, user = self.later(), self.staff.finance
        subtotal = sum(i.row_total for i in items)
        tax = sum(i.tax_amount for i in items)
        discount = sum(i.discount_amount for i in items)
        shipping = self.order.shipping_amount if with_shipping else 0
        paid = status == TransactionStatus.SUCCESS
        invoice = Invoice.objects.create(
            order=self.order,
            number=self.next_number(),
            state=InvoiceState.PAID if paid else InvoiceState.OPEN,
            capture_mode=CaptureMode.ONLINE,
            subtotal=subtotal,
            shipping_amount=shipping,
            tax_amount=tax,
            discount_amount=discount,
            grand_total=subtotal + shipping + tax - discount,
            created_by=user,
        )
        Invoice.objects.filter(pk=invoice.pk).update(created_at=at)
        InvoiceItem.objects.bulk_create(
            InvoiceItem(
                invoice=invoice,
                order_item=item,
                qty=item.qty_ordered,
                row_total=item.row_total,
                tax_amount=item.tax_amount,
                discount_amount=item.discount_amount,
            )
            for item in items
        )
        OrderItem.objects.filter(pk__in=[i.pk for i in items]).update(qty_invoiced=F("qty_ordered"))
        payment = self.payments[0]
        capture = self.transaction(
            payment=payment,
            type=T.CAPTURE,
            amount=invoice.grand_total,
            at=at,
            status=status,
            parent=self.authorization(payment),
            invoice=invoice,
            actor=user,
        )
        total = format_money(invoice.grand_total, self.order.currency)
        if paid:
            body = describe_transaction(capture, verb="Captured")
        else:
            body = (
                f"Capture of {total} online is pending: the gateway did not answer in time. "
                "The amount stays reserved until reconcile_payments learns the outcome."
            )
        comment_money(
            order=self.order,
            kind=CommentKind.CAPTURE,
            body=body,
            transaction=capture,
            invoice=invoice,
            author=user,
            source=CommentSource.GATEWAY,
            occurred_at=at,
        )
        comment_money(
            order=self.order,
            kind=CommentKind.INVOICE,
            body=f"Invoice #{invoice.number} for {total} created (Capture Online).",
            invoice=invoice,
            author=user,
            source=CommentSource.UI,
            occurred_at=at,
        )
        return invoice, capture

    def refund(
        self, *, invoice: Invoice, lines: list[tuple[OrderItem, int]], with_shipping: bool
    ) -> CreditMemo:
        """A credit memo for `lines` (item, qty) of `invoice`, refunded online."""
        at, user = self.later((0.2, 0.7)), self.staff.finance
        shares = [
            (
                item,
                qty,
                allocate(item.row_total, qty, item.qty_ordered),
                allocate(item.tax_amount, qty, item.qty_ordered),
                allocate(item.discount_amount, qty, item.qty_ordered),
            )
            for item, qty in lines
        ]
        subtotal = sum(s[2] for s in shares)
        tax = sum(s[3] for s in shares)
        discount = sum(s[4] for s in shares)
        shipping = invoice.shipping_amount if with_shipping else 0
        memo = CreditMemo.objects.create(
            order=self.order,
            invoice=invoice,
            number=self.next_number(),
            state=CreditMemoState.REFUNDED,
            mode=RefundMode.ONLINE,
            subtotal=subtotal,
            shipping_amount=shipping,
            tax_amount=tax,
            discount_amount=discount,
            grand_total=subtotal + shipping + tax - discount,
            created_by=user,
        )
        CreditMemo.objects.filter(pk=memo.pk).update(created_at=at)
        CreditMemoItem.objects.bulk_create(
            CreditMemoItem(
                credit_memo=memo,
                order_item=item,
                qty=qty,
                back_to_stock=True,
                row_total=row,
                tax_amount=tax_share,
                discount_amount=discount_share,
            )
            for item, qty, row, tax_share, discount_share in shares
        )
        for item, qty in lines:
            OrderItem.objects.filter(pk=item.pk).update(qty_refunded=F("qty_refunded") + qty)
        captured = invoice.transactions.filter(
            type__in=[T.CAPTURE, T.DEBIT], status=TransactionStatus.SUCCESS
        ).first()
        assert captured is not None  # a story refunds only invoices it captured
        refund = self.transaction(
            payment=captured.payment,
            type=T.REFUND,
            amount=memo.grand_total,
            at=at,
            parent=captured,
            invoice=invoice,
            credit_memo=memo,
            actor=user,
        )
        comment_money(
            order=self.order,
            kind=CommentKind.REFUND,
            body=describe_transaction(refund, verb="Refunded"),
            transaction=refund,
            credit_memo=memo,
            author=user,
            source=CommentSource.GATEWAY,
            occurred_at=at,
        )
        comment_money(
            order=self.order,
            kind=CommentKind.CREDIT_MEMO,
            body=f"Credit memo #{memo.number} for "
            f"{format_money(memo.grand_total, self.order.currency)} created (Refund).",
            credit_memo=memo,
            author=user,
            source=CommentSource.UI,
            occurred_at=at,
        )
        return memo

    def void_and_cancel(self) -> None:
        at, user = self.later(), self.staff.manager
        for payment in self.payments:
            open_amount = payment.amount_authorized - payment.amount_captured
            if open_amount <= 0:
                continue
            void = self.transaction(
                payment=payment,
                type=T.REVERSAL,
                amount=open_amount,
                at=at,
                parent=self.authorization(payment),
                actor=user,
            )
            comment_money(
                order=self.order,
                kind=CommentKind.VOID,
                body=describe_transaction(void, verb="Voided"),
                transaction=void,
                author=user,
                source=CommentSource.GATEWAY,
                occurred_at=at,
            )
        self.order.items.update(qty_canceled=F("qty_ordered") - F("qty_invoiced"))
        self.set_state(
            OrderState.CANCELED, "Order canceled: the customer changed their mind.", user, at
        )

    def chargeback(self, *, capture: Transaction) -> None:
        at = self.later((0.3, 0.8))
        chargeback = self.transaction(
            payment=capture.payment,
            type=T.CHARGEBACK,
            amount=capture.amount,
            at=at,
            parent=capture,
            invoice=capture.invoice,
        )
        comment_money(
            order=self.order,
            kind=CommentKind.CHARGEBACK,
            body=f"Chargeback of {format_money(chargeback.amount, self.order.currency)} "
            f"received. Gateway reference: {chargeback.gateway_reference}. "
            "Reason: card holder dispute (fraud).",
            transaction=chargeback,
            source=CommentSource.GATEWAY,
            occurred_at=at,
        )

    def set_state(self, state: str, body: str, user: User | None, at: datetime) -> None:
        before = self.order.state
        fields = {"state": state, "version": F("version") + 1}
        if state == OrderState.HOLDED:
            fields["state_before_hold"] = before
        Order.objects.filter(pk=self.order.pk).update(**fields)
        self.order.state = state
        comment_status(
            order=self.order,
            body=body,
            author=user,
            source=CommentSource.UI if user else CommentSource.SYSTEM,
            occurred_at=at,
        )

    def recompute(self) -> None:
        order_payments_recompute(order=self.order)
        for payment in self.payments:
            payment.refresh_from_db()


def demo_story_apply(
    *, order: Order, scenario: Scenario, staff: Staff, now: datetime, rng: random.Random
) -> None:
    """Play `scenario` on a freshly imported demo order."""
    with transaction.atomic():
        story = _Story(order=order, staff=staff, now=now, rng=rng)
        story.documents = order.invoices.count()
        _play(story, scenario)
        story.recompute()
        if scenario not in {S.ON_HOLD, S.PENDING_PAYMENT} and rng.random() < 0.12:
            at = story.later((0.05, 0.3))
            comment_note(
                order=order,
                author=rng.choice([staff.support, staff.finance]),
                body=rng.choice(STAFF_NOTES),
                occurred_at=at,
            )


def _play(story: _Story, scenario: Scenario) -> None:
    items, order = story.items, story.order
    if scenario == S.PARTIALLY_CAPTURED and len(items) > 1:
        story.invoice_and_capture(items=items[:1], with_shipping=True)
    elif scenario == S.PARTIALLY_CAPTURED:
        # A single row can't be split into whole rows: capture it and leave shipping open.
        story.invoice_and_capture(items=items, with_shipping=False)
    elif scenario in {S.CAPTURED, S.PARTIALLY_REFUNDED, S.REFUNDED, S.CHARGED_BACK}:
        invoice, capture = story.invoice_and_capture(items=items, with_shipping=True)
        story.recompute()
        if scenario == S.PARTIALLY_REFUNDED:
            story.refund(invoice=invoice, lines=[(items[0], 1)], with_shipping=False)
        elif scenario == S.REFUNDED:
            _refund_everything(story, invoice)
        elif scenario == S.CHARGED_BACK:
            story.chargeback(capture=capture)
    elif scenario == S.PAID_AT_CHECKOUT_PARTIALLY_REFUNDED:
        story.refund(invoice=order.invoices.get(), lines=[(items[-1], 1)], with_shipping=False)
    elif scenario == S.PAID_AT_CHECKOUT_REFUNDED:
        _refund_everything(story, order.invoices.get())
    elif scenario == S.VOIDED:
        story.void_and_cancel()
    elif scenario == S.PAYMENT_REVIEW:
        story.invoice_and_capture(items=items, with_shipping=True, status=TransactionStatus.UNKNOWN)
        story.set_state(
            OrderState.PAYMENT_REVIEW,
            "Payment review: the outcome of a capture is unknown.",
            None,
            story.clock,
        )
    elif scenario == S.ON_HOLD:
        story.set_state(
            OrderState.HOLDED, story.rng.choice(HOLD_REASONS), story.staff.support, story.later()
        )


def _refund_everything(story: _Story, invoice: Invoice) -> None:
    lines = [(item, item.qty_ordered) for item in story.items]
    story.refund(invoice=invoice, lines=lines, with_shipping=True)
    story.set_state(OrderState.CLOSED, "Order closed: everything was refunded.", None, story.clock)

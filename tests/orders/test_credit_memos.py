"""Credit memos through the service: partial refunds, limits, spreads, declines, timeouts."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from backoffice.availability import OperationUnavailable
from backoffice.errors import DomainError, ErrorCode
from orders.enums import CommentKind, CreditMemoState, OrderState, RefundMode
from orders.models import CreditMemo, Invoice, OrderComment, OrderItem
from orders.operations import InvoiceOperation, invoice_operation_availability
from orders.services.credit_memo_create import goodwill_refund
from orders.services.order_documents import DocumentError, StaleOrder
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, SandboxOperation, Transaction
from tests.orders.credit_memo_helpers import create_memo, paid_invoice, refunder
from tests.orders.invoice_helpers import fresh, key

pytestmark = pytest.mark.django_db
T = TransactionType


def refunds(**filters) -> list[tuple[int, str, bool]]:
    rows = Transaction.objects.filter(type=T.REFUND, **filters).order_by("pk")
    return [(r.amount, r.status, r.is_online) for r in rows]


def sandbox_refunded() -> int:
    ops = SandboxOperation.objects.filter(kind="refund", status="success")
    return sum(op.amount for op in ops)


def history(order) -> list[str]:
    return list(fresh(order).comments.order_by("pk").values_list("body", flat=True))


def reconcile(*args: str) -> str:
    out = StringIO()
    call_command("reconcile_payments", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_partial_online_refunds_until_the_invoice_is_exhausted():
    user = refunder()
    order, item, invoice, _ = paid_invoice()

    first = create_memo(order, invoice, user, quantities={item.pk: 1})

    memo = first.memo
    assert (memo.state, memo.mode, memo.grand_total) == ("refunded", "online", 5600)
    assert first.message() == (
        f"Credit memo #{memo.number}: refunded $56.00 online to Visa ····4242."
    )
    assert OrderItem.objects.get(pk=item.pk).qty_refunded == 1
    assert Invoice.objects.get(pk=invoice.pk).amount_refunded == 5600
    assert refunds(credit_memo=memo) == [(5600, "success", True)]
    assert sandbox_refunded() == 5600
    assert fresh(order).state == OrderState.COMPLETE  # fully invoiced and paid

    second = create_memo(order, invoice, user, quantities={item.pk: 1}, shipping_amount=1000)

    assert (second.memo.state, second.memo.grand_total) == ("refunded", 6600)
    assert OrderItem.objects.get(pk=item.pk).qty_refunded == 2
    assert Invoice.objects.get(pk=invoice.pk).amount_refunded == 12200
    assert sandbox_refunded() == 12200
    order = fresh(order)
    assert order.state == OrderState.CLOSED  # everything paid went back
    assert order.payment_status == "refunded"
    answer = invoice_operation_availability(
        user=user,
        invoice=Invoice.objects.get(pk=invoice.pk),
        operation=InvoiceOperation.CREDIT_MEMO,
    )
    assert not answer.allowed
    with pytest.raises(OperationUnavailable):
        create_memo(order, invoice, user, adjustment_refund=100)
    assert CreditMemo.objects.count() == 2


def test_over_refund_is_refused_with_the_figures_and_writes_nothing():
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    version = fresh(order).version

    with pytest.raises(DocumentError) as refused:
        create_memo(
            order, invoice, user, quantities={item.pk: 2}, shipping_amount=1000, adjustment_refund=1
        )

    assert refused.value.code == ErrorCode.AMOUNT_EXCEEDS
    assert refused.value.message == (
        "Refund is limited to $122.00: captured $122.00, already refunded $0.00, pending $0.00."
    )
    assert not CreditMemo.objects.exists()
    assert refunds() == []
    assert fresh(order).version == version


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"quantities": "three"}, "qty", "Only 2 left to refund."),
        ({"shipping_amount": 1001}, "shipping_amount", "At most $10.00 of shipping is left"),
        ({"adjustment_fee": -1}, "adjustment_fee", "The amount cannot be negative."),
        ({"adjustment_fee": 5600}, None, "The credit memo total must be more than zero."),
    ],
)
def test_bad_input_is_refused_next_to_its_field(kwargs, field, message):
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    if kwargs.get("quantities") == "three":
        kwargs = {"quantities": {item.pk: 3}}
        field = f"qty_{item.pk}"
    kwargs.setdefault("quantities", {item.pk: 1})

    with pytest.raises(DocumentError) as refused:
        create_memo(order, invoice, user, **kwargs)

    assert refused.value.field == field
    assert refused.value.message.startswith(message)
    assert not CreditMemo.objects.exists()


def test_a_refund_spreads_over_the_invoice_captures_oldest_first():
    user = refunder()
    # X-Payments: invoice of 66.00 captured as 61.00 + 5.00 from two authorizations.
    order, item, invoice, (auth1, auth2) = paid_invoice(invoice_qty=1, auths=(6100, 6100))
    captures = list(invoice.transactions.filter(type=T.CAPTURE).order_by("pk"))
    assert [c.amount for c in captures] == [6100, 500]

    outcome = create_memo(order, invoice, user, quantities={item.pk: 1}, shipping_amount=1000)

    assert outcome.memo.state == CreditMemoState.REFUNDED
    rows = Transaction.objects.filter(type=T.REFUND).order_by("pk")
    assert [(r.amount, r.parent_id, r.payment_id, r.invoice_id) for r in rows] == [
        (6100, captures[0].pk, auth1.pk, invoice.pk),
        (500, captures[1].pk, auth2.pk, invoice.pk),
    ]
    assert {r.credit_memo_id for r in rows} == {outcome.memo.pk}
    assert (
        "refunded $66.00 online: $61.00 to Visa ····4242 and $5.00 to Visa ····1111"
        in outcome.message()
    )


def test_a_declined_online_refund_leaves_the_memo_failed_and_nothing_refunded():
    user = refunder()
    order, item, invoice, _ = paid_invoice()

    # The sandbox declines amounts ending in 51.
    outcome = create_memo(order, invoice, user, quantities={item.pk: 1}, adjustment_refund=51)

    memo = outcome.memo
    assert memo.state == CreditMemoState.FAILED
    assert refunds() == [(5651, "failed", True)]
    assert sandbox_refunded() == 0
    assert Invoice.objects.get(pk=invoice.pk).amount_refunded == 0
    assert OrderItem.objects.get(pk=item.pk).qty_refunded == 0  # the items can be refunded again
    assert Payment.objects.get().amount_refunded == 0
    assert outcome.message().startswith(
        f"Credit memo #{memo.number} failed. The refund of $56.51 to Visa ····4242 failed: "
        "the gateway declined it ("
    )
    last = fresh(order).comments.filter(kind=CommentKind.CREDIT_MEMO).order_by("pk").last()
    assert "declined" in last.body and "Nothing was refunded" in last.body
    # The whole amount is still refundable.
    again = create_memo(order, invoice, user, quantities={item.pk: 2})
    assert again.memo.state == CreditMemoState.REFUNDED


def test_a_refund_timing_out_keeps_the_memo_pending_until_reconciliation(settings):
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    settings.SANDBOX_FORCED_FAULT = "refund:timeout_after"

    outcome = create_memo(order, invoice, user, quantities={item.pk: 1})

    memo = outcome.memo
    assert memo.state == CreditMemoState.PENDING
    assert "is pending ($56.00)" in outcome.message()
    assert fresh(order).state == OrderState.PAYMENT_REVIEW
    assert OrderItem.objects.get(pk=item.pk).qty_refunded == 1  # reserved while unknown
    assert refunds() == [(5600, "unknown", True)]
    # While unknown, its amount stays reserved: nothing more may be refunded (payment review).
    with pytest.raises(OperationUnavailable):
        create_memo(order, invoice, user, quantities={item.pk: 1})

    settings.SANDBOX_FORCED_FAULT = None
    assert "unknown → success" in reconcile()

    memo.refresh_from_db()
    assert memo.state == CreditMemoState.REFUNDED
    assert fresh(order).state == OrderState.COMPLETE  # fully invoiced and paid
    assert Invoice.objects.get(pk=invoice.pk).amount_refunded == 5600
    assert any(
        body == f"Reconciliation: credit memo #{memo.number} is refunded ($56.00)."
        for body in history(order)
    )


def test_a_refund_never_applied_is_resolved_as_failed_by_reconciliation(settings):
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    settings.SANDBOX_FORCED_FAULT = "refund:timeout_before"
    memo = create_memo(order, invoice, user, quantities={item.pk: 1}).memo
    assert memo.state == CreditMemoState.PENDING

    settings.SANDBOX_FORCED_FAULT = None
    assert "unknown → failed" in reconcile("--grace-seconds", "0")

    memo.refresh_from_db()
    assert memo.state == CreditMemoState.FAILED
    assert OrderItem.objects.get(pk=item.pk).qty_refunded == 0
    assert sandbox_refunded() == 0
    assert any(
        "Reconciliation: credit memo" in body and "failed" in body for body in history(order)
    )


def test_a_double_submit_creates_one_memo_and_one_refund():
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    same = key()
    version = fresh(order).version

    first = create_memo(order, invoice, user, quantities={item.pk: 1}, idempotency_key=same)
    second = create_memo(
        order, invoice, user, quantities={item.pk: 1}, idempotency_key=same, version=version
    )

    assert second.repeated and second.memo.pk == first.memo.pk
    assert "already submitted" in second.message()
    assert CreditMemo.objects.count() == 1
    assert refunds() == [(5600, "success", True)]
    assert sandbox_refunded() == 5600


def test_a_stale_form_is_refused_and_writes_nothing():
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    version = fresh(order).version
    create_memo(order, invoice, user, quantities={item.pk: 1})

    with pytest.raises(StaleOrder):
        create_memo(order, invoice, user, quantities={item.pk: 1}, version=version)
    assert CreditMemo.objects.count() == 1


def test_refund_offline_records_the_refund_outside_the_gateway_with_return_to_stock():
    user = refunder()
    order, item, invoice, _ = paid_invoice()

    outcome = create_memo(
        order,
        invoice,
        user,
        mode=RefundMode.OFFLINE,
        quantities={item.pk: 1},
        back_to_stock={item.pk},
        adjustment_fee=600,
        comment="Box damaged",
    )

    memo = outcome.memo
    assert (memo.state, memo.mode, memo.grand_total, memo.adjustment_fee) == (
        "refunded",
        "offline",
        5000,
        600,
    )
    assert memo.items.get().back_to_stock
    assert refunds() == [(5000, "success", False)]
    assert sandbox_refunded() == 0
    assert outcome.message() == f"Credit memo #{memo.number}: $50.00 recorded as refunded offline."
    bodies = history(order)
    assert any("Returned to stock: SP1" in body for body in bodies)
    assert "Box damaged" in bodies


def test_permission_for_the_mode_is_required():
    user = refunder("offline-only", ["view_orders", "refund_offline"])
    order, item, invoice, _ = paid_invoice()

    with pytest.raises(DomainError) as refused:
        create_memo(order, invoice, user, quantities={item.pk: 1})
    assert refused.value.code == ErrorCode.PERMISSION_DENIED
    assert not CreditMemo.objects.exists()


def test_goodwill_refund_is_a_memo_with_an_adjustment_only():
    user = refunder()
    order, _item, _invoice, _ = paid_invoice()

    outcome = goodwill_refund(
        order=order,
        user=user,
        amount=1500,
        note="Late delivery",
        mode=RefundMode.ONLINE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    )

    memo = outcome.memo
    assert (memo.state, memo.invoice, memo.adjustment_refund, memo.grand_total) == (
        "refunded",
        None,
        1500,
        1500,
    )
    assert not memo.items.exists()
    assert memo.comment == "Late delivery"
    txn = Transaction.objects.get(type=T.REFUND)
    assert (txn.amount, txn.is_online, txn.credit_memo_id) == (1500, True, memo.pk)
    assert "Late delivery" in txn.memo
    assert any(f"Credit memo #{memo.number} (goodwill refund) created" in b for b in history(order))


def test_goodwill_refund_is_bounded_by_what_is_refundable():
    user = refunder()
    order, _item, _invoice, _ = paid_invoice()

    with pytest.raises(DocumentError) as refused:
        goodwill_refund(
            order=order,
            user=user,
            amount=12201,
            note="",
            mode=RefundMode.OFFLINE,
            expected_version=fresh(order).version,
            idempotency_key=key(),
        )
    assert refused.value.message.startswith("Refund is limited to $122.00: captured $122.00")


def test_order_level_refund_offline_refunds_items_over_the_order_payments():
    user = refunder()
    order, item, _invoice, _ = paid_invoice()

    outcome = create_memo(
        order, None, user, mode=RefundMode.OFFLINE, quantities={item.pk: 2}, shipping_amount=1000
    )

    memo = outcome.memo
    assert (memo.state, memo.invoice, memo.grand_total) == ("refunded", None, 12200)
    assert refunds() == [(12200, "success", False)]
    assert OrderItem.objects.get(pk=item.pk).qty_refunded == 2
    assert fresh(order).state == OrderState.CLOSED


def test_the_email_copy_is_sent_after_the_refund_with_the_appended_comment(
    django_capture_on_commit_callbacks,
):
    user = refunder()
    order, item, invoice, _ = paid_invoice()

    with django_capture_on_commit_callbacks(execute=True):
        create_memo(
            order,
            invoice,
            user,
            quantities={item.pk: 1},
            comment="Sorry about the scratch.",
            append_comment=True,
            email_copy=True,
        )

    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [order.customer_email]
    assert "We have refunded $56.00" in email.body
    assert "Sorry about the scratch." in email.body
    notified = OrderComment.objects.filter(is_customer_notified=True)
    assert notified.count() == 2  # the appended comment and the refund line


def test_no_email_when_the_refund_failed(django_capture_on_commit_callbacks):
    user = refunder()
    order, item, invoice, _ = paid_invoice()

    with django_capture_on_commit_callbacks(execute=True):
        create_memo(
            order, invoice, user, quantities={item.pk: 1}, adjustment_refund=51, email_copy=True
        )

    assert mail.outbox == []


def test_refund_transactions_link_memo_invoice_and_capture():
    user = refunder()
    order, item, invoice, _ = paid_invoice()

    memo = create_memo(order, invoice, user, quantities={item.pk: 1}).memo

    refund = Transaction.objects.get(type=T.REFUND)
    capture = Transaction.objects.get(type=T.CAPTURE)
    assert (refund.credit_memo_id, refund.invoice_id, refund.parent_id) == (
        memo.pk,
        invoice.pk,
        capture.pk,
    )
    assert refund.status == TransactionStatus.SUCCESS
    assert refund.idempotency_key == f"{memo.idempotency_key}:{capture.pk}"


def test_money_refunded_by_a_memo_is_not_outstanding_again():
    from orders.operations import OrderOperation, order_operation_availability
    from orders.selectors import order_money_summary

    user = refunder()
    order, item, invoice, _ = paid_invoice()

    create_memo(order, invoice, user, quantities={item.pk: 1})

    order = fresh(order)
    summary = order_money_summary(order=order)
    assert (summary.credited, summary.net_paid, summary.outstanding) == (5600, 6600, 0)
    mark_as_paid = order_operation_availability(
        user=user, order=order, operation=OrderOperation.MARK_AS_PAID
    )
    assert not mark_as_paid.allowed  # nothing to collect: the memo lowered what is owed


def test_a_failed_memo_credits_nothing():
    from orders.selectors import order_money_summary

    user = refunder()
    order, item, invoice, _ = paid_invoice()

    create_memo(order, invoice, user, quantities={item.pk: 1}, adjustment_refund=51)

    summary = order_money_summary(order=fresh(order))
    assert (summary.credited, summary.outstanding) == (0, 0)


def test_a_spread_declined_part_way_leaves_the_memo_partially_refunded_and_says_what_to_do():
    user = refunder()
    # Invoice of 66.00 captured as 61.00 + 5.00; a memo of 61.51 takes 61.00 from the first
    # capture and 0.51 from the second, which the sandbox declines (amounts ending in 51).
    order, item, invoice, _ = paid_invoice(invoice_qty=1, auths=(6100, 6100))

    outcome = create_memo(order, invoice, user, quantities={item.pk: 1}, shipping_amount=551)

    memo = outcome.memo
    assert memo.state == CreditMemoState.PARTIALLY_REFUNDED
    assert refunds() == [(6100, "success", True), (51, "failed", True)]
    assert sandbox_refunded() == 6100
    assert OrderItem.objects.get(pk=item.pk).qty_refunded == 1  # the memo stands
    message = outcome.message()
    assert message.startswith(
        f"Credit memo #{memo.number}: refunded $61.00 online to Visa ····4242, $61.00 of $61.51."
    )
    assert "The refund of $0.51 to Visa ····1111 failed: the gateway declined it" in message
    assert message.endswith("Refund the rest with Refund Offline or a new credit memo.")
    last = fresh(order).comments.filter(kind=CommentKind.CREDIT_MEMO).order_by("pk").last()
    assert "Refunds: $61.00 to Visa ····4242: refunded (transaction" in last.body
    # What was not refunded is still refundable (offline here).
    rest = create_memo(order, invoice, user, mode=RefundMode.OFFLINE, adjustment_refund=51)
    assert rest.memo.state == CreditMemoState.REFUNDED

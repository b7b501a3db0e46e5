"""Adjustments as merchants rely on them (Magento): an Adjustment Fee kept is never refunded
later, and money an earlier Adjustment Refund gave back is never proposed again."""

import pytest
from django.urls import reverse

from backoffice.availability import OperationUnavailable
from orders.credit_memo_selectors import source_for
from orders.credit_memo_totals import memo_totals
from orders.enums import CreditMemoState, RefundMode
from orders.models import CreditMemo, Invoice, Order
from orders.operations import (
    InvoiceOperation,
    OrderOperation,
    invoice_operation_availability,
    order_operation_availability,
)
from orders.services.credit_memo_create import goodwill_refund
from payments.enums import TransactionType
from payments.models import Transaction
from tests.orders.credit_memo_helpers import create_memo, paid_invoice, refunder
from tests.orders.invoice_helpers import fresh, key

pytestmark = pytest.mark.django_db


def refunded_total(order: Order) -> int:
    rows = Transaction.objects.filter(order=order, type=TransactionType.REFUND, status="success")
    return sum(rows.values_list("amount", flat=True))


def credit_memo_answers(user, order: Order, invoice: Invoice):
    order = fresh(order)
    invoice = Invoice.objects.get(pk=invoice.pk)
    invoice.order = order
    return [
        invoice_operation_availability(
            user=user, invoice=invoice, operation=InvoiceOperation.CREDIT_MEMO
        ),
        order_operation_availability(user=user, order=order, operation=OrderOperation.CREDIT_MEMO),
        order_operation_availability(user=user, order=order, operation=OrderOperation.REFUND),
    ]


def proposal(order: Order, invoice: Invoice | None):
    """What the New Credit Memo page proposes: every unit and all the shipping left."""
    source = source_for(fresh(order), invoice)
    return memo_totals(
        source,
        quantities={i.order_item.pk: i.qty_left for i in source.items if i.qty_left},
        shipping_amount=source.shipping_left,
    )


# ---- an Adjustment Fee kept is the merchant's -------------------------------------------------


def test_once_only_the_fee_kept_is_left_no_credit_memo_is_offered():
    user = refunder()
    order, item, invoice, _ = paid_invoice()  # 2 × 56.00 + 10.00 shipping, captured 122.00

    kept = create_memo(
        order, invoice, user, quantities={item.pk: 2}, shipping_amount=1000, adjustment_fee=500
    ).memo

    assert (kept.state, kept.grand_total) == (CreditMemoState.REFUNDED, 11700)
    for answer in credit_memo_answers(user, order, invoice):
        assert not answer.allowed
        assert "$5.00 left of this" in answer.reason
        assert "is the Adjustment Fee kept by its credit memos" in answer.reason
        assert "Adjustment Fee kept $5.00" in answer.reason  # the figures
        assert "it is not refunded later" in answer.reason
    with pytest.raises(OperationUnavailable):
        create_memo(order, invoice, user, adjustment_refund=500)
    with pytest.raises(OperationUnavailable):
        goodwill_refund(
            order=fresh(order),
            user=user,
            amount=500,
            note="",
            mode=RefundMode.ONLINE,
            expected_version=fresh(order).version,
            idempotency_key=key(),
        )
    assert CreditMemo.objects.count() == 1 and refunded_total(order) == 11700


def test_a_fee_kept_on_part_of_the_items_is_not_refundable_with_the_rest():
    user = refunder()
    order, item, invoice, _ = paid_invoice()

    create_memo(order, invoice, user, quantities={item.pk: 1}, adjustment_fee=500)  # 51.00

    source = source_for(fresh(order), Invoice.objects.get(pk=invoice.pk))
    assert source.limit.available == 6600  # 122.00 − 51.00 − the 5.00 kept
    assert "Adjustment Fee kept $5.00" in source.limit.figures
    assert proposal(order, invoice).grand_total == 6600  # the last unit and the shipping
    rest = create_memo(order, invoice, user, quantities={item.pk: 1}, shipping_amount=1000)
    assert rest.memo.grand_total == 6600
    assert refunded_total(order) == 11700  # everything but the fee
    assert not any(credit_memo_answers(user, order, invoice))


# ---- an earlier Adjustment Refund is not given twice -----------------------------------------


def goodwill(order: Order, user, amount: int) -> CreditMemo:
    return goodwill_refund(
        order=fresh(order),
        user=user,
        amount=amount,
        note="Late delivery.",
        mode=RefundMode.ONLINE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    ).memo


def test_the_proposed_memo_leaves_out_what_an_earlier_adjustment_refund_gave_back(client):
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    goodwill(order, user, 2000)

    proposed = proposal(order, invoice)

    # Before: 122.00 proposed, refused as over the 102.00 left.
    assert (proposed.goods, proposed.earlier_adjustment, proposed.grand_total) == (
        12200,
        2000,
        10200,
    )
    client.force_login(user)
    page = client.get(
        reverse(
            "orders:credit_memo_new",
            kwargs={"number": order.number, "invoice_number": invoice.number},
        )
    )
    assert page.context["form"].totals.grand_total == 10200
    assert page.context["form"].total_problem == ""
    html = page.content.decode()
    assert "Earlier Adjustment Refund" in html and "−$20.00" in html

    memo = create_memo(order, invoice, user, quantities={item.pk: 2}, shipping_amount=1000).memo

    assert (memo.state, memo.grand_total, memo.earlier_adjustment) == ("refunded", 10200, 2000)
    created = fresh(order).comments.filter(credit_memo=memo).order_by("pk").first()
    assert "less $20.00 already given back by an earlier adjustment refund" in created.body
    assert refunded_total(order) == 12200  # all of it back, never more
    assert fresh(order).payment_status == "refunded"


def test_items_coming_back_one_by_one_keep_the_goodwill_until_the_last():
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    goodwill(order, user, 2000)

    first = create_memo(order, invoice, user, quantities={item.pk: 1}).memo
    assert (first.grand_total, first.earlier_adjustment) == (5600, 0)  # 102.00 was left

    last = proposal(order, invoice)
    assert (last.goods, last.earlier_adjustment, last.grand_total) == (6600, 2000, 4600)
    second = create_memo(order, invoice, user, quantities={item.pk: 1}, shipping_amount=1000)
    assert (second.memo.grand_total, second.memo.earlier_adjustment) == (4600, 2000)
    assert refunded_total(order) == 12200


def test_an_earlier_adjustment_is_taken_off_once():
    user = refunder()
    order, item, invoice, _ = paid_invoice()
    goodwill(order, user, 2000)
    create_memo(order, invoice, user, quantities={item.pk: 2}, shipping_amount=1000)

    source = source_for(fresh(order), None)
    assert source.adjustments_given == 0  # the last memo took it off
    assert source.limit.available == 0

"""Reason codes on the order's refund paths: New Credit Memo's Refund and Refund Offline, the
order's Refund Offline, the goodwill Refund, and refunds a four-eyes approval runs."""

import pytest
from django.urls import reverse

from orders.enums import CreditMemoState
from orders.models import ApprovalRequest, CreditMemo, Order, OrderComment
from payments.enums import TransactionType
from payments.models import ReasonCode, Transaction
from tests.backoffice.roles_helpers import (
    approve_url,
    capture_of,
    captured,
    eu_store,
    refund_on_transaction_page,
    role_user,
)
from tests.factories import StoreFactory, reason_pk
from tests.orders.credit_memo_helpers import paid_invoice, refunder
from tests.orders.invoice_helpers import fresh, key

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
T = TransactionType


def url(name: str, order: Order, invoice=None) -> str:
    kwargs = {"number": order.number}
    if invoice is not None:
        kwargs["invoice_number"] = invoice.number
    return reverse(f"orders:{name}", kwargs=kwargs)


def memo_form(order: Order, item, qty: int = 1, **extra) -> dict:
    return {
        "version": fresh(order).version,
        "idempotency_key": key(),
        f"qty_{item.pk}": qty,
        "shipping_amount": "0.00",
        "adjustment_refund": "",
        "adjustment_fee": "",
        "comment": "",
        **extra,
    }


def goodwill_form(order: Order, amount: str, **extra) -> dict:
    return {
        "version": fresh(order).version,
        "idempotency_key": key(),
        "amount": amount,
        "note": "Late delivery",
        **extra,
    }


def reasons_of(order: Order) -> list[tuple[int, str | None]]:
    return [
        (t.amount, t.reason.code if t.reason else None)
        for t in Transaction.objects.filter(order=order, type=T.REFUND).order_by("id")
    ]


def history(order: Order) -> list[str]:
    return list(
        OrderComment.objects.filter(order=order).order_by("id").values_list("body", flat=True)
    )


@pytest.fixture
def user(client):
    user = refunder()
    client.force_login(user)
    return user


# New Credit Memo ---------------------------------------------------------------------------


def test_a_credit_memo_refund_puts_the_reason_on_each_of_its_refunds(client, user):
    # The X-Payments case: the invoice was captured over two authorizations, so the memo
    # refunds over both captures, one refund row each.
    order, item, invoice, _ = paid_invoice(auths=(6100, 6100))
    data = memo_form(order, item, 2, shipping_amount="10.00")
    data["reason"] = reason_pk(order.store_id, "damaged")

    response = client.post(url("credit_memo_refund", order, invoice), data)

    assert response.status_code == 302
    assert [code for _amount, code in reasons_of(order)] == ["damaged", "damaged"]
    memo = CreditMemo.objects.get(order=order)
    assert memo.state == CreditMemoState.REFUNDED
    created = next(b for b in history(order) if b.startswith(f"Credit memo #{memo.number} "))
    assert created.endswith(" Reason: Damaged.")
    refunded = [b for b in history(order) if b.startswith("Refunded amount of")]
    assert len(refunded) == 2 and all(b.endswith(" Reason: Damaged.") for b in refunded)
    page = client.get(response["Location"]).content.decode()
    assert '<dd data-testid="memo-reason">Damaged</dd>' in page


@pytest.mark.parametrize("where", ["invoice", "order"])
def test_refund_offline_of_a_memo_records_its_reason(client, user, where):
    order, item, invoice, _ = paid_invoice()
    name = (
        "credit_memo_refund_offline" if where == "invoice" else "order_credit_memo_refund_offline"
    )
    data = memo_form(order, item, reason=reason_pk(order.store_id, "not_as_described"))

    response = client.post(url(name, order, invoice if where == "invoice" else None), data)

    assert response.status_code == 302
    assert reasons_of(order) == [(5600, "not_as_described")]


def test_the_new_credit_memo_page_asks_the_reason(client, user):
    order, _item, invoice, _ = paid_invoice()

    page = client.get(url("credit_memo_new", order, invoice)).content.decode()

    assert '<label for="id_reason">Reason</label>' in page
    assert '<option value="" selected>Choose a reason…</option>' in page


def test_a_credit_memo_without_a_reason_is_refused_next_to_the_field(client, user):
    order, item, invoice, _ = paid_invoice()

    response = client.post(url("credit_memo_refund", order, invoice), memo_form(order, item))

    assert response.status_code == 422
    assert response.context["form"].errors["reason"] == ["Choose a reason for this refund."]
    assert 'id="id_reason_error"' in response.content.decode()
    assert not CreditMemo.objects.exists()
    assert reasons_of(order) == []


def test_update_totals_does_not_ask_the_reason_yet(client, user):
    order, item, invoice, _ = paid_invoice()

    response = client.post(url("credit_memo_totals", order, invoice), memo_form(order, item))

    assert "Choose a reason for this refund." not in response.content.decode()
    assert 'id="id_reason_error"' not in response.content.decode()


def test_a_credit_memo_with_another_stores_reason_is_refused(client, user):
    order, item, invoice, _ = paid_invoice()
    foreign = reason_pk(StoreFactory(code="eu", currency="EUR"), "damaged")

    response = client.post(
        url("credit_memo_refund", order, invoice), memo_form(order, item, reason=foreign)
    )

    assert response.status_code == 422
    assert response.context["form"].errors["reason"]
    assert not CreditMemo.objects.exists()


# The goodwill Refund -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "online"), [("refund", True), ("refund_offline", False)])
def test_a_goodwill_refund_records_its_reason(client, user, name, online):
    order, _item, _invoice, _ = paid_invoice()
    data = goodwill_form(order, "15.00", reason=reason_pk(order.store_id, "goodwill"))

    response = client.post(url(name, order), data, headers=HX)

    assert response.status_code == 200
    refund = Transaction.objects.get(order=order, type=T.REFUND)
    assert (refund.reason.label, refund.is_online) == ("Goodwill", online)
    assert OrderComment.objects.get(transaction=refund).body.endswith(" Reason: Goodwill.")


def test_the_goodwill_dialog_asks_the_reason_after_the_amount(client, user):
    order, _item, _invoice, _ = paid_invoice()

    page = client.get(url("refund", order), headers=HX).content.decode()

    assert page.index('name="amount"') < page.index('name="reason"') < page.index('name="note"')
    assert '<label for="goodwill-reason">Reason</label>' in page


@pytest.mark.parametrize("case", ["missing", "inactive"])
def test_a_goodwill_refund_without_a_usable_reason_is_refused(client, user, case):
    order, _item, _invoice, _ = paid_invoice()
    data = goodwill_form(order, "15.00")
    if case == "inactive":
        data["reason"] = reason_pk(order.store_id, "goodwill")
        ReasonCode.objects.filter(pk=data["reason"]).update(is_active=False)

    response = client.post(url("refund_offline", order), data, headers=HX)

    assert response.status_code == 422
    assert response.context["form"].errors["reason"] == [
        "Choose a reason for this refund."
        if case == "missing"
        else "This reason can't be used here: choose one of the store's reasons from the list."
    ]
    assert not CreditMemo.objects.exists()


# Four-eyes: the requester's reason is the one recorded when approved -----------------------


def test_an_approved_transaction_refund_keeps_the_requesters_reason(client):
    store = eu_store(threshold=50000)
    capture = capture_of(captured(100000, store=store))
    finance, manager = role_user("finance"), role_user("manager")
    client.force_login(finance)
    refund_on_transaction_page(client, capture, "600.00", reason=reason_pk(store, "damaged"))
    approval = ApprovalRequest.objects.get()
    assert not Transaction.objects.filter(parent=capture, type=T.REFUND).exists()

    client.force_login(manager)
    client.post(approve_url(approval), headers=HX)

    refund = Transaction.objects.get(parent=capture, type=T.REFUND)
    assert (refund.amount, refund.actor, refund.reason.code) == (60000, finance, "damaged")
    assert OrderComment.objects.get(transaction=refund).body.endswith(" Reason: Damaged.")


def test_an_approved_goodwill_refund_keeps_the_requesters_reason(client):
    store = eu_store(threshold=50000)
    order = capture_of(captured(100000, store=store)).order
    finance, manager = role_user("finance"), role_user("manager")
    client.force_login(finance)
    data = goodwill_form(order, "600.00", reason=reason_pk(store, "goodwill"))
    client.post(url("refund", order), data, headers=HX)
    memo = CreditMemo.objects.get(order=order)
    assert memo.state == CreditMemoState.AWAITING_APPROVAL
    memo_page = reverse(
        "orders:credit_memo_detail", kwargs={"number": order.number, "memo_number": memo.number}
    )
    waiting = client.get(memo_page).content.decode()

    client.force_login(manager)
    client.post(approve_url(ApprovalRequest.objects.get()), headers=HX)

    assert '<dd data-testid="memo-reason">Goodwill</dd>' in waiting
    assert reasons_of(order) == [(60000, "goodwill")]

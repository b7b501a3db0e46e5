"""Issue 15, item 1: four-eyes on every path that moves money above the store's threshold.

Each bypass the issue lists, through the real views: Capture Offline booking what Mark as paid
waits for, refunds split under the threshold (cumulative within the store's window, whatever
the path), a manager or anyone holding "approve refund" exempt, a requester deciding their own
request, Rebill and Chargeback Reversal. Then: what an approved one runs, and the window.
"""

from datetime import timedelta
from html import unescape
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.enums import CaptureMode, CreditMemoState, InvoiceState
from orders.models import ApprovalRequest, ApprovalState, CreditMemo, Invoice, Order, OrderComment
from orders.services.invoicing import invoice_create
from payments.models import Transaction
from payments.services import payment_chargeback, payment_refund
from tests.backoffice.roles_helpers import (
    HX,
    T,
    approve_url,
    capture_of,
    captured,
    eu_store,
    key,
    refund_on_transaction_page,
    reject_url,
    role_user,
    txn_url,
    withdraw_url,
)
from tests.factories import OrderFactory, OrderItemFactory, reason_pk
from tests.payments.money_helpers import authorized_payment

pytestmark = pytest.mark.django_db
PREVIEW = {"_confirm": "preview"}


@pytest.fixture
def store():
    return eu_store(threshold=5000)  # €50.00


@pytest.fixture
def finance():
    return role_user("finance")


@pytest.fixture
def manager():
    return role_user("manager")


@pytest.fixture
def manager2():
    return role_user("manager", username="manager2")


def rows(order: Order, type_: str) -> list[Transaction]:
    return list(Transaction.objects.filter(order=order, type=type_).order_by("pk"))


def awaiting(order: Order) -> list[ApprovalRequest]:
    return list(ApprovalRequest.objects.filter(order=order, state=ApprovalState.AWAITING))


def history(order: Order) -> list[str]:
    return list(
        OrderComment.objects.filter(order=order).order_by("id").values_list("body", flat=True)
    )


def text(response) -> str:
    """The page as read (HTML entities decoded: "store's")."""
    return unescape(response.content.decode())


def fresh_version(order: Order) -> int:
    return Order.objects.get(pk=order.pk).version


# ---- Mark as paid, then Capture Offline of the same money ------------------------------------


def unpaid_order(store) -> tuple[Order, object]:
    """€100.24 due, no authorization: Mark as paid or an invoice's Capture Offline book it."""
    order = OrderFactory(store=store, subtotal=9024, shipping_amount=1000)
    item = OrderItemFactory(order=order, sku="SP1", qty_ordered=1, unit_price=9024)
    return order, item


def mark_as_paid(client, order: Order, amount: str):
    data = {
        "amount": amount,
        "merchant_reference": "",
        "memo": "",
        "version": fresh_version(order),
        "idempotency_key": key(),
    }
    return client.post(reverse("orders:mark_as_paid", args=[order.number]), data, headers=HX)


def new_invoice(client, order: Order, item, mode: str = CaptureMode.OFFLINE, **extra):
    data = {
        f"qty_{item.pk}": item.qty_ordered,
        "capture_mode": mode,
        "comment": "",
        "version": fresh_version(order),
        "idempotency_key": key(),
        **extra,
    }
    return client.post(reverse("orders:invoice_new", args=[order.number]), data, follow=True)


def test_capture_offline_on_new_invoice_waits_like_the_mark_as_paid_it_repeats(
    client, store, finance, manager
):
    order, item = unpaid_order(store)
    client.force_login(finance)
    asked = mark_as_paid(client, order, "100.24")
    assert "Mark as paid of €100.24 is awaiting approval by a manager." in text(asked)

    preview = new_invoice(client, order, item, **PREVIEW).json()["confirm"]
    response = new_invoice(client, order, item)

    assert preview["awaits_approval"] is True
    assert preview["sentence"] == (
        "Request approval of a €100.24 offline capture (Capture Offline): above the store's "
        "€50.00 threshold."
    )
    invoice = Invoice.objects.get(order=order)
    assert (invoice.state, invoice.amount_paid) == (InvoiceState.OPEN, 0)
    assert not Transaction.objects.filter(order=order).exists()
    assert (
        f"Invoice #{invoice.number} is open: Capture Offline of €100.24 is awaiting approval by "
        "a manager. It is above the store's €50.00 threshold."
    ) in text(response)
    capture = ApprovalRequest.objects.get(kind="capture_offline")
    assert (capture.amount, capture.requested_by, capture.payload["invoice_id"]) == (
        10024,
        finance,
        invoice.pk,
    )

    client.force_login(manager)
    client.post(approve_url(capture), headers=HX)

    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    [manual] = rows(order, T.MANUAL)
    assert (manual.amount, manual.actor, manual.invoice) == (10024, finance, invoice)


def test_capture_offline_of_an_open_invoice_waits_then_runs_when_approved(
    client, store, finance, manager
):
    order, item = unpaid_order(store)
    invoice = invoice_create(
        order=order, user=finance, quantities={item.pk: 1}, capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=order.version, idempotency_key=key(),
    ).invoice  # fmt: skip
    url = reverse("orders:invoice_capture", args=[order.number, invoice.number])
    data = {"capture_mode": CaptureMode.OFFLINE, "idempotency_key": key()}
    client.force_login(finance)

    response = client.post(url, data | {"version": fresh_version(order)}, follow=True)

    assert "Capture Offline of €100.24 is awaiting approval by a manager." in text(response)
    assert not Transaction.objects.filter(order=order).exists()
    [request] = awaiting(order)
    client.force_login(manager)
    client.post(approve_url(request), headers=HX)
    invoice.refresh_from_db()
    assert invoice.state == InvoiceState.PAID
    assert [t.amount for t in rows(order, T.MANUAL)] == [10024]


def test_capture_online_is_not_held(client, store, finance):
    """Four-eyes is about money booked by a person's word: Capture Online takes it through the
    gateway from the customer's own authorization."""
    payment = authorized_payment(10024, store=store, subtotal=9024, shipping_amount=1000)
    order = payment.order
    item = OrderItemFactory(order=order, sku="SP1", qty_ordered=1, unit_price=9024)
    client.force_login(finance)

    new_invoice(client, order, item, CaptureMode.ONLINE)

    assert [t.amount for t in rows(order, T.CAPTURE)] == [10024]
    assert awaiting(order) == []


# ---- Refunds: cumulative over the window, whatever the path ----------------------------------


@pytest.fixture
def capture(store):
    return capture_of(captured(20000, store=store))  # €200.00


def test_three_45_refunds_under_a_50_threshold_the_second_and_third_wait(client, finance, capture):
    client.force_login(finance)
    order = capture.order

    first = refund_on_transaction_page(client, capture, "45.00")
    preview = refund_on_transaction_page(client, capture, "45.00", **PREVIEW).json()["confirm"]
    second = refund_on_transaction_page(client, capture, "45.00")
    third = refund_on_transaction_page(client, capture, "45.00")

    assert "Refund succeeded" in text(first)
    assert preview["sentence"] == (
        "Request approval of a €45.00 refund: with €45.00 refunded on this order in the last "
        "24 hours, above the store's €50.00 threshold."
    )
    assert (
        "Refund of €45.00 is awaiting approval by a manager. With €45.00 refunded on this "
        "order in the last 24 hours, above the store's €50.00 threshold."
    ) in text(second)
    assert (
        "With €45.00 refunded on this order in the last 24 hours and €45.00 more awaiting "
        "approval, above the store's €50.00 threshold."
    ) in text(third)
    assert [r.amount for r in rows(order, T.REFUND)] == [4500]
    assert [a.amount for a in awaiting(order)] == [4500, 4500]
    assert "with €45.00 refunded on this order in the last 24 hours" in history(order)[-2]


def goodwill(client, order: Order, amount: str, *, offline: bool = False):
    name = "orders:refund_offline" if offline else "orders:refund"
    data = {
        "amount": amount,
        "note": "Late delivery",
        "reason": reason_pk(order.store_id, "goodwill"),
        "version": fresh_version(order),
        "idempotency_key": key(),
    }
    return client.post(reverse(name, args=[order.number]), data, headers=HX)


def test_every_refund_path_adds_to_the_same_sum(client, finance, capture):
    order = capture.order
    client.force_login(finance)
    refund_on_transaction_page(client, capture, "20.00", offline=True)  # Refund Offline
    goodwill(client, order, "20.00")  # a goodwill memo, refunded online

    goodwill(client, order, "20.00", offline=True)  # 20 + 20 + 20 > 50

    assert [r.amount for r in rows(order, T.REFUND)] == [2000, 2000]
    memo = CreditMemo.objects.filter(order=order).latest("pk")
    assert memo.state == CreditMemoState.AWAITING_APPROVAL
    [request] = awaiting(order)
    assert request.why == (
        "with €40.00 refunded on this order in the last 24 hours, above the store's €50.00 "
        "threshold"
    )


def test_refunds_older_than_the_window_do_not_count(client, finance, capture, store):
    created_at = Transaction._meta.get_field("created_at")

    def refund_at(hours_ago: int) -> None:
        """A Refund Offline recorded `hours_ago` (the clock moved back: the ledger's rows are
        append-only, so the row is written then rather than backdated)."""
        then = timezone.now() - timedelta(hours=hours_ago)
        with (
            mock.patch("django.utils.timezone.now", return_value=then),
            mock.patch.object(created_at, "_get_default", lambda: then),
        ):
            payment_refund(
                payment=capture.payment, parent=capture, amount=4500, online=False,
                actor=finance, idempotency_key=key(),
            )  # fmt: skip

    refund_at(25)
    client.force_login(finance)
    refund_on_transaction_page(client, capture, "45.00")
    assert awaiting(capture.order) == []  # 25 hours ago is outside the 24-hour window

    store.approval_window_hours = 30
    store.save()
    refund_on_transaction_page(client, capture, "5.00")
    [request] = awaiting(capture.order)  # 45 + 45 (25 h ago, inside 30 h) + 5 > 50
    assert request.why.startswith("with €90.00 refunded on this order in the last 30 hours")


# ---- Nobody is exempt, nobody decides their own request ---------------------------------------


def test_a_manager_marking_as_paid_above_the_threshold_waits_too(client, store, manager):
    order, _item = unpaid_order(store)
    client.force_login(manager)

    response = mark_as_paid(client, order, "100.24")

    assert "Mark as paid of €100.24 is awaiting approval by a manager." in text(response)
    assert not Transaction.objects.filter(order=order).exists()


def test_a_requester_holding_approve_can_neither_approve_nor_reject_but_withdraw(
    client, manager, capture
):
    client.force_login(manager)
    refund_on_transaction_page(client, capture, "60.00")
    [request] = awaiting(capture.order)
    page = client.get(capture.order.get_absolute_url()).text

    approve = client.post(approve_url(request), headers=HX)
    reject = client.post(reject_url(request), {"reason": "Changed my mind"}, headers=HX)

    assert (approve.status_code, reject.status_code) == (403, 403)
    assert "You cannot approve your own request." in text(approve)
    assert "You cannot reject your own request; withdraw it instead." in text(reject)
    assert ApprovalRequest.objects.get(pk=request.pk).state == ApprovalState.AWAITING
    assert rows(capture.order, T.REFUND) == []
    assert f'data-testid="withdraw-{request.pk}"' in page

    withdrawn = client.post(withdraw_url(request), headers=HX)

    assert withdrawn.status_code == 200
    assert "Refund of €60.00 is withdrawn. Nothing was done." in text(withdrawn)
    request.refresh_from_db()
    assert (request.state, request.decided_by) == (ApprovalState.WITHDRAWN, manager)
    assert history(capture.order)[-1] == (
        "Refund of €60.00 requested by Manager (manager) was withdrawn by Manager (manager)."
    )
    assert rows(capture.order, T.REFUND) == []
    again = client.post(withdraw_url(request), headers=HX)
    assert (again.status_code, "The request is already withdrawn." in text(again)) == (422, True)


def test_only_the_requester_withdraws(client, finance, manager, capture):
    client.force_login(finance)
    refund_on_transaction_page(client, capture, "60.00")
    [request] = awaiting(capture.order)
    client.force_login(manager)

    page = client.get(capture.order.get_absolute_url()).text
    response = client.post(withdraw_url(request), headers=HX)

    assert f'data-testid="withdraw-{request.pk}"' not in page
    assert response.status_code == 422
    assert "Only Finance (finance), who asked for it, can withdraw this request." in text(response)
    assert ApprovalRequest.objects.get(pk=request.pk).state == ApprovalState.AWAITING


def test_withdrawing_a_credit_memo_refund_cancels_the_memo(client, finance, capture):
    client.force_login(finance)
    goodwill(client, capture.order, "60.00")
    [request] = awaiting(capture.order)

    client.post(withdraw_url(request), headers=HX)

    memo = CreditMemo.objects.get(order=capture.order)
    assert memo.state == CreditMemoState.CANCELED
    assert rows(capture.order, T.REFUND) == []


def test_the_requester_withdraws_from_the_dashboard(client, finance, capture):
    client.force_login(finance)
    refund_on_transaction_page(client, capture, "60.00")
    [request] = awaiting(capture.order)

    dashboard = client.get(reverse("dashboard")).text
    client.post(withdraw_url(request))

    assert f'data-testid="dashboard-withdraw-{request.pk}"' in dashboard
    assert ApprovalRequest.objects.get(pk=request.pk).state == ApprovalState.WITHDRAWN


# ---- Rebill and Chargeback Reversal ----------------------------------------------------------


def test_rebill_above_the_threshold_waits_then_runs_when_approved(client, store, manager, manager2):
    debit = authorized_payment(10000, sale=True, store=store).transactions.get(type=T.DEBIT)
    client.force_login(manager)  # only managers rebill, and they wait like anyone
    form = {"amount": "60.00", "usage": "", "merchant_reference": "RB-1", "memo": ""}

    preview = client.post(txn_url("rebill", debit), form | PREVIEW | {"idempotency_key": key()})
    response = client.post(txn_url("rebill", debit), form | {"idempotency_key": key()}, headers=HX)

    assert preview.json()["confirm"]["sentence"] == (
        "Request approval of a €60.00 rebill: above the store's €50.00 threshold."
    )
    assert "Rebill of €60.00 is awaiting approval by a manager." in text(response)
    assert rows(debit.order, T.REBILL) == []
    [request] = awaiting(debit.order)
    assert (request.kind, request.transaction) == ("rebill", debit)

    client.force_login(manager2)
    client.post(approve_url(request), headers=HX)

    [rebill] = rows(debit.order, T.REBILL)
    assert (rebill.amount, rebill.status, rebill.actor, rebill.merchant_reference) == (
        6000,
        "success",
        manager,
        "RB-1",
    )


def test_chargeback_reversal_above_the_threshold_waits_then_runs_when_approved(
    client, finance, manager, capture
):
    chargeback = payment_chargeback(
        payment=capture.payment, amount=15000, actor=None, idempotency_key=key(), source="batch"
    ).transaction
    client.force_login(finance)
    form = {"amount": "80.00", "usage": "", "merchant_reference": "", "memo": "Won the dispute"}
    form |= {"reason": reason_pk(capture.store_id, "fraud"), "idempotency_key": key()}

    response = client.post(txn_url("chargeback_reversal", chargeback), form, headers=HX)

    assert "Chargeback Reversal of €80.00 is awaiting approval by a manager." in text(response)
    assert rows(capture.order, T.CHARGEBACK_REVERSAL) == []
    [request] = awaiting(capture.order)
    client.force_login(manager)
    client.post(approve_url(request), headers=HX)
    [reversal] = rows(capture.order, T.CHARGEBACK_REVERSAL)
    assert (reversal.amount, reversal.actor, reversal.reason_id) == (8000, finance, form["reason"])


def test_booked_in_moves_share_one_sum(client, store, finance):
    """Mark as paid, then Capture Offline of the rest: each under the threshold, together above
    it (Mark as paid, Capture Offline, Rebill and Chargeback Reversal add up)."""
    order = OrderFactory(store=store, subtotal=6000, shipping_amount=0)  # €60.00 due
    item = OrderItemFactory(order=order, sku="SP1", qty_ordered=2, unit_price=3000)
    client.force_login(finance)
    mark_as_paid(client, order, "30.00")
    assert [t.amount for t in rows(order, T.MANUAL)] == [3000]

    data = {f"qty_{item.pk}": 2}
    response = new_invoice(client, order, item, **data)  # €60.00, €30.00 of it paid already

    [request] = awaiting(order)
    assert (request.kind, request.amount) == ("capture_offline", 3000)
    assert (
        "With €30.00 booked in (Mark as paid, Capture Offline, Rebill, Chargeback Reversal) on "
        "this order in the last 24 hours, above the store's €50.00 threshold."
    ) in text(response)

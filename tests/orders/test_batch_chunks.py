"""The batch jobs' chunk path: the same documents, ledger and history as the one-by-one path,
in a number of queries that does not grow with the number of orders."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.batch.capture import CaptureAuthorized
from orders.batch.expiry import ExpireAuthorizations
from orders.models import Invoice, Order, OrderComment, OrderItem
from payments.models import Payment, Transaction
from tests.batch_helpers import age_authorization, order_with_authorization, run
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory
from tests.payments.money_helpers import authorized_payment, sandbox_account

pytestmark = pytest.mark.django_db

JOBS = {"expire_authorizations": ExpireAuthorizations, "capture_authorized": CaptureAuthorized}


def expired_order(**fields):
    order, payment = order_with_authorization(**fields)
    age_authorization(payment, authorized_days_ago=8, expires_in_days=-1)
    return order


def partly_captured_expired_order():
    """Captured in part by staff, the rest expired: the order goes on, not canceled."""
    from payments.services import payment_capture
    from tests.payments.money_helpers import key, staff

    order, payment = order_with_authorization()
    payment_capture(payment=payment, amount=5000, online=True, actor=staff(), idempotency_key=key())
    age_authorization(payment, authorized_days_ago=8, expires_in_days=-1)
    return order


def two_authorizations_expired():
    store = StoreFactory(code="us", currency="USD")
    order = OrderFactory(store=store, subtotal=10000, shipping_amount=0)
    OrderItemFactory(order=order, qty_ordered=1, unit_price=10000)
    for amount in (6000, 4000):
        payment = authorized_payment(amount, order=order, account=sandbox_account(store))
        age_authorization(payment, authorized_days_ago=8, expires_in_days=-1)
    return order


EXPIRE_CASES = [expired_order, partly_captured_expired_order, two_authorizations_expired]


def state_of(order: Order) -> dict:
    """What staff see of an order after a job, with its own numbers and references masked."""
    order.refresh_from_db()
    masks = [(re.escape(order.number), "<order>")]
    for payment in Payment.objects.filter(order=order):
        if payment.gateway_reference:
            masks.append((re.escape(payment.gateway_reference), "<auth>"))
    for sku in OrderItem.objects.filter(order=order).values_list("sku", flat=True):
        masks.append((rf"\b{re.escape(sku)}\b", "<sku>"))
    masks += [(r"sbx_op_[0-9a-f]+", "<op>"), (r"\b[0-9a-f]{8}\b", "<uuid>")]

    def mask(text: str) -> str:
        for pattern, replacement in masks:
            text = re.sub(pattern, replacement, text)
        return text

    payments = Payment.objects.filter(order=order).order_by("pk")
    return {
        "order": (order.state, order.payment_status),
        "items": list(
            OrderItem.objects.filter(order=order)
            .order_by("pk")
            .values_list("qty_invoiced", "qty_canceled")
        ),
        "payments": [
            (p.status, p.amount_captured, p.amount_voided, p.pending_capture, p.is_expired)
            for p in payments
        ],
        "ledger": [
            (t.type, t.status, t.amount, t.is_online, t.source, mask(t.memo), t.parent_id is None)
            for t in Transaction.objects.filter(order=order).order_by("pk")
        ],
        "invoices": [
            (i.state, i.grand_total, i.amount_paid, mask(i.number))
            for i in Invoice.objects.filter(order=order).order_by("pk")
        ],
        "history": [
            (c.kind, c.source, mask(c.body), c.transaction_id is None, c.invoice_id is None)
            for c in OrderComment.objects.filter(order=order).order_by("pk")
        ],
    }


def one_by_one(monkeypatch, command: str) -> None:
    monkeypatch.setattr(JOBS[command], "process_chunk", lambda self, items: {})


@pytest.mark.parametrize("make", EXPIRE_CASES, ids=lambda make: make.__name__)
def test_expiring_in_a_chunk_leaves_what_one_by_one_leaves(monkeypatch, make):
    alone = make()
    with monkeypatch.context() as patch:
        one_by_one(patch, "expire_authorizations")
        assert run("expire_authorizations").code == 0
    chunked = make()
    assert run("expire_authorizations").code == 0

    assert state_of(chunked) == state_of(alone)


def test_capturing_in_a_chunk_leaves_what_one_by_one_leaves(monkeypatch):
    alone, _ = order_with_authorization()
    with monkeypatch.context() as patch:
        one_by_one(patch, "capture_authorized")
        assert run("capture_authorized").code == 0
    chunked, _ = order_with_authorization()
    assert run("capture_authorized").code == 0

    chunk = state_of(chunked)
    assert chunk == state_of(alone)
    assert chunk["order"] == ("complete", "captured")
    assert chunk["invoices"] == [("paid", 12200, 12200, "<order>-1")]


def test_a_declined_capture_in_a_chunk_is_told_as_one_by_one_tells_it(monkeypatch):
    def declining():
        """Authorized for 111.00, but its total of 110.51 is a magic amount: declined."""
        store = StoreFactory(code="us", currency="USD")
        order = OrderFactory(store=store, subtotal=10051, shipping_amount=1000)
        OrderItemFactory(order=order, qty_ordered=1, unit_price=10051)
        authorized_payment(11100, order=order, account=sandbox_account(store))
        return order

    alone = declining()
    with monkeypatch.context() as patch:
        one_by_one(patch, "capture_authorized")
        assert run("capture_authorized").code == 1
    chunked = declining()
    result = run("capture_authorized")

    assert result.code == 1 and "declined" in result.out
    assert state_of(chunked) == state_of(alone)


@pytest.mark.parametrize("command", ["expire_authorizations", "capture_authorized"])
def test_a_chunk_takes_the_same_number_of_queries_for_3_or_12_orders(command):
    def queries(count: int) -> int:
        for _ in range(count):
            if command == "expire_authorizations":
                expired_order()
            else:
                order_with_authorization()
        with CaptureQueriesContext(connection) as captured:
            result = run(command)
        assert result.code == 0
        assert result.out.strip().endswith(f"{count} order(s): {count} done, 0 skipped, 0 failed.")
        return len(captured)

    queries(1)  # the first chunk of a process looks up the ledger's sequence name once
    assert queries(3) == queries(12)


@pytest.mark.parametrize(
    ("command", "where"),
    [
        ("expire_authorizations", "orders.batch.expiry_chunk._prepare"),
        ("capture_authorized", "orders.batch.capture_chunk.open_many"),
    ],
)
def test_a_chunk_that_fails_rolls_back_and_its_orders_go_one_by_one(
    monkeypatch, caplog, command, where
):
    make = expired_order if command == "expire_authorizations" else order_with_authorization
    for _ in range(3):
        make()

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the chunk path")

    monkeypatch.setattr(where, broken)
    result = run(command)

    assert result.code == 0
    assert result.out.strip().endswith("3 order(s): 3 done, 0 skipped, 0 failed.")
    assert "processing its items one by one" in caplog.text
    if command == "expire_authorizations":
        assert Order.objects.filter(state="canceled").count() == 3
    else:
        assert Invoice.objects.filter(state="paid").count() == 3


@pytest.mark.parametrize(
    ("job", "make"),
    [
        (CaptureAuthorized, lambda: order_with_authorization()[0]),
        (ExpireAuthorizations, expired_order),
    ],
)
def test_a_chunk_checks_only_its_own_orders(job, make):
    """The claim asks for the chunk's candidates only: an order of the next chunk that also
    qualifies is left to that chunk (and to the worker that claims it)."""
    first, second = make(), make()

    assert list(job().candidates(among=[first.pk])) == [first]
    assert {o.pk for o in job().candidates()} >= {first.pk, second.pk}

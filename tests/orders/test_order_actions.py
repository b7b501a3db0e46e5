"""The order header's actions: Void, Cancel, Hold, Unhold, Mark as paid (services and views)."""

import pytest
from django.urls import reverse

from orders.enums import CaptureMode, InvoiceState, OrderState
from orders.models import Invoice, OrderItem
from orders.operations import OrderOperation, order_operation_availability
from orders.services.invoicing import invoice_create
from orders.services.order_cancel import order_cancel, order_void
from payments.enums import PaymentStatus, TransactionType
from payments.models import Payment, Transaction
from tests.orders.invoice_helpers import (
    finance,
    fresh,
    key,
    order_with_items,
    xpayments_order,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
T = TransactionType


def url(order, name: str) -> str:
    return reverse(f"orders:{name}", kwargs={"number": order.number})


def confirm(order, **extra) -> dict:
    return {"version": fresh(order).version, "idempotency_key": key(), **extra}


def invoice(order, item, user, qty, mode=CaptureMode.ONLINE):
    return invoice_create(
        order=fresh(order),
        user=user,
        quantities={item.pk: qty},
        capture_mode=mode,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    ).invoice


@pytest.fixture
def user(client):
    user = finance()
    client.force_login(user)
    return user


# ---- services ------------------------------------------------------------------------------


def test_void_only_voids_the_order_stays_open_awaiting_payment(user):
    """Issue 15: as finance, Void canceled the whole order although Cancel needs its own
    permission. Void releases the authorizations; the items and the order stay."""
    order, item, auths = xpayments_order()

    outcome = order_void(
        order=fresh(order), user=user, expected_version=fresh(order).version, idempotency_key=key()
    )

    voids = Transaction.objects.filter(order=order, type=T.REVERSAL).order_by("pk")
    assert [(v.payment_id, v.amount, v.is_online) for v in voids] == [
        (auths[0].pk, 6100, True),
        (auths[1].pk, 6100, True),
    ]
    assert outcome.message() == (
        "Voided $122.00 online. The order stays open with what it still owes; Cancel cancels it."
    )
    order = fresh(order)
    assert order.state == OrderState.PENDING_PAYMENT
    assert order.payment_status == PaymentStatus.CANCELED
    assert OrderItem.objects.get(pk=item.pk).qty_canceled == 0
    assert "from Processing to Pending payment" in order.comments.order_by("-pk")[0].body


def test_void_after_a_capture_keeps_the_order(user):
    order, item, _auths = xpayments_order()
    invoice(order, item, user, 1)  # 66.00 captured, 56.00 still open

    outcome = order_void(
        order=fresh(order), user=user, expected_version=fresh(order).version, idempotency_key=key()
    )

    assert outcome.voided == 5600 and not outcome.canceled
    assert fresh(order).state == OrderState.PROCESSING
    assert all(p.capturable == 0 for p in Payment.objects.filter(order=order))


def test_cancel_voids_what_is_open_and_cancels_what_was_not_invoiced(user):
    order, item, _auths = xpayments_order()
    invoice(order, item, user, 1)

    outcome = order_cancel(
        order=fresh(order), user=user, expected_version=fresh(order).version, idempotency_key=key()
    )

    assert outcome.voided == 5600
    assert OrderItem.objects.get(pk=item.pk).qty_canceled == 1
    # What was invoiced is paid and nothing else is left: the order completes.
    assert fresh(order).state == OrderState.COMPLETE


def test_cancel_is_unavailable_while_an_invoice_is_open(user):
    order, item, _auths = xpayments_order()
    open_invoice = invoice(order, item, user, 1, mode=CaptureMode.NOT_CAPTURE)

    availability = order_operation_availability(
        user=user, order=fresh(order), operation=OrderOperation.CANCEL
    )

    assert availability.reason == (
        f"Cancel is not available: invoice #{open_invoice.number} is open. "
        "Capture or cancel it first."
    )


def test_hold_makes_every_money_operation_unavailable_with_that_reason(user):
    order, _item, _auths = xpayments_order()
    order.state = OrderState.HOLDED
    order.save()

    for operation in [OrderOperation.INVOICE, OrderOperation.VOID, OrderOperation.CANCEL]:
        availability = order_operation_availability(
            user=user, order=fresh(order), operation=operation
        )
        assert availability.reason == (
            f"{availability.label} is not available: the order is on hold. Unhold it first."
        )
    assert order_operation_availability(
        user=user, order=fresh(order), operation=OrderOperation.UNHOLD
    ).allowed


# ---- views ---------------------------------------------------------------------------------


def test_order_page_draws_every_action_with_its_reason_when_unavailable(client, user):
    order, _item = order_with_items()  # no payment at all

    html = client.get(order.get_absolute_url()).content.decode()

    for label in ["Invoice", "Mark as paid", "Void", "Hold", "Cancel"]:
        assert f">{label}<" in html
    assert "Void is not available: there is no open authorization to void." in html
    assert 'hx-confirm="Cancel this order?' in html


def test_void_with_htmx_answers_with_the_panels_and_a_message(client, user):
    order, _item, _auths = xpayments_order()

    response = client.post(url(order, "void"), confirm(order), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    for panel in ["order-header", "payment-information", "order-totals", "comments-history"]:
        assert f'id="{panel}"' in html
    assert 'id="flash" class="messages" hx-swap-oob="innerHTML"' in html
    assert "Voided $122.00 online." in html
    assert fresh(order).state == OrderState.PENDING_PAYMENT


def test_void_without_javascript_redirects_back_with_the_message(client, user):
    order, _item, _auths = xpayments_order()

    response = client.post(url(order, "void"), confirm(order))

    assert response.status_code == 302 and response["Location"] == order.get_absolute_url()
    assert "Voided $122.00 online." in client.get(order.get_absolute_url()).content.decode()


def test_a_double_submitted_void_is_a_no_op(client, user):
    order, _item, _auths = xpayments_order()
    data = confirm(order)

    client.post(url(order, "void"), data)
    client.post(url(order, "void"), data)

    assert Transaction.objects.filter(type=T.REVERSAL).count() == 2  # one per authorization


def test_void_is_forbidden_without_the_permission(client):
    client.force_login(finance("support", ["view_orders", "hold_order", "invoice_order"]))
    order, _item, _auths = xpayments_order()

    response = client.post(url(order, "void"), confirm(order))

    assert response.status_code == 403
    assert not Transaction.objects.filter(type=T.REVERSAL).exists()


def test_void_on_hold_is_refused_with_the_reason(client, user):
    order, _item, _auths = xpayments_order()
    order.state = OrderState.HOLDED
    order.save()

    plain = client.post(url(order, "void"), confirm(order))
    htmx = client.post(url(order, "void"), confirm(order), headers=HTMX)

    assert plain.status_code == 409
    assert "Void is not available: the order is on hold. Unhold it first." in plain.content.decode()
    assert htmx.status_code == 422
    assert "Void is not available: the order is on hold. Unhold it first." in (
        htmx.content.decode()
    )
    assert not Transaction.objects.filter(type=T.REVERSAL).exists()


def test_hold_and_unhold(client, user):
    order, _item, _auths = xpayments_order()

    held = client.post(url(order, "hold"), confirm(order), headers=HTMX)
    assert fresh(order).state == OrderState.HOLDED
    assert "The order is on hold." in held.content.decode()
    assert ">Unhold<" in held.content.decode()

    client.post(url(order, "unhold"), confirm(order), headers=HTMX)
    assert fresh(order).state == OrderState.PROCESSING


def test_cancel_view(client, user):
    order, _item, _auths = xpayments_order()

    response = client.post(url(order, "cancel"), confirm(order))

    assert response.status_code == 302
    assert fresh(order).state == OrderState.CANCELED


def test_a_stale_action_is_refused(client, user):
    order, _item, _auths = xpayments_order()

    response = client.post(url(order, "void"), {"version": 1, "idempotency_key": key()})

    assert response.status_code == 302  # redirected back with the message
    page = client.get(order.get_absolute_url()).content.decode()
    assert "The order changed since this page was drawn" in page
    assert not Transaction.objects.filter(type=T.REVERSAL).exists()


def test_mark_as_paid_prefills_the_outstanding_amount(client, user):
    order, _item = order_with_items()

    response = client.get(url(order, "mark_as_paid"))

    assert response.status_code == 200
    assert response.context["form"]["amount"].value() == "122.00"


def test_the_mark_as_paid_page_posts_plainly_so_its_success_leaves_the_page(client, user):
    """As a page (no dialog) the form posts without htmx and is redirected to the order; the
    htmx answer (the order's panels) would have left the filled form on screen."""
    order, _item = order_with_items()

    page = client.get(url(order, "mark_as_paid")).content.decode()

    form = page[page.index('id="mark-as-paid-form"') :]
    form = form[: form.index("</form>")]
    # (Its amount is confirmed as the server reads it: static/js/confirm.js.)
    assert "hx-post" not in form and "data-confirm-money" in form
    # In the order page's dialog (fetched by htmx) it stays an htmx form.
    dialog = client.get(url(order, "mark_as_paid"), headers=HTMX).content.decode()
    assert f'hx-post="{url(order, "mark_as_paid")}"' in dialog


def test_mark_as_paid_records_a_manual_payment(client, user):
    order, _item = order_with_items()
    data = confirm(order, amount="122.00", merchant_reference="BANK-7", memo="Wire received")

    response = client.post(url(order, "mark_as_paid"), data, headers=HTMX)

    assert response.status_code == 200
    assert "Marked as paid: $122.00 received offline." in response.content.decode()
    manual = Transaction.objects.get(order=order)
    assert (manual.type, manual.amount, manual.merchant_reference, manual.memo) == (
        T.MANUAL,
        12200,
        "BANK-7",
        "Wire received",
    )


def test_mark_as_paid_pays_the_open_invoice(client, user):
    order, item = order_with_items()
    open_invoice = invoice(order, item, user, 2, mode=CaptureMode.NOT_CAPTURE)

    client.post(url(order, "mark_as_paid"), confirm(order, amount="122.00"))

    assert Invoice.objects.get(pk=open_invoice.pk).state == InvoiceState.PAID
    assert fresh(order).state == OrderState.COMPLETE


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "This field is required."),
        ("abc", "This is not an amount. Use 10.50."),
        ("1.001", "USD allows at most 2 decimal places. Use 10.50."),
        ("1e2", "Scientific notation is not accepted. Use 10.50."),
        ("0", "Enter an amount greater than zero."),
        ("500.00", "At most $122.00 is outstanding on the order."),
    ],
)
def test_mark_as_paid_amount_errors_are_shown_next_to_the_field(client, user, amount, message):
    order, _item = order_with_items()

    response = client.post(url(order, "mark_as_paid"), confirm(order, amount=amount), headers=HTMX)

    assert response.status_code == 422
    assert response.context["form"].errors["amount"] == [message]
    assert 'id="mark-as-paid-form"' in response.content.decode()
    assert not Transaction.objects.exists()


def test_mark_as_paid_with_a_used_transaction_id_is_refused_next_to_it(client, user):
    order, _item = order_with_items()
    client.post(url(order, "mark_as_paid"), confirm(order, amount="10.00", merchant_reference="R1"))

    response = client.post(
        url(order, "mark_as_paid"), confirm(order, amount="10.00", merchant_reference="R1")
    )

    assert response.status_code == 422
    assert response.context["form"].errors["merchant_reference"] == [
        'The Transaction ID "R1" is already used in this store.'
    ]


def test_mark_as_paid_is_unavailable_when_nothing_is_outstanding(client, user):
    order, _item, _auths = xpayments_order()  # fully authorized

    response = client.post(url(order, "mark_as_paid"), confirm(order, amount="1.00"))

    assert response.status_code == 409
    assert "nothing is outstanding on this order" in response.content.decode()

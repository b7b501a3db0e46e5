"""New Invoice, its live totals and the invoice page, through the views (every message)."""

import pytest
from django.urls import reverse

from orders.capture_modes import CAPTURED_AT_CHECKOUT
from orders.enums import CaptureMode, InvoiceState, OrderState
from orders.forms_invoice import NO_ITEMS, STALE
from orders.invoice_totals import ZERO_TOTAL
from orders.models import Invoice, OrderItem
from orders.services.invoicing import invoice_create
from payments.enums import TransactionType
from payments.models import Transaction
from tests.factories import OrderItemFactory
from tests.orders.invoice_helpers import (
    authorizations,
    finance,
    fresh,
    key,
    order_with_items,
    sale_order,
    xpayments_order,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def new_url(order) -> str:
    return reverse("orders:invoice_new", kwargs={"number": order.number})


def form_data(order, item, qty, mode=CaptureMode.ONLINE, **extra) -> dict:
    return {
        "version": fresh(order).version,
        "idempotency_key": extra.pop("idempotency_key", key()),
        f"qty_{item.pk}": qty,
        "capture_mode": mode,
        **extra,
    }


@pytest.fixture
def user(client):
    user = finance()
    client.force_login(user)
    return user


def test_new_invoice_defaults_to_everything_left_and_capture_online(client, user):
    order, item, _auths = xpayments_order()

    response = client.get(new_url(order))

    assert response.status_code == 200
    form = response.context["form"]
    assert form[f"qty_{item.pk}"].value() == 2
    assert form.totals.grand_total == 12200
    assert "$122.00" in response.content.decode()
    assert [c["value"] for c in form.capture_choices() if c["checked"]] == ["online"]


def test_submit_invoice_with_capture_online_redirects_to_the_order_with_the_result(client, user):
    order, item, _auths = xpayments_order()

    response = client.post(new_url(order), form_data(order, item, 1, comment="First box"))

    invoice = Invoice.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{order.get_absolute_url()}#invoices"
    assert invoice.state == InvoiceState.PAID
    page = client.get(response["Location"])
    assert f"Invoice #{invoice.number}: captured $66.00 online." in page.content.decode()


def test_more_than_left_to_invoice_is_refused_next_to_the_field(client, user):
    order, item, _auths = xpayments_order()

    response = client.post(new_url(order), form_data(order, item, 3))

    assert response.status_code == 422
    assert response.context["form"].errors[f"qty_{item.pk}"] == ["Only 2 left to invoice."]
    assert "Only 2 left to invoice." in response.content.decode()
    assert not Invoice.objects.exists()


def test_a_negative_quantity_is_refused(client, user):
    order, item, _auths = xpayments_order()

    response = client.post(new_url(order), form_data(order, item, -1))

    assert response.context["form"].errors[f"qty_{item.pk}"] == ["The quantity cannot be negative."]


def test_at_least_one_item_is_required(client, user):
    order, item, _auths = xpayments_order()

    response = client.post(new_url(order), form_data(order, item, 0))

    assert response.status_code == 422
    assert response.context["form"].items_errors == [NO_ITEMS]
    assert NO_ITEMS in response.content.decode()
    assert not Invoice.objects.exists()


def test_the_total_must_be_more_than_zero_when_the_order_costs_something(client, user):
    # A free sample on an order that costs $56.00: invoicing only the sample is refused (a
    # fully discounted order, total 0.00, is invoiced for nothing: test_invoicing_zero_total).
    order, _paid = order_with_items(qty=1, unit_price=5600, shipping=0)
    item = OrderItemFactory(order=order, sku="FREE", qty_ordered=1, unit_price=0, tax_amount=0)

    response = client.post(new_url(order), form_data(order, item, 1, mode=CaptureMode.NOT_CAPTURE))

    assert response.status_code == 422
    assert response.context["form"].totals_errors == [ZERO_TOTAL]
    assert ZERO_TOTAL in response.content.decode()


def test_a_stale_form_is_refused_and_redrawn_with_the_order_as_it_is_now(client, user):
    order, item, _auths = xpayments_order()
    data = form_data(order, item, 1)
    # Someone else invoices one unit meanwhile.
    other = finance("other")
    invoice_create(
        order=fresh(order),
        user=other,
        quantities={item.pk: 1},
        capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    )

    response = client.post(new_url(order), data)

    assert response.status_code == 422
    form = response.context["form"]
    assert form.stale_errors == [STALE]
    assert STALE in response.content.decode()
    assert f'name="version" value="{fresh(order).version}"' in response.content.decode()
    assert Invoice.objects.count() == 1


def test_capture_online_refused_with_its_reason_when_the_authorizations_fall_short(client, user):
    order, item = order_with_items()
    authorizations(order, 6100)

    response = client.post(new_url(order), form_data(order, item, 2))

    reason = (
        "Capture Online is not available: the open authorizations cover $61.00 of $122.00 "
        "(short by $61.00)."
    )
    assert response.status_code == 422
    assert response.context["form"].errors["capture_mode"] == [reason]
    assert reason in response.content.decode()


def test_capture_online_is_not_offered_for_an_order_captured_at_checkout(client, user):
    order, _item, _payment = sale_order()

    response = client.get(new_url(order))

    choices = {c["value"]: c for c in response.context["form"].capture_choices()}
    assert not choices["online"]["allowed"]
    assert choices["online"]["reason"] == CAPTURED_AT_CHECKOUT
    assert CAPTURED_AT_CHECKOUT in response.content.decode()


def test_a_double_submit_creates_one_invoice(client, user):
    order, item, _auths = xpayments_order()
    data = form_data(order, item, 1)

    first = client.post(new_url(order), data)
    second = client.post(new_url(order), data)

    assert first.status_code == second.status_code == 302
    assert Invoice.objects.count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "was already submitted with this form" in page


def test_live_totals_follow_the_quantities(client, user):
    order, item, _auths = xpayments_order()
    url = reverse("orders:invoice_totals", kwargs={"number": order.number})

    response = client.post(url, form_data(order, item, 1), headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="invoice-totals"' in html
    assert "$66.00" in html  # one unit and the shipping
    assert f'id="line-total-{item.pk}" hx-swap-oob="true"' in html
    assert 'id="capture-choices" hx-swap-oob="true"' in html


def test_live_totals_show_the_shortfall_reason_as_quantities_change(client, user):
    order, item = order_with_items()
    authorizations(order, 6100)
    url = reverse("orders:invoice_totals", kwargs={"number": order.number})

    one = client.post(url, form_data(order, item, 1), headers=HTMX).content.decode()
    two = client.post(url, form_data(order, item, 2), headers=HTMX).content.decode()

    assert "short by $5.00" in one
    assert "short by $61.00" in two


def test_update_qtys_without_javascript_recalculates_without_creating(client, user):
    order, item, _auths = xpayments_order()

    response = client.post(new_url(order), form_data(order, item, 1, update_totals="1"))

    assert response.status_code == 200
    assert response.context["form"].totals.grand_total == 6600
    assert not Invoice.objects.exists()


def test_invoice_is_forbidden_without_an_invoicing_permission(client):
    client.force_login(finance("viewer", ["view_orders"]))
    order, item, _auths = xpayments_order()

    assert client.get(new_url(order)).status_code == 403
    assert client.post(new_url(order), form_data(order, item, 1)).status_code == 403


def test_hold_blocks_invoice_with_the_reason(client, user):
    order, item, _auths = xpayments_order()
    order.state = OrderState.HOLDED
    order.save()

    page = client.get(order.get_absolute_url()).content.decode()
    response = client.post(new_url(order), form_data(order, item, 1))

    assert "Invoice is not available: the order is on hold. Unhold it first." in page
    assert response.status_code == 409
    assert "the order is on hold. Unhold it first." in response.content.decode()
    assert not Invoice.objects.exists()


# ---- invoice page --------------------------------------------------------------------------


def not_captured(order, item, user):
    return invoice_create(
        order=fresh(order),
        user=user,
        quantities={item.pk: 2},
        capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    ).invoice


def invoice_url(invoice, action: str = "") -> str:
    name = f"orders:invoice_{action}" if action else "orders:invoice_detail"
    return reverse(name, kwargs={"number": invoice.order.number, "invoice_number": invoice.number})


def test_invoice_page_shows_number_state_items_totals_and_capture(client, user):
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, user)

    response = client.get(invoice_url(invoice))

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Invoice #{invoice.number}" in html
    assert "Open" in html and "Capture Online" in html and "Capture Offline" in html
    assert item.sku in html and "$122.00" in html
    assert 'id="invoice-capture"' in html


def test_capture_from_the_invoice_page_with_htmx_swaps_its_panels(client, user):
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, user)
    data = {"version": fresh(order).version, "idempotency_key": key(), "capture_mode": "online"}

    response = client.post(invoice_url(invoice, "capture"), data, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    assert f"Invoice #{invoice.number}: captured $122.00 online." in html
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.PAID
    assert Transaction.objects.filter(invoice=invoice, type=TransactionType.CAPTURE).count() == 2


def test_capture_without_javascript_redirects_back_with_the_message(client, user):
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, user)
    data = {"version": fresh(order).version, "idempotency_key": key(), "capture_mode": "offline"}

    response = client.post(invoice_url(invoice, "capture"), data)

    assert response.status_code == 302 and response["Location"] == invoice_url(invoice)
    page = client.get(response["Location"]).content.decode()
    assert f"Invoice #{invoice.number}: captured $122.00 offline." in page


def test_capture_of_a_paid_invoice_is_refused_with_the_reason(client, user):
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, user)
    data = {"version": fresh(order).version, "idempotency_key": key(), "capture_mode": "online"}
    client.post(invoice_url(invoice, "capture"), data)

    again = {"version": fresh(order).version, "idempotency_key": key(), "capture_mode": "online"}
    response = client.post(invoice_url(invoice, "capture"), again)

    assert response.status_code == 409
    assert "Capture is not available: the invoice is paid." in response.content.decode()


def test_capture_with_a_stale_version_is_refused(client, user):
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, user)
    data = {"version": 1, "idempotency_key": key(), "capture_mode": "online"}

    response = client.post(invoice_url(invoice, "capture"), data)

    assert response.status_code == 422
    assert STALE in response.content.decode()
    assert not Transaction.objects.filter(invoice=invoice).exists()


def test_cancel_an_open_invoice(client, user):
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, user)

    response = client.post(
        invoice_url(invoice, "cancel"), {"version": fresh(order).version, "idempotency_key": key()}
    )

    assert response.status_code == 302
    assert Invoice.objects.get(pk=invoice.pk).state == InvoiceState.CANCELED
    assert OrderItem.objects.get(pk=item.pk).qty_invoiced == 0
    page = client.get(invoice_url(invoice)).content.decode()
    assert f"Invoice #{invoice.number} is canceled." in page


def test_invoice_page_is_scoped_to_the_users_stores(client):
    client.force_login(finance("nobody", []))
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, finance())

    assert client.get(invoice_url(invoice)).status_code == 404


def test_the_invoices_tab_links_each_invoice(client, user):
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, user)

    html = client.get(order.get_absolute_url()).content.decode()

    assert f'href="{invoice_url(invoice)}"' in html


def test_new_invoice_and_invoice_pages_stay_within_a_query_budget(
    client, user, django_assert_max_num_queries
):
    order, item, _auths = xpayments_order()
    invoice = not_captured(order, item, user)
    client.get(invoice_url(invoice))  # warm caches such as content types

    # 17: one for the session's second-factor device (django_otp, issue 16)
    with django_assert_max_num_queries(17):
        assert client.get(invoice_url(invoice)).status_code == 200
    order2, _item2, _auths2 = xpayments_order()
    with django_assert_max_num_queries(12):
        assert client.get(new_url(order2)).status_code == 200


def test_email_copy_needs_the_notify_permission(client, mailoutbox):
    client.force_login(finance("quiet"))  # every money permission, not Notify the customer
    order, item, _auths = xpayments_order()

    page = client.get(new_url(order)).content.decode()
    client.post(new_url(order), form_data(order, item, 2, email_copy="on"))

    assert "Requires the Notify the customer permission for store US." in page
    assert Invoice.objects.get().is_customer_notified is False
    assert mailoutbox == []

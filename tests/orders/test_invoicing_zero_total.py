"""A fully discounted order (grand total 0.00): invoiced with nothing to capture, completes."""

import pytest
from django.urls import reverse

from orders.enums import CaptureMode, InvoiceState, OrderState
from orders.models import Invoice, Order
from orders.operations import OrderOperation, order_operation_availability
from orders.services.importing import orders_import_lines
from orders.services.invoicing import invoice_create
from orders.services.order_documents import DocumentError
from payments.models import Transaction
from tests.factories import OrderItemFactory, StoreFactory
from tests.orders.import_helpers import line
from tests.orders.invoice_helpers import finance, fresh, key, order_with_items

pytestmark = pytest.mark.django_db


def free_order() -> Order:
    """Imported with a 100% discount, free shipping and no payment: pending payment."""
    StoreFactory(code="us", currency="USD")
    item = {"sku": "SP1", "name": "Simple product 1", "qty": 2, "price": "56.00"}
    report = orders_import_lines(
        lines=[
            line(
                items=[{**item, "discount": "112.00"}],
                shipping={"method": "Free shipping", "amount": "0.00"},
                payments=None,
            )
        ],
        source_name="f",
    )
    assert report.ok, report.failed
    order = Order.objects.get(number=report.imported[0])
    assert (order.grand_total, order.state) == (0, OrderState.PENDING_PAYMENT)
    return order


@pytest.mark.parametrize("mode", [CaptureMode.NOT_CAPTURE, CaptureMode.ONLINE, CaptureMode.OFFLINE])
def test_a_fully_discounted_order_is_invoiced_for_nothing_and_completes(mode):
    order = free_order()
    user = finance()
    assert order_operation_availability(user=user, order=order, operation=OrderOperation.INVOICE)
    item = order.items.get()

    outcome = invoice_create(
        order=order,
        user=user,
        quantities={item.pk: 2},
        capture_mode=mode,
        expected_version=order.version,
        idempotency_key=key(),
    )

    invoice = Invoice.objects.get(pk=outcome.invoice.pk)
    assert (invoice.grand_total, invoice.amount_paid, invoice.state) == (0, 0, InvoiceState.PAID)
    assert (
        outcome.message()
        == f"Invoice #{invoice.number} for $0.00 is paid: there is nothing to capture."
    )
    assert not Transaction.objects.filter(order=order).exists()  # nothing moved
    assert fresh(order).state == OrderState.COMPLETE


def test_a_zero_invoice_of_an_order_that_costs_something_is_still_refused():
    order, _paid = order_with_items(qty=1, unit_price=5600, shipping=0)
    free = OrderItemFactory(order=order, sku="GIFT", qty_ordered=1, unit_price=0)

    with pytest.raises(DocumentError) as refused:
        invoice_create(
            order=fresh(order),
            user=finance(),
            quantities={free.pk: 1},  # the gift alone: 0.00 of an order of 56.00
            capture_mode=CaptureMode.NOT_CAPTURE,
            expected_version=fresh(order).version,
            idempotency_key=key(),
        )

    assert refused.value.message == "The invoice total must be more than zero."
    assert not Invoice.objects.exists()


def test_the_new_invoice_page_invoices_a_fully_discounted_order(client):
    order = free_order()
    client.force_login(finance())
    item = order.items.get()
    url = reverse("orders:invoice_new", kwargs={"number": order.number})
    data = {
        "version": fresh(order).version,
        "idempotency_key": key(),
        f"qty_{item.pk}": 2,
        "capture_mode": CaptureMode.NOT_CAPTURE,
    }

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    invoice = Invoice.objects.get(order=order)
    assert (invoice.grand_total, invoice.state) == (0, InvoiceState.PAID)
    assert fresh(order).state == OrderState.COMPLETE

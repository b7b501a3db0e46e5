"""Order edits, the service: quantities, lines, shipping, versions, history, guards."""

import pytest

from backoffice.audit.events import ORDER_EDIT
from backoffice.audit.models import AuditEvent
from backoffice.availability import OperationUnavailable
from backoffice.errors import DomainError
from orders.enums import CaptureMode, CommentKind, OrderState
from orders.models import Order, OrderComment, OrderEdit, OrderItem
from orders.operations import OrderOperation, order_operation_availability
from orders.order_edit_plan import EditChanges
from orders.services.invoicing import invoice_create
from orders.services.order_documents import StaleOrder
from orders.services.order_edit import order_authorize_difference, order_edit
from payments.enums import PaymentStatus
from payments.figures import figures_of
from payments.models import Payment
from tests.orders.edit_helpers import edit, editor, new_line, one_unit_order
from tests.orders.invoice_helpers import fresh, key

pytestmark = pytest.mark.django_db


def test_edit_up_stores_a_version_writes_history_and_leaves_the_difference_outstanding():
    order, item, _payment = one_unit_order()
    user = editor()

    done = edit(order, user, quantities={item.pk: 2}, shipping=1000)

    order = fresh(order)
    assert (order.subtotal, order.shipping_amount, order.grand_total) == (11200, 1000, 12200)
    assert OrderItem.objects.get(pk=item.pk).row_total == 11200
    assert done.number == 1 and done.author == user
    assert done.before["totals"]["grand_total"] == 6100
    assert done.after["totals"]["grand_total"] == 12200
    assert done.after["lines"][0]["qty"] == 2 and done.before["lines"][0]["qty"] == 1
    assert done.reason == "Customer asked for one more."
    comment = OrderComment.objects.get(order=order, kind=CommentKind.EDIT)
    assert comment.body.startswith(
        "Order edited by finance: +1 × Simple product 1 ($56.00), shipping $5.00 → $10.00; "
        "grand total $61.00 → $122.00."
    )
    assert "Reason: Customer asked for one more." in comment.body
    assert comment.author == user
    assert order.payment_status == PaymentStatus.PARTIALLY_AUTHORIZED
    assert figures_of(order).outstanding == 6100
    assert order.version > 1
    event = AuditEvent.objects.get(type=ORDER_EDIT)
    assert (event.order_number, event.user_label) == (order.number, "finance")
    assert event.details["reason"] == "Customer asked for one more."


def test_authorize_the_difference_takes_a_second_authorization_on_the_card_on_file():
    order, item, first = one_unit_order()
    user = editor()
    edit(order, user, quantities={item.pk: 2}, shipping=1000)

    result = order_authorize_difference(
        order=fresh(order), user=user, expected_version=fresh(order).version, idempotency_key=key()
    )

    assert result.ok, result.message
    second = Payment.objects.exclude(pk=first.pk).get(order=order)
    assert second.amount_authorized == 6100
    assert (second.card_brand, second.card_last4) == (first.card_brand, first.card_last4)
    order = fresh(order)
    assert order.payment_status == PaymentStatus.AUTHORIZED
    assert figures_of(order).outstanding == 0
    answer = order_operation_availability(
        user=user, order=order, operation=OrderOperation.AUTHORIZE_DIFFERENCE
    )
    assert not answer and "nothing is outstanding" in answer.reason


def test_authorize_the_difference_twice_with_one_form_authorizes_once():
    order, item, _first = one_unit_order()
    user = editor()
    edit(order, user, quantities={item.pk: 2})
    version, once = fresh(order).version, key()

    for _ in range(2):
        order_authorize_difference(
            order=fresh(order), user=user, expected_version=version, idempotency_key=once
        )

    assert Payment.objects.filter(order=order).count() == 2


def test_add_and_remove_lines():
    order, item, _payment = one_unit_order()
    user = editor()
    edit(order, user, added=(new_line(qty=2, tax=300, discount=100),))
    added = OrderItem.objects.get(order=order, sku="SP2")
    assert (added.qty_ordered, added.row_total, added.tax_amount) == (2, 4000, 300)
    order = fresh(order)
    assert (order.subtotal, order.tax_amount, order.discount_amount) == (9600, 300, 100)
    assert order.grand_total == 9600 + 500 + 300 - 100

    edit(order, user, removed=frozenset({item.pk}))

    assert not OrderItem.objects.filter(pk=item.pk).exists()
    assert fresh(order).grand_total == 4000 + 500 + 300 - 100
    assert "removed 1 × Simple product 1" in OrderEdit.objects.get(order=order, number=2).summary


def test_quantity_never_below_invoiced_and_invoiced_lines_stay():
    order, item = one_unit_order()[:2]
    user = editor()
    edit(order, user, quantities={item.pk: 3})
    invoice_create(
        order=fresh(order),
        user=user,
        quantities={item.pk: 2},
        capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    )

    with pytest.raises(DomainError) as below:
        edit(order, user, quantities={item.pk: 1})
    with pytest.raises(DomainError) as removed:
        edit(order, user, removed=frozenset({item.pk}))
    with pytest.raises(DomainError) as shipping:
        edit(order, user, shipping=0)

    assert below.value.field == f"qty_{item.pk}" and "from 2" in below.value.message
    assert removed.value.field == f"remove_{item.pk}"
    assert shipping.value.field == "shipping"
    assert OrderEdit.objects.filter(order=order).count() == 1
    edit(order, user, quantities={item.pk: 2})  # down to what is invoiced: fine
    assert fresh(order).grand_total == 2 * 5600 + 500


def test_row_tax_and_discount_follow_the_quantity_exactly():
    order, item, _payment = one_unit_order()
    OrderItem.objects.filter(pk=item.pk).update(qty_ordered=3, row_total=3 * 5600, tax_amount=100)
    Order.objects.filter(pk=order.pk).update(subtotal=3 * 5600, tax_amount=100, grand_total=17400)
    user = editor()

    edit(order, user, quantities={item.pk: 2})  # 33, 33, 34: the first two units keep 66
    assert OrderItem.objects.get(pk=item.pk).tax_amount == 66
    edit(order, user, quantities={item.pk: 4})  # + two units of 33
    assert OrderItem.objects.get(pk=item.pk).tax_amount == 132
    assert fresh(order).tax_amount == 132


def test_stale_form_and_double_submit():
    order, item, _payment = one_unit_order()
    user = editor()
    version = fresh(order).version
    once = key()
    first = order_edit(
        order=fresh(order),
        actor=user,
        changes=EditChanges(quantities={item.pk: 2}),
        reason="More",
        expected_version=version,
        idempotency_key=once,
    )
    again = order_edit(
        order=fresh(order),
        actor=user,
        changes=EditChanges(quantities={item.pk: 2}),
        reason="More",
        expected_version=version,
        idempotency_key=once,
    )
    assert again.pk == first.pk

    with pytest.raises(StaleOrder):
        order_edit(
            order=fresh(order),
            actor=user,
            changes=EditChanges(quantities={item.pk: 3}),
            reason="Even more",
            expected_version=version,
            idempotency_key=key(),
        )
    assert OrderItem.objects.get(pk=item.pk).qty_ordered == 2


def test_nothing_changed_is_refused():
    order, item, _payment = one_unit_order()
    with pytest.raises(DomainError, match="Nothing was changed"):
        edit(order, editor(), quantities={item.pk: 1})


def test_permission_and_state_guard_the_service():
    order, item, _payment = one_unit_order()
    with pytest.raises(OperationUnavailable) as denied:
        edit(order, editor("support", ["view_orders", "invoice_order"]), quantities={item.pk: 2})
    assert denied.value.is_permission
    assert "Edit orders" in denied.value.message

    Order.objects.filter(pk=order.pk).update(state=OrderState.HOLDED)
    with pytest.raises(OperationUnavailable, match="the order is on hold"):
        edit(order, editor(), quantities={item.pk: 2})


def test_edit_is_unavailable_once_everything_is_invoiced():
    order, item, _payment = one_unit_order()
    user = editor()
    invoice_create(
        order=fresh(order),
        user=user,
        quantities={item.pk: 1},
        capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    )

    answer = order_operation_availability(
        user=user, order=fresh(order), operation=OrderOperation.EDIT
    )

    assert not answer
    assert answer.reason == (
        "Edit is not available: every item is already invoiced. Use Credit Memo to give money back."
    )


def test_authorize_the_difference_is_unavailable_without_a_card_on_file():
    order, item, payment = one_unit_order()
    user = editor()
    edit(order, user, quantities={item.pk: 2})
    Payment.objects.filter(pk=payment.pk).update(gateway="oppwa")

    answer = order_operation_availability(
        user=user, order=fresh(order), operation=OrderOperation.AUTHORIZE_DIFFERENCE
    )

    assert not answer
    assert "the oppwa gateway can't charge the customer's saved payment method" in answer.reason
    assert "Use Mark as paid or a payment link." in answer.reason


def test_edit_down_to_what_is_invoiced_and_paid_completes_the_order():
    order, item, _payment = one_unit_order()
    user = editor()
    edit(order, user, quantities={item.pk: 2})
    invoice_create(
        order=fresh(order),
        user=user,
        quantities={item.pk: 1},
        capture_mode=CaptureMode.ONLINE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    )

    edit(order, user, quantities={item.pk: 1}, reason="The second unit is not needed.")

    order = fresh(order)
    assert order.state == OrderState.COMPLETE
    assert order.payment_status == PaymentStatus.CAPTURED
    assert figures_of(order).outstanding == 0

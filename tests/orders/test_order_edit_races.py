"""Two staff members editing one order at once, and an edit racing Authorize the difference
(PostgreSQL row locks)."""

import pytest

from orders.models import OrderEdit, OrderItem
from orders.order_edit_plan import EditChanges
from orders.services.order_documents import StaleOrder
from orders.services.order_edit import order_authorize_difference, order_edit
from payments.models import Payment
from tests.concurrency import run_concurrently
from tests.orders.edit_helpers import edit, editor, one_unit_order
from tests.orders.invoice_helpers import fresh, key

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_edits_of_one_form_version_at_once_apply_one():
    ann, bob = editor("ann"), editor("bob")
    order, item, _payment = one_unit_order()
    version = fresh(order).version

    def submit(who, qty):
        return lambda: order_edit(
            order=fresh(order),
            actor=who,
            changes=EditChanges(quantities={item.pk: qty}),
            reason=f"{who.username} edits",
            expected_version=version,
            idempotency_key=key(),
        )

    results = run_concurrently([submit(ann, 2), submit(bob, 3)])

    assert sorted(type(r).__name__ for r in results) == ["OrderEdit", "StaleOrder"]
    done = OrderEdit.objects.get(order=order)
    assert OrderItem.objects.get(pk=item.pk).qty_ordered == done.after["lines"][0]["qty"]


def test_two_authorize_the_difference_clicks_at_once_authorize_once():
    ann, bob = editor("ann"), editor("bob")
    order, item, _payment = one_unit_order()
    edit(order, ann, quantities={item.pk: 2})
    version = fresh(order).version

    def submit(who):
        return lambda: order_authorize_difference(
            order=fresh(order), user=who, expected_version=version, idempotency_key=key()
        )

    results = run_concurrently([submit(ann), submit(bob)])

    assert sum(1 for r in results if isinstance(r, StaleOrder)) == 1, results
    assert Payment.objects.filter(order=order).count() == 2
    assert sum(p.amount_authorized for p in Payment.objects.filter(order=order)) == 11700

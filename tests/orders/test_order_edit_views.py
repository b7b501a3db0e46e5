"""Order edits through the pages: Edit, live totals, Save changes, the order page's Outstanding
actions, and the guards (permission per store, foreign store, bad input, stale form)."""

import json

import pytest
from django.urls import reverse

from orders.models import OrderEdit, OrderItem
from payments.enums import TransactionType
from payments.figures import figures_of
from payments.models import Payment
from tests.factories import StoreFactory, reason_pk
from tests.orders.edit_helpers import edit, editor, one_unit_order
from tests.orders.invoice_helpers import fresh, key, order_with_items
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import captured_payment

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def url(order, name: str) -> str:
    return reverse(f"orders:{name}", kwargs={"number": order.number})


def form_data(order, item, **fields) -> dict:
    return {
        "version": fresh(order).version,
        "idempotency_key": key(),
        f"qty_{item.pk}": 2,
        "shipping": "10.00",
        "reason": "Customer asked for one more.",
        **fields,
    }


def test_edit_page_shows_lines_shipping_and_current_totals(client):
    order, item, _payment = one_unit_order()
    client.force_login(editor())

    page = client.get(url(order, "edit"))

    assert page.status_code == 200
    html = page.text
    assert f'name="qty_{item.pk}"' in html and "Simple product 1" in html
    assert 'value="5.00"' in html  # the shipping, as the user types amounts
    assert 'data-testid="edit-new-total">$61.00' in html
    assert "Save changes" in html


def test_live_totals_show_old_and_new_grand_total_and_the_difference(client):
    order, item, _payment = one_unit_order()
    client.force_login(editor())

    part = client.get(url(order, "edit_totals"), form_data(order, item, reason=""), headers=HTMX)

    assert part.status_code == 200
    assert 'data-testid="edit-old-total">$61.00' in part.text
    assert 'data-testid="edit-new-total">$122.00' in part.text
    assert 'data-testid="edit-difference" class="amount-due">+$61.00' in part.text


def test_save_changes_preview_then_save(client):
    order, item, _payment = one_unit_order()
    client.force_login(editor())

    preview = client.post(url(order, "edit"), {**form_data(order, item), "_confirm": "preview"})
    confirm = json.loads(preview.content)["confirm"]
    assert confirm["sentence"] == (
        f"Change the grand total of order #{order.number} from $61.00 to $122.00 (+$61.00): "
        "+1 × Simple product 1 ($56.00), shipping $5.00 → $10.00."
    )
    assert not OrderEdit.objects.exists()

    saved = client.post(url(order, "edit"), form_data(order, item))

    assert saved.status_code == 302
    assert fresh(order).grand_total == 12200
    page = client.get(order.get_absolute_url()).text
    assert f"Order #{order.number} edited (version 1)" in page
    assert 'data-testid="order-edits"' in page
    assert "Authorize the difference" in page and 'data-testid="outstanding-panel"' in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"new_sku": "SP2", "new_name": "Extra", "new_qty": "1", "new_price": "1e3"},
            "new_price",
            "Scientific notation",
        ),
        (
            {"new_sku": "SP2", "new_name": "Extra", "new_qty": "1", "new_price": "5.001"},
            "new_price",
            "decimal",
        ),
        ({"new_sku": "SP2", "new_qty": "1", "new_price": "5.00"}, "new_name", "Enter a name"),
        ({"shipping": "ten"}, "shipping", "not an amount"),
        ({"reason": "  "}, "reason", ""),
    ],
)
def test_bad_input_is_a_field_error_and_writes_nothing(client, fields, field, message):
    order, item, _payment = one_unit_order()
    client.force_login(editor())

    response = client.post(url(order, "edit"), form_data(order, item, **fields))

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert not OrderEdit.objects.exists() and fresh(order).grand_total == 6100


def test_quantity_below_invoiced_shows_next_to_the_line(client):
    order, item, _payment = one_unit_order()
    client.force_login(editor())

    response = client.post(url(order, "edit"), form_data(order, item, **{f"qty_{item.pk}": 0}))

    assert response.status_code == 422
    assert f"qty_{item.pk}" in response.context["form"].errors


def test_stale_form_warns_and_changes_nothing(client):
    order, item, _payment = one_unit_order()
    user = editor()
    client.force_login(user)
    data = form_data(order, item)
    edit(order, user, shipping=700)

    response = client.post(url(order, "edit"), data)

    assert response.status_code == 422
    assert "changed since" in response.text
    assert OrderItem.objects.get(pk=item.pk).qty_ordered == 1


def test_permission_is_checked_per_store_on_get_and_post(client):
    order, item, _payment = one_unit_order()
    eu = StoreFactory(code="eu", currency="EUR")
    client.force_login(staff_user("view_orders", "edit_order", store=eu))
    assert client.get(url(order, "edit")).status_code == 404  # not a store they can see

    client.force_login(staff_user("view_orders", store=order.store))
    assert client.get(url(order, "edit")).status_code == 403
    assert client.post(url(order, "edit"), form_data(order, item)).status_code == 403
    assert client.post(url(order, "authorize_difference"), {}).status_code == 403
    assert fresh(order).grand_total == 6100


def test_order_page_shows_edit_disabled_with_its_reason(client):
    order, _item, _payment = one_unit_order()
    client.force_login(staff_user("view_orders", store=order.store))

    page = client.get(order.get_absolute_url()).text

    assert "order-op--edit" in page
    assert "Requires the Edit orders permission for store US" in page


def test_authorize_the_difference_from_the_order_page(client):
    order, item, _payment = one_unit_order()
    user = editor()
    edit(order, user, quantities={item.pk: 2}, shipping=1000)
    client.force_login(user)
    data = {"version": fresh(order).version, "idempotency_key": key()}

    preview = client.post(url(order, "authorize_difference"), {**data, "_confirm": "preview"})
    sentence = json.loads(preview.content)["confirm"]["sentence"]
    # The card on file: the sandbox authorization carries no card details in tests.
    assert sentence == "Authorize $61.00 online on Sandbox (a new authorization)."

    done = client.post(url(order, "authorize_difference"), data, headers=HTMX)

    assert done.status_code == 200
    assert Payment.objects.filter(order=order).count() == 2
    assert "Partially authorized" not in done.text
    again = client.post(url(order, "authorize_difference"), data, headers=HTMX)  # double submit
    assert again.status_code == 200
    assert Payment.objects.filter(order=order).count() == 2


def test_refund_the_difference_refunds_a_capture_outside_any_credit_memo(client):
    order, item = order_with_items(qty=2)  # 2 × 56.00 + 10.00, captured in full
    payment = captured_payment(12200, order=order)
    capture = payment.transactions.get(type=TransactionType.CAPTURE)
    user = editor()
    client.force_login(user)
    edit(order, user, quantities={item.pk: 1}, reason="One was out of stock.")

    page = client.get(order.get_absolute_url()).text
    link = reverse("payments:transaction_refund", args=[capture.uuid]) + "?amount=5600"
    assert f'href="{link}">Refund the difference' in page

    form = client.get(link, headers=HTMX)
    assert form.status_code == 200 and 'value="56.00"' in form.text
    refund = {
        "amount": "56.00",
        "reason": reason_pk(order.store, "other"),
        "idempotency_key": key(),
        **dict.fromkeys(("usage", "merchant_reference", "memo"), ""),
    }
    assert client.post(link, refund, headers=HTMX).status_code == 200

    # A refund outside any memo: the edit already lowered the total, nothing is left to refund.
    assert figures_of(fresh(order)).outstanding == 0
    assert "Refund the difference" not in client.get(order.get_absolute_url()).text

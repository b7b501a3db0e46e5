"""GET /api/v1/orders/<number>/ after an order edit: its versions and the Outstanding amount."""

import pytest

from api.tokens import api_token_create
from tests.api.helpers import ORDERS, get
from tests.orders.edit_helpers import edit, editor, one_unit_order

pytestmark = pytest.mark.django_db


def test_the_api_shows_edits_and_the_outstanding_amount(client):
    order, item, _payment = one_unit_order()
    _row, token = api_token_create(store=order.store, name="storefront us")
    edit(order, editor(), quantities={item.pk: 2}, shipping=1000)

    body = get(client, token, f"{ORDERS}{order.number}/").json()

    assert body["amounts"]["outstanding"] == {"amount": "61.00", "minor": 6100, "currency": "USD"}
    assert body["payment_status"] == "partially_authorized"
    [version] = body["edits"]
    assert version["number"] == 1 and version["author"] == "finance"
    assert version["summary"] == "+1 × Simple product 1 ($56.00), shipping $5.00 → $10.00"
    assert version["grand_total_before"]["minor"] == 6100
    assert version["grand_total_after"]["minor"] == 12200
    assert version["reason"] == "Customer asked for one more."

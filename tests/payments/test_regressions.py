"""Regressions found by trying the product end to end (QA pass)."""

import pytest
from django.urls import reverse

from orders.enums import CaptureMode
from orders.services.invoicing import invoice_create
from orders.services.order_cancel import order_void
from payments.enums import TransactionType
from payments.models import Transaction
from tests.orders.invoice_helpers import finance, fresh, key, xpayments_order

pytestmark = pytest.mark.django_db
T = TransactionType


def test_invoice_captures_and_void_are_related_to_their_pre_authorization(client):
    """Transaction Details of a pre-authorization lists what an invoice captured and what Void
    released, as it does for captures made from the transaction page."""
    user = finance()
    order, item, (auth1, auth2) = xpayments_order()
    order = fresh(order)
    invoice_create(
        order=order,
        user=user,
        quantities={item.pk: 1},
        capture_mode=CaptureMode.ONLINE,
        expected_version=order.version,
        idempotency_key=key(),
    )
    order = fresh(order)
    order_void(order=order, user=user, expected_version=order.version, idempotency_key=key())

    pa1, pa2 = (Transaction.objects.get(payment=p, type=T.AUTHORIZATION) for p in (auth1, auth2))
    children = {
        pa.pk: sorted((r.type, r.amount) for r in Transaction.objects.filter(parent=pa))
        for pa in (pa1, pa2)
    }
    assert children == {
        pa1.pk: [(T.CAPTURE, 6100)],
        pa2.pk: [(T.CAPTURE, 500), (T.REVERSAL, 5600)],
    }
    client.force_login(user)
    html = client.get(reverse("payments:transaction_detail", args=[pa2.uuid])).content.decode()
    related = html[html.index("Related transactions") :]
    for row in Transaction.objects.filter(parent=pa2):
        assert str(row.uuid)[:8] in related

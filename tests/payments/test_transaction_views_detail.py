"""Transaction Details: summary, related transactions tree, gateway data, scoping."""

import pytest
from django.urls import reverse

from payments.enums import TransactionStatus, TransactionType
from tests.factories import StoreFactory
from tests.orders.view_helpers import staff_user
from tests.payments.transaction_pages_helpers import authorized_payment, make_txn

pytestmark = pytest.mark.django_db


def detail_url(txn) -> str:
    return reverse("payments:transaction_detail", args=[txn.uuid])


def test_summary_shows_what_staff_look_up(client, viewer):
    pa = authorized_payment(amount=6100)
    capture = make_txn(
        parent=pa,
        type=TransactionType.CAPTURE,
        amount=2500,
        merchant_reference="CAP-9",
        actor_label="Finn Ance (finance)",
        usage="SHOP*ORDER",
        memo="Partial shipment",
    )

    response = client.get(detail_url(capture))

    assert response.status_code == 200
    html = response.content.decode()
    summary = html[html.index('id="transaction-summary"') : html.index("</section>")]
    for expected in ["CAP-9", str(capture.uuid), "$25.00", "USD", "↓ In", "Capture", "Success"]:
        assert expected in summary
    assert "Online" in summary
    assert f"#{pa.order.number}" in html
    assert pa.order.customer_email in html
    assert "Finn Ance (finance)" in html and "Back office" in html
    assert "SHOP*ORDER" in html and "Partial shipment" in html


def test_related_transactions_show_the_whole_family_in_few_queries(
    client, viewer, django_assert_max_num_queries
):
    pa = authorized_payment(amount=6100)
    cp1 = make_txn(parent=pa, type=TransactionType.CAPTURE, amount=2000)
    cp2 = make_txn(parent=pa, type=TransactionType.CAPTURE, amount=1000)
    refund = make_txn(parent=cp1, type=TransactionType.REFUND, amount=500)
    other = authorized_payment()  # another order: not related

    with django_assert_max_num_queries(12):
        response = client.get(detail_url(refund))

    tree = response.context["tree"]
    assert tree.transaction == pa
    assert [(n.transaction, n.depth) for n in tree.walk()] == [
        (pa, 0),
        (cp1, 1),
        (refund, 2),
        (cp2, 1),
    ]
    html = response.content.decode()
    related = html[html.index('id="related-transactions"') :]
    assert 'aria-current="true"' in related
    assert str(other.uuid)[:8] not in related
    assert reverse("payments:transaction_detail", args=[cp2.uuid]) in related


def test_query_count_does_not_grow_with_the_family(client, viewer, django_assert_max_num_queries):
    pa = authorized_payment(amount=100000)
    make_txn(parent=pa, type=TransactionType.CAPTURE, amount=100)
    client.get(detail_url(pa))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(detail_url(pa))
    for _ in range(15):
        make_txn(parent=pa, type=TransactionType.CAPTURE, amount=100, recompute=False)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(detail_url(pa))


def test_raw_gateway_data_is_pretty_json_and_failures_show_the_error(client, viewer):
    pa = authorized_payment()
    failed = make_txn(
        parent=pa,
        type=TransactionType.CAPTURE,
        status=TransactionStatus.FAILED,
        amount=100,
        gateway_request={"amount": 100, "currency": "USD"},
        gateway_response={"status": "declined", "message": "Do not honor"},
        error="Declined: Do not honor",
    )
    html = client.get(detail_url(failed)).content.decode()
    assert '<pre class="code-block">{\n  &quot;amount&quot;: 100,' in html
    assert "Do not honor" in html
    assert "Declined: Do not honor" in html


def test_transaction_of_another_store_is_not_found(client):
    eu = StoreFactory(code="eu", currency="EUR")
    us_txn = authorized_payment(store=StoreFactory(code="us"))
    client.force_login(staff_user("view_orders", store=eu))
    assert client.get(detail_url(us_txn)).status_code == 404


def test_unknown_uuid_is_not_found(client, viewer):
    assert client.get("/transactions/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_order_page_transactions_tab_links_to_each_transaction(client, viewer):
    pa = authorized_payment(amount=6100)
    capture = make_txn(parent=pa, type=TransactionType.CAPTURE, amount=2500)

    html = client.get(reverse("orders:detail", args=[pa.order.number])).content.decode()

    for txn in (pa, capture):
        url = detail_url(txn)
        assert f'href="{url}"' in html
        assert client.get(url).status_code == 200
    back = client.get(detail_url(capture)).content.decode()
    assert f'href="{reverse("orders:detail", args=[pa.order.number])}#transactions"' in back

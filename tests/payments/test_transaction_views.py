"""The transaction list: scoping, search by each key, filters, keyset pages, query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payments.enums import TransactionStatus, TransactionType
from payments.filters import search_q
from payments.models import Transaction
from tests.factories import OrderFactory, PaymentFactory, StoreFactory
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import backdate
from tests.payments.transaction_pages_helpers import authorized_payment, make_txn

pytestmark = pytest.mark.django_db
LIST = reverse("payments:transaction_list")


def listed(response) -> list[str]:
    """UUIDs of the rows shown, in order."""
    return [t.uuid.hex for t in response.context["page"].rows]


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_non_staff_user_is_refused(client):
    user = staff_user("view_orders")
    user.is_staff = False
    user.save()
    client.force_login(user)
    assert client.get(LIST).status_code == 403


def test_list_shows_newest_first_with_the_columns_staff_need(client, viewer):
    older = authorized_payment(amount=6100)
    backdate(Transaction.objects.filter(pk=older.pk), timezone.now() - timedelta(hours=1))
    newer = make_txn(
        parent=older,
        type=TransactionType.CAPTURE,
        amount=2500,
        merchant_reference="CAP-42",
        is_online=True,
    )

    response = client.get(LIST)

    assert response.status_code == 200
    assert listed(response) == [newer.uuid.hex, older.uuid.hex]
    html = response.content.decode()
    assert newer.short_uuid in html
    assert reverse("payments:transaction_detail", args=[newer.uuid]) in html
    assert "$25.00" in html and "$61.00" in html
    assert "Capture" in html and "Pre-authorization" in html
    assert "CAP-42" in html
    assert f"#{older.order.number}" in html
    assert "↓ In" in html  # the capture brings money in


def test_transactions_of_other_stores_are_not_listed(client):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    mine = authorized_payment(store=eu)
    authorized_payment(store=us)
    user = staff_user("view_orders", store=eu)
    client.force_login(user)

    assert listed(client.get(LIST)) == [mine.uuid.hex]


def test_user_without_view_permission_sees_no_transactions(client):
    authorized_payment()
    client.force_login(staff_user())
    response = client.get(LIST)
    assert response.status_code == 200
    assert listed(response) == []
    assert "No transactions found" in response.content.decode()


# Search --------------------------------------------------------------------------------------


@pytest.fixture
def haystack():
    """Three authorizations in two orders plus a capture, each with distinct keys."""
    store = StoreFactory()
    a = authorized_payment(store=store, number="100000501", customer_email="Ann@Example.com")
    b = authorized_payment(store=store, amount=4999, number="100000502")
    capture = make_txn(
        parent=a, type=TransactionType.CAPTURE, amount=1234, merchant_reference="MY-REF-7"
    )
    c = authorized_payment(store=store, amount=7000, number="100000503")
    Transaction.objects.filter(pk=c.pk).update(gateway_reference="psp-special-1")
    return {"a": a, "b": b, "capture": capture, "c": c}


def search(client, q: str, **filters) -> set[str]:
    response = client.get(LIST, {"q": q, **filters})
    assert response.status_code == 200
    return set(listed(response))


def test_search_by_full_uuid(client, viewer, haystack):
    assert search(client, str(haystack["b"].uuid)) == {haystack["b"].uuid.hex}
    assert search(client, str(haystack["b"].uuid).upper()) == {haystack["b"].uuid.hex}


def test_search_by_short_uuid_prefix(client, viewer, haystack):
    assert haystack["capture"].uuid.hex in search(client, haystack["capture"].short_uuid)


def test_short_prefixes_below_eight_characters_are_not_taken_for_uuids(client, viewer, haystack):
    assert search(client, haystack["a"].short_uuid[:6]) == set()


def test_search_by_gateway_reference(client, viewer, haystack):
    assert search(client, "psp-special-1") == {haystack["c"].uuid.hex}


def test_search_by_merchant_transaction_id(client, viewer, haystack):
    assert search(client, "MY-REF-7") == {haystack["capture"].uuid.hex}


def test_search_by_merchant_transaction_id_ignores_case(client, viewer, haystack):
    expected = {haystack["capture"].uuid.hex}
    assert search(client, "my-ref-7") == expected
    assert search(client, " My-Ref-7 ") == expected


@pytest.mark.postgres
def test_transaction_id_search_is_served_by_its_upper_index(haystack):
    query = Transaction.objects.filter(
        search_q(text="my-ref-7", readings=[("USD", "en_US")], order_ids=[])
    ).only("pk")
    with connection.cursor() as cursor:
        # Whatever the table's statistics (a few rows here, or an earlier test's ANALYZE): no
        # sequential scan and no walk of another index filtering every row, so the plan shows
        # whether the OR's arms are served by their own indexes (a bitmap OR).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "txn_merchant_ref_upper_idx" in plan


def test_search_by_order_number(client, viewer, haystack):
    assert search(client, "100000501") == {haystack["a"].uuid.hex, haystack["capture"].uuid.hex}


def test_search_by_customer_email_ignores_case(client, viewer, haystack):
    expected = {haystack["a"].uuid.hex, haystack["capture"].uuid.hex}
    assert search(client, "ann@example.com") == expected
    assert search(client, " ANN@EXAMPLE.COM ") == expected


def test_search_by_exact_amount(client, viewer, haystack):
    assert search(client, "49.99") == {haystack["b"].uuid.hex}
    assert search(client, "12.34") == {haystack["capture"].uuid.hex}
    assert search(client, "$70") == {haystack["c"].uuid.hex}
    assert search(client, "70.001") == set()


def test_amount_search_uses_each_currency_digits(client, viewer):
    us = authorized_payment(amount=500, store=StoreFactory(code="us"))
    jp = authorized_payment(amount=500, store=StoreFactory(code="jp", currency="JPY"))
    assert search(client, "500") == {jp.uuid.hex}  # ¥500, not $500.00
    assert search(client, "5.00") == {us.uuid.hex}
    assert search(client, "5", store="us") == {us.uuid.hex}


def test_search_does_not_reach_into_other_stores(client, haystack):
    eu = StoreFactory(code="eu", currency="EUR")
    client.force_login(staff_user("view_orders", store=eu))
    assert search(client, "100000501") == set()
    assert search(client, str(haystack["a"].uuid)) == set()


# Filters -------------------------------------------------------------------------------------


def test_filters_by_type_status_store_currency_and_online(client, viewer):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    pa = authorized_payment(store=us)
    failed = make_txn(parent=pa, type=TransactionType.CAPTURE, status=TransactionStatus.FAILED)
    offline = make_txn(parent=pa, type=TransactionType.CAPTURE, amount=100, is_online=False)
    euro = authorized_payment(store=eu)

    assert set(listed(client.get(LIST, {"type": "CP"}))) == {failed.uuid.hex, offline.uuid.hex}
    assert listed(client.get(LIST, {"status": "failed"})) == [failed.uuid.hex]
    assert listed(client.get(LIST, {"store": "eu"})) == [euro.uuid.hex]
    assert listed(client.get(LIST, {"currency": "EUR"})) == [euro.uuid.hex]
    assert listed(client.get(LIST, {"online": "offline"})) == [offline.uuid.hex]
    assert offline.uuid.hex not in listed(client.get(LIST, {"online": "online"}))


def test_date_range_includes_the_whole_last_day(client, viewer):
    old = authorized_payment()
    new = authorized_payment()
    day = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    backdate(Transaction.objects.filter(pk=old.pk), day - timedelta(days=3))
    backdate(Transaction.objects.filter(pk=new.pk), day.replace(hour=23, minute=59))

    to_day = day.date().isoformat()
    from_day = (day - timedelta(days=1)).date().isoformat()
    assert listed(client.get(LIST, {"date_from": from_day, "date_to": to_day})) == [new.uuid.hex]
    assert listed(client.get(LIST, {"date_to": from_day})) == [old.uuid.hex]


def test_unknown_filter_values_show_an_error_not_a_crash(client, viewer):
    authorized_payment()
    response = client.get(LIST, {"type": "ZZ", "store": "nope", "date_from": "yesterday"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_htmx_filter_request_returns_only_the_results(client, viewer):
    authorized_payment()
    response = client.get(LIST, {"status": "success"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="transaction-results"' in html
    assert "<html" not in html and 'role="search"' not in html


# Pages and queries --------------------------------------------------------------------------


def test_keyset_pages_walk_every_row_once_in_both_directions(client, viewer, monkeypatch):
    monkeypatch.setattr("payments.views.listing.PER_PAGE", 2)
    pa = authorized_payment()
    rows = [pa] + [make_txn(parent=pa, type="CP", amount=100, recompute=False) for _ in range(4)]
    # Two rows share a timestamp: the id breaks the tie so none is skipped or repeated.
    same = timezone.now()
    backdate(Transaction.objects.filter(pk__in=[rows[1].pk, rows[2].pk]), same)
    expected = [t.uuid.hex for t in Transaction.objects.order_by("-created_at", "-id")]

    seen, cursors, page = [], [], client.get(LIST).context["page"]
    while True:
        seen += [t.uuid.hex for t in page.rows]
        if not page.next_cursor:
            break
        cursors.append(page.next_cursor)
        page = client.get(LIST, {"after": page.next_cursor}).context["page"]
    assert seen == expected

    back = client.get(LIST, {"before": page.previous_cursor}).context["page"]
    assert [t.uuid.hex for t in back.rows] == expected[2:4]
    first = client.get(LIST, {"before": back.previous_cursor}).context["page"]
    assert [t.uuid.hex for t in first.rows] == expected[:2]
    assert first.previous_cursor is None


def test_list_never_counts_rows(client, viewer):
    authorized_payment()
    with CaptureQueriesContext(connection) as queries:
        client.get(LIST, {"q": "ann@example.com"})
        client.get(LIST)
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


def test_query_count_does_not_grow_with_rows(client, viewer, django_assert_max_num_queries):
    store = StoreFactory()
    authorized_payment(store=store)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"q": "61.00"})

    for _ in range(20):
        order = OrderFactory(store=store)
        make_txn(payment=PaymentFactory(order=order), recompute=False)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"q": "61.00"})
    assert len(response.context["page"].rows) == 21


def test_page_links_keep_filters(client, viewer, monkeypatch):
    monkeypatch.setattr("payments.views.listing.PER_PAGE", 1)
    authorized_payment()
    authorized_payment()
    html = client.get(LIST, {"status": "success"}).content.decode()
    assert "status=success&amp;after=" in html


def test_dates_are_the_chosen_stores_days(client, viewer):
    """16:30 UTC on the 2nd is 01:30 on the 3rd in Tokyo: the Tokyo store's 3rd."""
    jp = StoreFactory(code="jp", currency="JPY", timezone="Asia/Tokyo")
    txn = authorized_payment(store=jp, amount=500)
    utc = timezone.now().replace(year=2026, month=3, day=2, hour=16, minute=30)
    backdate(Transaction.objects.filter(pk=txn.pk), utc)

    the_2nd = {"date_from": "2026-03-02", "date_to": "2026-03-02"}
    the_3rd = {"date_from": "2026-03-03", "date_to": "2026-03-03"}
    assert listed(client.get(LIST, {**the_3rd, "store": "jp"})) == [txn.uuid.hex]
    assert listed(client.get(LIST, {**the_2nd, "store": "jp"})) == []
    assert listed(client.get(LIST, the_2nd)) == [txn.uuid.hex]  # no store: the site's days (UTC)

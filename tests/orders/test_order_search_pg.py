"""On PostgreSQL, every arm of the order search is answered from an index at any size: names
and e-mails by the trigram indexes of orders.0007, a term shorter than a trigram by the
pattern-ops indexes of orders.0018 (without them a two-letter search read every order: 0.9 s
at a million)."""

import pytest
from django.db import connection, transaction

from orders.filters import customer_q, order_search
from orders.models import Order
from tests.factories import OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # A few rows: the planner would read them all. Without sequential or plain index scans
        # (a walk of the placed_at index to skip the sort) only a bitmap of the arms' indexes
        # is left, and only if every arm has one.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("term", "indexes"),
    [
        ("zo", ("order_name_upper_prefix", "order_email_upper_prefix")),
        ("Z", ("order_name_upper_prefix", "order_email_upper_prefix")),
        ("zoe", ("order_name_trgm", "order_email_trgm")),
    ],
)
def test_a_name_or_email_search_is_answered_by_indexes(term, indexes):
    OrderFactory(customer_name="Zoe Adams", customer_email="zoe@example.com")

    for found in (order_search(Order.objects.all(), term), Order.objects.filter(customer_q(term))):
        shown = plan(found)
        assert all(index in shown for index in indexes), shown
        assert "Seq Scan on orders_order" not in shown, shown


def test_new_orders_wait_in_a_small_pending_list_of_the_trigram_indexes():
    """orders.0021: every search reads a GIN index's whole pending list; at the default 4 MB
    it held thousands of orders (4-7 ms of every name or e-mail search at a million). With the
    64 kB limit, 2,000 new orders leave at most 8 pages of it behind."""
    store = OrderFactory().store
    names = [
        f"Ann {chr(97 + n // 260 % 26)}{chr(97 + n // 26 % 10)}{chr(97 + n % 26)}x"
        for n in range(2000)
    ]
    Order.objects.bulk_create(OrderFactory.build(store=store, customer_name=name) for name in names)

    with connection.cursor() as cursor:
        for index in ("order_email_trgm", "order_name_trgm"):
            # Merges the list into the index and answers how many pages it held.
            cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            assert cursor.fetchone()[0] <= 8, index

    assert order_search(Order.objects.all(), names[-1]).get().customer_name == names[-1]


def test_the_app_starts_no_parallel_workers():
    """backoffice.settings: a page's query is done before parallel workers would have started
    (5-8 ms: the orders open to capture at a million took 8 ms with them, 0.7 ms alone).
    Even with parallel plans made free, the app's connection plans none."""
    OrderFactory()
    with transaction.atomic(), connection.cursor() as cursor:
        for free in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
            cursor.execute(f"SET LOCAL {free} = 0")
        cursor.execute("EXPLAIN SELECT count(*) FROM orders_order")
        shown = "\n".join(row[0] for row in cursor.fetchall())
    assert "Gather" not in shown, shown

"""The search box's arms (issue 21): a term of digits is an order number or a reference; names
and e-mails are searched only for terms that can be part of them, and a term shorter than a
trigram only at their start (test_order_search_pg.py: an index answers it)."""

import pytest

from orders.filters import customer_q, order_search
from orders.models import Order
from tests.factories import OrderFactory
from tests.payments.money_helpers import authorized_payment

pytestmark = pytest.mark.django_db


def found(text: str) -> list[str]:
    return sorted(order_search(Order.objects.all(), text).values_list("number", flat=True))


def test_digits_find_numbers_by_their_start_not_emails_containing_them():
    OrderFactory(number="100000110", customer_email="ann.lee@example.com")
    OrderFactory(number="200000001", customer_email="bob1000@example.com", customer_name="Bob")

    assert found("1000") == ["100000110"]
    assert found("#100000110") == ["100000110"]


def test_letters_still_find_names_and_emails():
    OrderFactory(number="100000110", customer_email="ann.lee@example.com", customer_name="Ann Lee")
    OrderFactory(number="200000001", customer_email="bob1000@example.com", customer_name="Bob")

    assert found("lee") == ["100000110"]
    assert found("bob1000") == ["200000001"]
    assert found("bob1000@example.com") == ["200000001"]


def test_a_reference_like_term_does_not_search_names_but_still_finds_the_reference():
    order = OrderFactory(number="100000110", customer_name="Psp C2e Buyer")
    payment = authorized_payment(6100, order=order)

    assert found(payment.gateway_reference) == ["100000110"]
    assert found("c2e") == []  # with a digit: no name arm
    assert found("psp c") == ["100000110"]  # letters only: the name arm


def test_a_term_shorter_than_a_trigram_finds_names_and_emails_by_their_start():
    OrderFactory(number="100000001", customer_name="Zoe Adams", customer_email="zoe@example.com")
    OrderFactory(number="100000002", customer_name="Anna Zorn", customer_email="anna@example.com")
    OrderFactory(number="100000003", customer_name="Bo Li", customer_email="li.bo@example.com")

    assert found("zo") == ["100000001"]  # not "Anna Zorn": inside a name takes 3 characters
    assert found("ZO") == ["100000001"]
    assert found("li") == ["100000003"]  # the e-mail's start
    assert found("a") == ["100000002"]
    assert found("zor") == ["100000002"]  # three: anywhere in the name
    assert found("12") == []  # digits: an order number's start only


def test_the_customer_filter_matches_a_short_term_from_the_start_too():
    OrderFactory(number="100000001", customer_name="Zoe Adams", customer_email="zoe@example.com")
    OrderFactory(number="100000002", customer_name="Anna Zorn", customer_email="anna@example.com")

    def customers(text: str) -> list[str]:
        orders = Order.objects.filter(customer_q(text))
        return sorted(orders.values_list("number", flat=True))

    assert customers("zo") == ["100000001"]
    assert customers("zor") == ["100000002"]

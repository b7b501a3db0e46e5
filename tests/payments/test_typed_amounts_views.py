"""Typed amounts in Transaction Details' dialogs and in the transaction search, read in the
user's locale or the store's (backoffice.money.parse_amount)."""

import pytest
from django.urls import reverse

from backoffice.models import StaffProfile
from payments.enums import TransactionType
from payments.models import Transaction
from tests.factories import OrderFactory, StoreFactory
from tests.payments.money_helpers import authorized_payment, staff
from tests.payments.test_transaction_views_operations import (
    authorization,
    field_errors,
    open_dialog,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):
    user = staff("finance")
    client.force_login(user)
    return user


def us_authorization(amount: int = 6100) -> Transaction:
    StoreFactory(code="us", currency="USD", locale="en_US")
    return authorization(authorized_payment(amount))


def eu_authorization(amount: int = 123450) -> Transaction:
    eu = StoreFactory(code="eu", currency="EUR", locale="de_DE")
    order = OrderFactory(store=eu, subtotal=amount, shipping_amount=0)
    return authorization(authorized_payment(amount, order=order))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("10,5", "This is not an amount. Use 10.50."),
        ("10,50", "This is not an amount. Use 10.50."),
        ("1e2", "Scientific notation is not accepted. Use 10.50."),
        ("1" + "0" * 20, "The amount is too large: the most is $9,999,999,999.99."),
        ("١٢", "Type the digits 0-9. Use 10.50."),
    ],
)
def test_a_usd_capture_refuses_what_en_us_cannot_read(client, finance, amount, message):
    pa = us_authorization()

    response = submit(client, "capture", pa, amount=amount)

    assert response.status_code == 422
    assert field_errors(response, "amount") == [message]
    html = response.content.decode()
    assert 'class="field has-error"' in html and message in html
    assert not Transaction.objects.filter(parent=pa).exists()


def test_the_capture_dialog_proposes_and_reads_the_store_locale(client, finance):
    pa = eu_authorization()

    html, key = open_dialog(client, "capture", pa)

    assert 'name="amount" value="1.234,50"' in html
    assert '<span class="amount-preview__value">= €1,234.50</span>' in html
    response = submit(client, "capture", pa, key=key, amount="1,50")
    assert response.status_code == 200
    capture = Transaction.objects.get(parent=pa, type=TransactionType.CAPTURE)
    assert (capture.amount, capture.currency) == (150, "EUR")
    assert "€1.50" in response.content.decode()


def test_the_users_locale_reads_the_dialog(client, finance):
    StaffProfile.objects.create(user=finance, locale="en_US")
    pa = eu_authorization()

    html, _key = open_dialog(client, "capture", pa)

    assert 'name="amount" value="1,234.50"' in html
    assert field_errors(submit(client, "capture", pa, amount="1,50"), "amount") == [
        "This is not an amount. Use 10.50."
    ]


def search(client, text: str) -> set[str]:
    response = client.get(reverse("payments:transaction_list"), {"q": text})
    return {t.uuid.hex for t in response.context["page"].rows}


def test_the_search_reads_an_amount_in_each_stores_locale(client, finance):
    us = us_authorization(1234)
    eu = eu_authorization(1250)

    assert search(client, "12,50") == {eu.uuid.hex}  # de_DE: 12.50; en_US: not an amount
    assert search(client, "12.34") == {us.uuid.hex}
    assert search(client, "1e2") == set()
    StaffProfile.objects.create(user=finance, locale="en_US")
    assert search(client, "12,50") == set()

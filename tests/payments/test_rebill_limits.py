"""Issue 15: Rebill has an upper bound — the original debit, or the store's limit if lower.

KWD 9,000,000,000,000,000 was once charged; a larger amount gave a 500.
"""

import pytest

from payments.enums import TransactionType
from payments.models import Transaction
from tests.factories import OrderFactory, StoreFactory
from tests.payments.money_helpers import authorized_payment, staff
from tests.payments.test_transaction_views_operations import field_errors, open_dialog, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):
    user = staff("finance")
    client.force_login(user)
    return user


def rebills() -> int:
    return Transaction.objects.filter(type=TransactionType.REBILL).count()


def test_a_rebill_above_the_original_debit_is_a_field_error(client, finance):
    debit = authorized_payment(6100, sale=True).transactions.get()

    response = submit(client, "rebill", debit, amount="61.01")

    assert response.status_code == 422
    assert field_errors(response, "amount") == ["The maximum is $61.00."]
    assert rebills() == 0


def test_a_rebill_of_a_rebill_is_bounded_by_the_original_debit(client, finance):
    debit = authorized_payment(6100, sale=True).transactions.get()
    assert submit(client, "rebill", debit, amount="20.00").status_code == 200
    rebill = Transaction.objects.get(parent=debit)

    html, _ = open_dialog(client, "rebill", rebill)
    assert "Maximum: $61.00" in html
    response = submit(client, "rebill", rebill, amount="70.00")
    assert field_errors(response, "amount") == ["The maximum is $61.00."]
    assert rebills() == 1


def test_the_store_limit_applies_when_lower(client, finance):
    debit = authorized_payment(6100, sale=True).transactions.get()
    store = debit.store
    store.rebill_limit = 5000
    store.save(update_fields=["rebill_limit"])

    response = submit(client, "rebill", debit, amount="50.01")
    assert field_errors(response, "amount") == ["The maximum is $50.00."]
    assert submit(client, "rebill", debit, amount="50.00").status_code == 200
    assert rebills() == 1


@pytest.mark.parametrize("typed", ["9000000000000000.000", "9" * 40, "1e30"])
def test_an_absurd_amount_in_kwd_is_a_field_error_never_a_500(client, finance, typed):
    store = StoreFactory(code="kw", currency="KWD", timezone="Asia/Kuwait")
    payment = authorized_payment(6100, sale=True, order=OrderFactory(store=store, currency="KWD"))
    debit = payment.transactions.get()

    response = submit(client, "rebill", debit, amount=typed)

    assert response.status_code == 422
    assert field_errors(response, "amount")
    assert rebills() == 0

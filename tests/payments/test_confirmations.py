"""Transaction Details' money moves confirm the money the server read, before anything moves.

A dialog's POST with `_confirm=preview` runs the same guard and validation as the real POST and
answers the sentence the browser shows ("Capture $10.50 online from Visa ····4242
(authorization …)."); invalid input is answered exactly as the real POST answers it; a preview
never writes anything and never uses up the form's idempotency key.
"""

import pytest
from django.urls import reverse

from payments.enums import TransactionType
from payments.models import Payment, Transaction
from payments.services import payment_authorize, payment_capture, payment_chargeback
from tests.backoffice.roles_helpers import captured, eu_store, role_user, snapshot
from tests.factories import OrderFactory, StoreFactory
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import (
    authorized_payment,
    key,
    refreshed,
    sandbox_account,
    staff,
)

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
T = TransactionType


def op_url(name: str, txn: Transaction) -> str:
    return reverse(f"payments:transaction_{name}", args=[txn.uuid])


def reason_of(txn: Transaction) -> dict[str, str]:
    """A reason code of the store, for the refund and chargeback forms that ask one."""
    from payments.models import ReasonCode

    pk = ReasonCode.objects.filter(store_id=txn.store_id).values_list("pk", flat=True).first()
    return {"reason": str(pk)} if pk else {}


def post(client, name: str, txn: Transaction, amount: str, *, preview: bool = True, **fields):
    data = {
        "amount": amount,
        "usage": "",
        "merchant_reference": "",
        "memo": "",
        "idempotency_key": key().replace("-", ""),
        **reason_of(txn),
        **fields,
    }
    if preview:
        data["_confirm"] = "preview"
    return client.post(op_url(name, txn), data, headers=HX)


def confirmation(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()["confirm"]


def card_payment(amount: int, *, store=None, brand="visa", last4="4242") -> Payment:
    """An order whose `amount` was authorized on a card through the sandbox."""
    order = OrderFactory(store=store or StoreFactory(), subtotal=amount, shipping_amount=0)
    sandbox_account(order.store)
    result = payment_authorize(
        order=order,
        amount=amount,
        actor=None,
        idempotency_key=key(),
        source="batch",
        card_brand=brand,
        card_last4=last4,
    )
    assert result.ok, result.message
    return refreshed(Payment.objects.get(pk=result.transaction.payment_id))


def authorization(payment: Payment) -> Transaction:
    return payment.transactions.get(type=T.AUTHORIZATION)


def capture(payment: Payment, amount: int) -> Transaction:
    result = payment_capture(
        payment=payment,
        amount=amount,
        online=True,
        actor=None,
        idempotency_key=key(),
        source="batch",
    )
    assert result.ok, result.message
    return result.transaction


@pytest.fixture
def finance(client):
    user = staff("finance")
    client.force_login(user)
    return user


# The sentences --------------------------------------------------------------------------------


def test_capture_names_the_amount_the_card_and_the_authorization(client, finance):
    pa = authorization(card_payment(6100))
    before = snapshot()

    answer = confirmation(post(client, "capture", pa, "10.50"))

    reference = pa.gateway_reference
    assert answer == {
        "title": "Capture",
        "sentence": f"Capture $10.50 online from Visa ····4242 (authorization {reference}).",
        "consequence": "The gateway takes the money from the customer now; only a refund gives "
        "it back.",
        "ok_label": "Capture",
        "danger": False,
        "awaits_approval": False,
    }
    assert snapshot() == before


def test_without_a_card_the_payment_method_is_named(client, finance):
    pa = authorization(authorized_payment(6100))
    answer = confirmation(post(client, "capture", pa, "61"))
    assert answer["sentence"] == (
        f"Capture $61.00 online from Sandbox (authorization {pa.gateway_reference})."
    )


def test_a_german_store_reads_1_comma_50_as_one_euro_fifty(client, finance):
    eu = StoreFactory(code="eu", currency="EUR", locale="de_DE")
    pa = authorization(card_payment(12345, store=eu, brand="mastercard", last4="5454"))
    answer = confirmation(post(client, "capture", pa, "1,50"))
    assert answer["sentence"].startswith("Capture €1.50 online from Mastercard ····5454")


def test_reversal_releases_the_authorization_in_the_danger_colour(client, finance):
    pa = authorization(card_payment(6100))
    answer = confirmation(post(client, "reversal", pa, "61.00"))
    assert answer["sentence"] == (
        f"Release $61.00 of the authorization {pa.gateway_reference} (Visa ····4242)."
    )
    assert (answer["ok_label"], answer["danger"]) == ("Reversal", True)
    assert answer["consequence"].endswith("this can't be undone.")


def test_refund_online_and_offline(client, finance):
    payment = card_payment(6100, brand="mastercard", last4="5454")
    cp = capture(payment, 6100)
    online = confirmation(post(client, "refund", cp, "25"))
    offline = confirmation(post(client, "refund_offline", cp, "25"))
    assert online["sentence"] == "Refund $25.00 online to Mastercard ····5454."
    assert online["consequence"] == (
        "The gateway sends the money back to the customer; this can't be undone."
    )
    assert offline["sentence"] == "Refund $25.00 offline (money paid back outside the gateway)."
    assert (online["ok_label"], offline["ok_label"]) == ("Refund", "Refund Offline")


def test_chargeback_its_reversal_and_rebill(client, finance):
    cp = capture(card_payment(6100), 6100)
    chargeback = confirmation(post(client, "chargeback", cp, "20"))
    assert cp.gateway_reference  # the sandbox's reference of the capture
    assert chargeback["sentence"] == (
        f"Record a chargeback of $20.00 on Visa ····4242 (capture {cp.gateway_reference})."
    )
    cb = payment_chargeback(
        payment=cp.payment,
        parent=cp,
        amount=2000,
        actor=None,
        idempotency_key=key(),
        source="batch",
    ).transaction
    reversal = confirmation(post(client, "chargeback_reversal", cb, "20"))
    assert reversal["sentence"].startswith(
        "Record a chargeback reversal of $20.00 on Visa ····4242"
    )

    debit = authorized_payment(5000, sale=True).transactions.get(type=T.DEBIT)
    rebill = confirmation(post(client, "rebill", debit, "12.34"))
    assert rebill["sentence"] == "Charge $12.34 again to Sandbox."
    assert rebill["ok_label"] == "Rebill"


# Four-eyes ------------------------------------------------------------------------------------


def test_a_refund_above_the_threshold_says_it_will_wait_for_approval(client):
    cp = captured(100000, store=eu_store(threshold=50000)).transactions.get(type=T.CAPTURE)
    client.force_login(role_user("finance"))
    before = snapshot()

    answer = confirmation(post(client, "refund", cp, "600"))

    assert answer["sentence"] == (
        "Request approval of a €600.00 refund: above the store's €500.00 threshold."
    )
    assert (answer["ok_label"], answer["awaits_approval"]) == ("Request approval", True)
    assert "can't be undone" not in answer["consequence"]
    assert snapshot() == before  # no approval request yet: only the real POST asks


def test_below_the_threshold_the_refund_runs_at_once_and_a_manager_asks_too_above_it(client):
    cp = captured(100000, store=eu_store(threshold=50000)).transactions.get(type=T.CAPTURE)
    client.force_login(role_user("finance"))
    assert confirmation(post(client, "refund", cp, "500"))["sentence"] == (
        "Refund €500.00 online to Sandbox."
    )
    client.force_login(role_user("manager"))  # holds "approve refund": nobody is exempt
    assert confirmation(post(client, "refund", cp, "600"))["sentence"] == (
        "Request approval of a €600.00 refund: above the store's €500.00 threshold."
    )


# What a preview refuses, it refuses as the real POST does ------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [("10,5", "This is not an amount. Use 10.50."), ("70.00", "The maximum is $61.00.")],
)
def test_bad_amounts_are_answered_as_the_real_post_answers_them(client, finance, amount, message):
    pa = authorization(card_payment(6100))
    before = snapshot()

    previewed = post(client, "capture", pa, amount)
    real = post(client, "capture", pa, amount, preview=False)

    assert previewed.status_code == real.status_code == 422
    assert previewed.context["form"].errors["amount"] == [message]
    assert real.context["form"].errors == previewed.context["form"].errors
    assert snapshot() == before


def test_a_damaged_form_is_refused_in_the_preview_too(client, finance):
    pa = authorization(card_payment(6100))
    response = post(client, "capture", pa, "10", idempotency_key="not-a-key")
    assert response.status_code == 422
    assert response.context["form"].errors["idempotency_key"]


def test_without_the_permission_the_preview_is_forbidden(client):
    pa = authorization(card_payment(6100))
    client.force_login(staff("viewer", ["view_orders"]))
    before = snapshot()
    assert post(client, "capture", pa, "10").status_code == 403
    assert snapshot() == before


def test_another_stores_transaction_is_not_found(client):
    pa = authorization(card_payment(6100))
    other = StoreFactory(code="jp", currency="JPY")
    client.force_login(staff_user("view_orders", "capture_online", store=other))
    assert post(client, "capture", pa, "10").status_code == 404


def test_an_operation_no_longer_available_answers_as_the_real_post(client, finance):
    pa = authorization(card_payment(6100))
    capture(pa.payment, 6100)  # nothing is left to capture
    previewed = post(client, "capture", pa, "10")
    real = post(client, "capture", pa, "10", preview=False)
    assert previewed.status_code == real.status_code == 422
    assert not Transaction.objects.filter(parent=pa, amount=1000).exists()


# The key ---------------------------------------------------------------------------------------


def test_the_preview_leaves_the_key_for_the_real_post(client, finance):
    pa = authorization(card_payment(6100))
    form_key = key().replace("-", "")
    confirmation(post(client, "capture", pa, "10.50", idempotency_key=form_key))
    response = post(client, "capture", pa, "10.50", preview=False, idempotency_key=form_key)
    assert response.status_code == 200
    assert Transaction.objects.get(parent=pa, type=T.CAPTURE).amount == 1050
    # The same form again has nothing to confirm: the real request answers what it did then.
    again = post(client, "capture", pa, "10.50", idempotency_key=form_key)
    assert again.json() == {"confirm": None}

"""Operations of Transaction Details through their dialogs, with the real services and sandbox."""

import re

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from orders.enums import OrderState
from orders.models import Order
from payments.enums import TransactionStatus, TransactionType
from payments.models import Payment, Transaction
from tests.factories import OrderFactory, StoreFactory, reason_pk
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import authorized_payment, captured_payment, key, staff

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def op_url(name: str, txn: Transaction) -> str:
    return reverse(f"payments:transaction_{name}", args=[txn.uuid])


def authorization(payment: Payment) -> Transaction:
    return payment.transactions.get(type=TransactionType.AUTHORIZATION)


def open_dialog(client, name: str, txn: Transaction) -> tuple[str, str]:
    """GET the dialog as htmx does; returns its HTML and its idempotency key."""
    response = client.get(op_url(name, txn), headers=HX)
    assert response.status_code == 200, response.content
    html = response.content.decode()
    return html, re.search(r'name="idempotency_key" value="(\w+)"', html).group(1)


# The operations whose form requires a Reason, and the default code each test chooses.
REASONS = {
    "refund": "returned",
    "refund_offline": "returned",
    "chargeback": "fraud",
    "chargeback_reversal": "fraud",
}


def submit(client, name: str, txn: Transaction, key: str | None = None, **fields):
    if key is None:
        key = open_dialog(client, name, txn)[1]
    data = {"amount": "", "usage": "", "merchant_reference": "", "memo": "", **fields}
    if name in REASONS:
        data.setdefault("reason", reason_pk(txn.store_id, REASONS[name]))
    return client.post(op_url(name, txn), {**data, "idempotency_key": key}, headers=HX)


def field_errors(response, field: str) -> list[str]:
    return response.context["form"].errors.get(field, [])


@pytest.fixture
def finance(client):
    user = staff("finance")
    client.force_login(user)
    return user


# Buttons -------------------------------------------------------------------------------------


def buttons(client, txn: Transaction) -> dict[str, object]:
    response = client.get(reverse("payments:transaction_detail", args=[txn.uuid]))
    return {b.label: b for b in response.context["operations"]}


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda: authorization(authorized_payment(6100)), ["Capture", "Reversal"]),
        (
            lambda: captured_payment(6100).transactions.get(type=TransactionType.CAPTURE),
            ["Refund", "Chargeback"],
        ),
        (
            lambda: authorized_payment(6100, sale=True).transactions.get(),
            ["Rebill", "Refund", "Chargeback"],
        ),
    ],
    ids=["pre-authorization", "capture", "debit"],
)
def test_each_type_offers_its_operations(client, finance, make, expected):
    assert list(buttons(client, make())) == expected


def test_a_refund_offers_no_operation(client, finance):
    payment = captured_payment(6100)
    capture = payment.transactions.get(type=TransactionType.CAPTURE)
    submit(client, "refund", capture, amount="10.00")
    refund = payment.transactions.get(type=TransactionType.REFUND)
    response = client.get(reverse("payments:transaction_detail", args=[refund.uuid]))
    assert response.context["operations"] == []
    assert "has no follow-up operations" in response.content.decode()


def test_without_permission_buttons_are_disabled_with_the_reason(client):
    pa = authorization(authorized_payment(6100))
    client.force_login(staff_user("view_orders", username="viewer"))
    shown = buttons(client, pa)
    assert not shown["Capture"].allowed
    assert "Requires the Capture online permission" in shown["Capture"].reason
    html = client.get(reverse("payments:transaction_detail", args=[pa.uuid])).content.decode()
    assert 'data-operation="capture" disabled' in html
    assert "Requires the Capture online permission" in html


def test_dialog_prefills_the_maximum_and_shows_it_beside_the_amount(client, finance):
    payment = authorized_payment(6100)
    html, key_ = open_dialog(client, "capture", authorization(payment))
    assert 'name="amount" value="61.00"' in html
    assert "Maximum: $61.00" in html
    for label in ["Amount", "Usage", "Transaction ID", "Memo", "Submit"]:
        assert label in html
    assert len(key_) == 32
    # Every opening is a new operation with its own key.
    assert open_dialog(client, "capture", authorization(payment))[1] != key_


# Capture through the dialog --------------------------------------------------------------------


def test_partial_capture_shows_the_new_uuid_and_transaction_id(client, finance):
    pa = authorization(authorized_payment(6100))

    response = submit(
        client, "capture", pa, amount="25.00", merchant_reference="CAP-77", usage="SHOP", memo="n"
    )

    assert response.status_code == 200
    capture = Transaction.objects.get(parent=pa, type=TransactionType.CAPTURE)
    assert (capture.amount, capture.status) == (2500, TransactionStatus.SUCCESS)
    assert (capture.merchant_reference, capture.usage, capture.memo) == ("CAP-77", "SHOP", "n")
    assert capture.actor == finance
    html = response.content.decode()
    assert "Capture succeeded" in html
    assert f'data-copy="{capture.uuid}"' in html
    assert 'data-copy="CAP-77"' in html
    assert reverse("payments:transaction_detail", args=[capture.uuid]) in html
    # The page's panels are refreshed out of band: the new capture is among the related ones.
    related = html[html.index('id="related-transactions"') :]
    assert 'hx-swap-oob="true"' in html[html.index('id="related-transactions"') - 200 :]
    assert str(capture.uuid) in related
    assert "up to $36.00" in html  # what is left to capture


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "The amount cannot be negative."),
        ("0", "Enter an amount greater than zero."),
        ("0.00", "Enter an amount greater than zero."),
        ("10.005", "USD allows at most 2 decimal places. Use 10.50."),
        ("61.01", "The maximum is $61.00."),
        ("ten", "This is not an amount. Use 10.50."),
        ("", "This field is required."),
    ],
)
def test_bad_amounts_are_refused_next_to_the_field(client, finance, amount, message):
    pa = authorization(authorized_payment(6100))
    response = submit(client, "capture", pa, amount=amount)
    assert response.status_code == 422
    assert field_errors(response, "amount") == [message]
    html = response.content.decode()
    assert 'class="field has-error"' in html and message.replace("'", "&#x27;") in html
    assert not Transaction.objects.filter(parent=pa).exists()


def test_amount_in_a_zero_decimal_currency(client, finance):
    jp = StoreFactory(code="jp", currency="JPY")
    payment = authorized_payment(
        5000, order=OrderFactory(store=jp, subtotal=5000, shipping_amount=0)
    )
    pa = authorization(payment)
    html, _ = open_dialog(client, "capture", pa)
    assert 'name="amount" value="5,000"' in html and "Maximum: ¥5,000" in html  # en_US
    response = submit(client, "capture", pa, amount="10.5")
    assert field_errors(response, "amount") == ["JPY has no decimals. Use 1050."]
    assert submit(client, "capture", pa, amount="1200").status_code == 200
    assert Transaction.objects.get(parent=pa).amount == 1200


def test_duplicate_transaction_id_within_a_store_is_refused(client, finance):
    pa = authorization(authorized_payment(6100))
    submit(client, "capture", pa, amount="10.00", merchant_reference="REF-1")

    response = submit(client, "capture", pa, amount="10.00", merchant_reference="REF-1")

    assert response.status_code == 422
    assert field_errors(response, "merchant_reference") == [
        "This Transaction ID is already used in this store."
    ]
    assert Transaction.objects.filter(parent=pa).count() == 1


def test_same_transaction_id_in_another_store_is_fine(client, finance):
    pa = authorization(authorized_payment(6100))
    submit(client, "capture", pa, amount="10.00", merchant_reference="REF-1")
    eu = StoreFactory(code="eu", currency="EUR")
    other = authorization(authorized_payment(6100, order=OrderFactory(store=eu)))
    response = submit(client, "capture", other, amount="10.00", merchant_reference="REF-1")
    assert response.status_code == 200


def test_double_submit_of_one_dialog_captures_once(client, finance):
    pa = authorization(authorized_payment(6100))
    _, key_ = open_dialog(client, "capture", pa)

    first = submit(client, "capture", pa, key=key_, amount="61.00")
    second = submit(client, "capture", pa, key=key_, amount="61.00")

    assert first.status_code == second.status_code == 200
    assert Transaction.objects.filter(parent=pa).count() == 1
    assert "already been submitted" in second.content.decode()
    assert second.context["created"] == first.context["created"]


# The other operations ------------------------------------------------------------------------


def test_reversal_voids_what_is_left_of_the_authorization(client, finance):
    payment = authorized_payment(6100)
    pa = authorization(payment)
    submit(client, "capture", pa, amount="20.00")
    html, key_ = open_dialog(client, "reversal", pa)
    assert 'name="amount" value="41.00"' in html and "readonly" in html

    partial = submit(client, "reversal", pa, key=key_, amount="10.00")
    assert partial.status_code == 422
    assert field_errors(partial, "amount") == ["Reversal is for the full amount only: $41.00."]

    response = submit(client, "reversal", pa, key=key_, amount="41.00")
    assert "Reversal succeeded" in response.content.decode()
    assert Transaction.objects.get(parent=pa, type=TransactionType.REVERSAL).amount == 4100
    assert not buttons(client, pa)["Capture"].allowed


def test_refund_and_chargeback_of_a_capture_then_chargeback_reversal(client, finance):
    payment = captured_payment(6100)
    capture = payment.transactions.get(type=TransactionType.CAPTURE)

    refund = submit(client, "refund", capture, amount="11.00", merchant_reference="RF-1")
    assert "Refund succeeded" in refund.content.decode()
    html, _ = open_dialog(client, "chargeback", capture)
    assert "Maximum: $50.00" in html

    over = submit(client, "chargeback", capture, amount="50.01")
    assert field_errors(over, "amount") == ["The maximum is $50.00."]
    assert (
        "Chargeback succeeded"
        in submit(client, "chargeback", capture, amount="30.00").content.decode()
    )

    chargeback = Transaction.objects.get(parent=capture, type=TransactionType.CHARGEBACK)
    assert list(buttons(client, chargeback)) == ["Chargeback Reversal"]
    response = submit(client, "chargeback_reversal", chargeback, amount="30.00")
    assert "Chargeback Reversal succeeded" in response.content.decode()
    reversal = Transaction.objects.get(parent=chargeback)
    assert (reversal.type, reversal.amount) == (TransactionType.CHARGEBACK_REVERSAL, 3000)


def test_rebill_of_a_debit(client, finance):
    debit = authorized_payment(6100, sale=True).transactions.get()
    html, _ = open_dialog(client, "rebill", debit)
    assert 'name="amount" value="61.00"' in html and "Maximum: $61.00" in html

    response = submit(client, "rebill", debit, amount="61.00", merchant_reference="RB-1")

    assert "Rebill succeeded" in response.content.decode()
    rebill = Transaction.objects.get(parent=debit)
    assert (rebill.type, rebill.amount, rebill.status) == ("RB", 6100, TransactionStatus.SUCCESS)


# Refusals and failures -----------------------------------------------------------------------


def test_post_without_the_permission_is_forbidden(client):
    pa = authorization(authorized_payment(6100))
    client.force_login(staff_user("view_orders", username="viewer"))
    assert client.get(op_url("capture", pa), headers=HX).status_code == 403
    response = client.post(op_url("capture", pa), {"amount": "1.00", "idempotency_key": key()})
    assert response.status_code == 403
    assert not Transaction.objects.filter(parent=pa).exists()


def test_store_scoped_permission_applies_to_its_store_only(client):
    us_pa = authorization(authorized_payment(6100))
    eu = StoreFactory(code="eu", currency="EUR")
    eu_pa = authorization(authorized_payment(6100, order=OrderFactory(store=eu)))
    user = staff_user("view_orders", username="finance_eu", store=eu)
    assign_perm("backoffice.capture_online", user, eu)
    client.force_login(type(user).objects.get(pk=user.pk))

    assert client.get(op_url("capture", us_pa), headers=HX).status_code == 404
    assert submit(client, "capture", eu_pa, amount="5.00").status_code == 200


def test_state_that_forbids_the_operation_is_a_form_error(client, finance):
    payment = authorized_payment(6100)
    pa = authorization(payment)
    _, key_ = open_dialog(client, "capture", pa)
    Order.objects.filter(pk=payment.order_id).update(state=OrderState.HOLDED)

    response = submit(client, "capture", pa, key=key_, amount="5.00")

    assert response.status_code == 422
    assert (
        "Capture is not available: the order is on hold. Unhold it first."
        in response.content.decode()
    )
    assert not Transaction.objects.filter(parent=pa).exists()


def test_unsupported_operation_for_the_type_is_refused(client, finance):
    pa = authorization(authorized_payment(6100))
    assert client.get(op_url("refund", pa), headers=HX).status_code == 422
    response = submit(client, "refund", pa, key=key(), amount="5.00")
    assert response.status_code == 422
    assert "only a capture, debit or rebill can be refunded" in response.content.decode()


def test_decline_shows_the_gateways_message_and_what_was_recorded(client, finance):
    pa = authorization(authorized_payment(6100))

    response = submit(client, "capture", pa, amount="10.51")  # sandbox: ...51 declines

    assert response.status_code == 200
    failed = Transaction.objects.get(parent=pa)
    assert failed.status == TransactionStatus.FAILED
    html = response.content.decode()
    assert "Capture was declined" in html
    assert failed.error and failed.error in html
    assert str(failed.uuid) in html and "Failed" in html


def test_timeout_leaves_the_outcome_unknown_and_says_so(client, finance, settings):
    pa = authorization(authorized_payment(6100))
    settings.SANDBOX_FORCED_FAULT = "capture:timeout_after"

    response = submit(client, "capture", pa, amount="10.00")

    unknown = Transaction.objects.get(parent=pa)
    assert unknown.status == TransactionStatus.UNKNOWN
    html = response.content.decode()
    assert "Capture: outcome unknown" in html and str(unknown.uuid) in html


def test_without_javascript_the_dialog_is_a_page(client, finance):
    pa = authorization(authorized_payment(6100))
    page = client.get(op_url("capture", pa))
    assert "<html" in page.content.decode() and "Maximum: $61.00" in page.content.decode()
    key_ = re.search(r'name="idempotency_key" value="(\w+)"', page.content.decode()).group(1)
    done = client.post(op_url("capture", pa), {"amount": "5.00", "idempotency_key": key_})
    html = done.content.decode()
    assert "<html" in html and "Capture succeeded" in html
    assert 'hx-swap-oob="true"' not in html


@pytest.mark.parametrize(
    ("name", "make", "over", "message"),
    [
        ("capture", lambda: authorization(authorized_payment(6100)), "61.01", "$61.00"),
        (
            "refund",
            lambda: captured_payment(6100).transactions.get(type=TransactionType.CAPTURE),
            "61.01",
            "$61.00",
        ),
        (
            "chargeback",
            lambda: captured_payment(6100).transactions.get(type=TransactionType.CAPTURE),
            "100",
            "$61.00",
        ),
        ("rebill", lambda: authorized_payment(6100, sale=True).transactions.get(), None, ""),
    ],
)
def test_every_dialog_refuses_bad_amounts_and_writes_nothing(
    client, finance, name, make, over, message
):
    txn = make()
    before = Transaction.objects.count()
    for amount, expected in [
        ("-1", "The amount cannot be negative."),
        ("0", "Enter an amount greater than zero."),
        ("1.234", "USD allows at most 2 decimal places. Use 10.50."),
    ] + ([(over, f"The maximum is {message}.")] if over else []):
        response = submit(client, name, txn, amount=amount)
        assert response.status_code == 422
        assert field_errors(response, "amount") == [expected]
    assert Transaction.objects.count() == before


def test_chargeback_reversal_refuses_more_than_the_chargeback(client, finance):
    payment = captured_payment(6100)
    capture = payment.transactions.get(type=TransactionType.CAPTURE)
    submit(client, "chargeback", capture, amount="20.00")
    chargeback = Transaction.objects.get(parent=capture)
    response = submit(client, "chargeback_reversal", chargeback, amount="20.01")
    assert field_errors(response, "amount") == ["The maximum is $20.00."]
    assert not Transaction.objects.filter(parent=chargeback).exists()


def test_a_duplicate_caught_by_the_service_shows_next_to_the_field(client, finance, monkeypatch):
    """Another request took the Transaction ID after the form was checked: the service's
    check under the lock refuses it, and the message lands on the same field."""
    pa = authorization(authorized_payment(6100))
    submit(client, "capture", pa, amount="1.00", merchant_reference="RACE-1")
    monkeypatch.setattr("payments.forms.OperationForm.clean", lambda form: form.cleaned_data)

    response = submit(client, "capture", pa, amount="1.00", merchant_reference="RACE-1")

    assert response.status_code == 422
    assert field_errors(response, "merchant_reference") == [
        'The Transaction ID "RACE-1" is already used in this store.'
    ]
    assert Transaction.objects.filter(parent=pa).count() == 1

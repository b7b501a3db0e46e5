"""Payment links, customer side: the public /pay/<token>/ page and paying it on the sandbox."""

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backoffice.signin.session import LAST_SEEN
from orders.enums import CommentKind
from orders.history import comment_note
from orders.models import Order, OrderComment, PaymentLink
from orders.payment_link_tokens import link_path
from orders.services.payment_link_pay import (
    LinkNotPayable,
    link_key,
    link_settle,
    payment_link_pay_card,
    still_payable,
)
from orders.services.payment_links import payment_link_revoke
from payments.enums import PaymentStatus, TransactionStatus, TransactionType
from payments.gateways.base import CardDetails
from payments.models import Payment, SandboxOperation, Transaction
from payments.services import payment_authorize
from tests.orders.invoice_helpers import authorizations
from tests.orders.payment_link_helpers import (
    APPROVED,
    DECLINED,
    card,
    finance_user,
    make_link,
    owing_order,
)

pytestmark = pytest.mark.django_db


def link_payments(order: Order) -> list[Payment]:
    return list(Payment.objects.filter(order=order, method_title__contains="payment link"))


def test_the_public_page_needs_no_sign_in_and_shows_the_order_and_the_amount_due(client):
    order = owing_order()
    link = make_link(order, finance_user("Grace"))
    comment_note(order=order, author=None, body="Internal: customer is difficult.")

    response = client.get(link_path(link))

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Order #{order.number}" in page and order.store.name in page
    assert "Simple product" in page or order.items.get().name in page
    assert 'data-testid="amount-due">$61.00' in page
    assert 'name="csrfmiddlewaretoken"' in page
    # Nothing of the back office: no staff, no history, no navigation.
    for private in ("Grace", "maker", "Internal: customer", "Dashboard", "Transactions"):
        assert private not in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]


def test_a_tampered_or_unknown_token_is_404():
    order = owing_order()
    link = make_link(order)
    client = Client()
    path = link_path(link)
    assert client.get(path[:-3] + "x/").status_code == 404
    assert client.get("/pay/1.abc:nosignature/").status_code == 404
    assert "This payment link is not valid" in client.get("/pay/nothing/").content.decode()


def test_paying_with_a_test_card_adds_an_authorization_and_the_link_shows_paid(client):
    order = owing_order()
    link = make_link(order)

    response = client.post(link_path(link), card(APPROVED))

    assert response.status_code == 302 and response["Location"] == link_path(link)
    [payment] = link_payments(order)
    assert (payment.amount_authorized, payment.card_brand, payment.card_last4) == (
        6100,
        "Visa",
        "4242",
    )
    assert payment.status == PaymentStatus.AUTHORIZED
    link.refresh_from_db()
    assert link.paid_at is not None and link.payment == payment
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AUTHORIZED
    assert OrderComment.objects.filter(
        order=order,
        kind=CommentKind.AUTHORIZATION,
        body="Authorization of $61.00 through the payment link.",
    ).exists()
    page = client.get(link_path(link)).content.decode()
    assert "This payment link has been paid. Thank you!" in page
    # The card number and code are nowhere: not in the ledger, not at the sandbox.
    stored = json.dumps(
        list(Transaction.objects.values("gateway_request", "gateway_response", "memo"))
    ) + json.dumps(list(SandboxOperation.objects.values()), default=str)
    assert "4242424242424242" not in stored and "4242 4242" not in stored


def test_paying_twice_is_one_payment(client):
    order = owing_order()
    link = make_link(order)
    client.post(link_path(link), card(APPROVED))
    again = client.post(link_path(link), card("5555 5555 5555 4444"))
    assert again.status_code == 200
    assert "This payment link has been paid" in again.content.decode()
    assert len(link_payments(order)) == 1


def test_a_double_submit_sends_one_key_so_it_is_one_authorization():
    order = owing_order()
    link = make_link(order)
    details = CardDetails("4242424242424242", 12, 2039, "123", "Ann Lee")
    first = payment_link_pay_card(link=link, card=details)
    # The second request read the link before the first one paid it: the same key.
    stale = PaymentLink.objects.select_related("order__store").get(pk=link.pk)
    stale.paid_at = None
    replay = payment_authorize(
        order=order,
        amount=6100,
        actor=None,
        idempotency_key=link_key(stale, stale.attempts),
        source="api",
        card=details,
    )
    assert replay.replayed and first.status == "paid"
    assert link_settle(link_pk=link.pk, result=replay, attempt=0).status == "paid"
    assert len(link_payments(order)) == 1
    assert OrderComment.objects.filter(body__contains="through the payment link").count() == 1


def test_a_declined_card_shows_the_decline_and_the_link_stays_open(client):
    order = owing_order()
    link = make_link(order)

    response = client.post(link_path(link), card(DECLINED))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Your card was declined. Nothing was charged; try another card." in page
    link.refresh_from_db()
    assert link.paid_at is None and link.attempts == 1
    failed = Transaction.objects.get(order=order, status=TransactionStatus.FAILED)
    assert failed.type == TransactionType.AUTHORIZATION and failed.amount == 6100
    # Another card then pays it (a new key: not the declined answer again).
    assert client.post(link_path(link), card(APPROVED)).status_code == 302
    link.refresh_from_db()
    assert link.paid_at is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("number", "4242 4242 4242 4241", "This card number is not valid: check it."),
        ("number", "42", "Enter the card number: 12 to 19 digits."),
        ("expiry", "13/30", "Enter the expiry date as MM/YY, for example 12/30."),
        ("expiry", "01/20", "This card has expired."),
        ("cvc", "12", "Enter the 3 or 4 digits on the card."),
        ("holder", "", "Enter the name on the card."),
    ],
)
def test_bad_card_input_is_said_next_to_the_field_and_nothing_is_written(
    client, field, value, message
):
    order = owing_order()
    link = make_link(order)
    before = Transaction.objects.count()
    response = client.post(link_path(link), card(**{field: value}))
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="id_{field}-error">{message}' in page
    assert Transaction.objects.count() == before


def test_an_expired_link_is_no_longer_valid(client):
    order = owing_order()
    link = make_link(order)
    PaymentLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(link_path(link))
    assert response.status_code == 410
    assert "no longer valid: it has expired" in response.content.decode()
    assert client.post(link_path(link), card()).status_code == 410
    assert link_payments(order) == []


def test_a_revoked_link_is_no_longer_valid(client):
    order = owing_order()
    link = make_link(order)
    payment_link_revoke(link=link, user=finance_user("revoker"))
    response = client.post(link_path(link), card())
    assert response.status_code == 410
    assert "the shop withdrew it" in response.content.decode()
    assert link_payments(order) == []


def test_a_link_dies_when_the_outstanding_it_was_made_for_changes(client):
    order = owing_order()
    link = make_link(order)
    authorizations(order, 1000)  # another authorization: $51.00 outstanding now
    response = client.get(link_path(link))
    assert response.status_code == 410
    assert "the amount due on the order changed" in response.content.decode()
    assert client.post(link_path(link), card()).status_code == 410


def test_the_amount_is_checked_again_under_the_lock():
    """The page was read before another payment changed the outstanding amount: the flow's
    check under the order lock refuses, before any row or gateway call."""
    order = owing_order()
    link = make_link(order)
    authorizations(order, 1000)
    before = Transaction.objects.count()
    with pytest.raises(LinkNotPayable):
        payment_authorize(
            order=order,
            amount=6100,
            actor=None,
            idempotency_key=link_key(link, 0),
            source="api",
            card=CardDetails("4242424242424242", 1, 2039, "123", "A"),
            also_check=still_payable(link.pk),
        )
    assert Transaction.objects.count() == before


def test_the_pay_form_is_csrf_protected():
    order = owing_order()
    link = make_link(order)
    client = Client(enforce_csrf_checks=True)
    assert client.post(link_path(link), card()).status_code == 403
    assert link_payments(order) == []


def test_a_pending_answer_leaves_the_link_being_confirmed(client):
    order = owing_order()
    link = make_link(order)
    response = client.post(link_path(link), card("4000 0000 0000 0259"))
    assert response.status_code == 302
    page = client.get(link_path(link))
    assert "Your payment is being confirmed" in page.content.decode()
    link.refresh_from_db()
    assert link.paid_at is None and link.payment is not None
    # Trying again is the same try: no second authorization.
    assert client.post(link_path(link), card(APPROVED)).status_code == 200
    assert len(link_payments(order)) == 1


def test_a_signed_in_staff_member_idle_too_long_still_sees_the_customer_page(client):
    """The staff session policy (idle sign-out) is the back office's, not the pay page's."""
    order = owing_order()
    link = make_link(order)
    client.force_login(finance_user("idle"))
    session = client.session
    session[LAST_SEEN] = time.time() - 3600
    session.save()
    response = client.get(link_path(link))
    assert response.status_code == 200
    assert 'data-testid="amount-due"' in response.content.decode()

"""Typed amounts on the order screens, through the real views: Mark as paid, the credit memo's
amounts, the goodwill Refund, capture_authorized --max-amount (backoffice.money.parse_amount,
in the user's locale or the store's)."""

import pytest
from django.urls import reverse

from backoffice.models import StaffProfile
from orders.models import CreditMemo, OrderComment
from payments.enums import TransactionType
from payments.models import Transaction
from tests.batch_helpers import run
from tests.factories import OrderFactory, OrderItemFactory, StoreFactory, reason_pk
from tests.orders.credit_memo_helpers import paid_invoice
from tests.orders.invoice_helpers import fresh, key
from tests.orders.view_helpers import staff_user

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}
MONEY = ["view_orders", "mark_as_paid", "refund_online", "refund_offline", "comment_order"]


@pytest.fixture
def eu():
    return StoreFactory(code="eu", currency="EUR", timezone="Europe/Berlin", locale="de_DE")


@pytest.fixture
def eu_order(eu):
    """€1,234.56: one item of €1,224.56 and €10.00 shipping, nothing paid."""
    order = OrderFactory(store=eu, subtotal=122456, shipping_amount=1000)
    OrderItemFactory(order=order, sku="SP1", qty_ordered=1, unit_price=122456)
    return fresh(order)


@pytest.fixture
def eu_staff(client, eu):
    user = staff_user(*MONEY, store=eu, username="elena")
    client.force_login(user)
    return user


def mark_as_paid_url(order) -> str:
    return reverse("orders:mark_as_paid", kwargs={"number": order.number})


def mark_as_paid(client, order, amount: str, **headers):
    data = {"version": fresh(order).version, "idempotency_key": key(), "amount": amount}
    return client.post(mark_as_paid_url(order), data, headers=headers)


def test_an_eu_staff_member_typing_1_50_records_1_euro_50(client, eu_staff, eu_order):
    response = mark_as_paid(client, eu_order, "1,50", **HTMX)

    assert response.status_code == 200
    manual = Transaction.objects.get(order=eu_order, type=TransactionType.MANUAL)
    assert (manual.amount, manual.currency) == (150, "EUR")
    assert "Marked as paid: €1.50 received offline." in response.content.decode()
    assert OrderComment.objects.filter(order=eu_order, body__contains="€1.50").exists()


def test_the_eu_form_proposes_what_is_due_in_the_store_locale(client, eu_staff, eu_order):
    response = client.get(mark_as_paid_url(eu_order))

    assert response.context["form"]["amount"].value() == "1.234,56"
    html = response.content.decode()
    assert 'value="1.234,56"' in html
    assert '<span class="amount-preview__value">= €1,234.56</span>' in html
    # What the page proposes is read back as it is.
    assert mark_as_paid(client, eu_order, "1.234,56").status_code == 302
    assert Transaction.objects.get(order=eu_order).amount == 123456


def test_the_users_own_locale_comes_before_the_stores(client, eu_staff, eu_order):
    StaffProfile.objects.create(user=eu_staff, locale="en_US")

    response = mark_as_paid(client, eu_order, "1,50", **HTMX)

    assert response.status_code == 422
    assert response.context["form"].errors["amount"] == ["This is not an amount. Use 10.50."]
    assert mark_as_paid(client, eu_order, "1,234.56").status_code == 302
    assert Transaction.objects.get(order=eu_order).amount == 123456


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1.234", "Ambiguous: 1.234 could be 1234 or 1,234. Type one of those."),
        ("1e2", "Scientific notation is not accepted. Use 10.50 or 10,50."),
        ("10,505", "EUR allows at most 2 decimal places. Use 10.50 or 10,50."),
        ("1" + "0" * 20, "The amount is too large: the most is 9.999.999.999,99\u00a0€."),
    ],
)
def test_what_cannot_be_read_is_refused_next_to_the_field(
    client, eu_staff, eu_order, amount, message
):
    response = mark_as_paid(client, eu_order, amount, **HTMX)

    assert response.status_code == 422
    assert response.context["form"].errors["amount"] == [message]
    assert 'id="mark-as-paid-form"' in response.content.decode()
    assert not Transaction.objects.exists()


def test_the_order_page_dialog_proposes_the_amount_in_the_store_locale(client, eu_staff, eu_order):
    page = client.get(eu_order.get_absolute_url()).content.decode()
    # The dialog's form comes when it opens: the button's htmx GET of the Mark as paid page.
    url = mark_as_paid_url(eu_order)
    assert f'hx-get="{url}" hx-target="#mark-as-paid-dialog"' in page
    assert 'id="mark-as-paid-dialog"' in page
    dialog = client.get(url, headers=HTMX).content.decode()
    assert 'value="1.234,56"' in dialog
    preview = dialog[dialog.index('class="amount-preview"') :]
    assert 'hx-get="/money/preview/?field=amount&amp;currency=EUR&amp;store=eu"' in preview
    assert 'hx-trigger="input changed delay:250ms from:previous input"' in preview
    assert 'hx-confirm="unset"' in preview  # the form's own confirmation is for its POST


def test_credit_memo_amounts_are_typed_in_the_store_locale(client):
    order, item, invoice, _ = paid_invoice()
    order.store.locale = "de_DE"
    order.store.save()
    client.force_login(staff_user(*MONEY, "capture_online"))
    url = reverse(
        "orders:credit_memo_refund_offline",
        kwargs={"number": order.number, "invoice_number": invoice.number},
    )

    new = client.get(
        reverse(
            "orders:credit_memo_new",
            kwargs={"number": order.number, "invoice_number": invoice.number},
        )
    )
    assert new.context["form"]["shipping_amount"].value() == "10,00"
    data = {
        "version": fresh(order).version,
        "idempotency_key": key(),
        f"qty_{item.pk}": "0",
        "shipping_amount": "0",
        "adjustment_refund": "2,50",
        "adjustment_fee": "1e2",
        "reason": reason_pk(order.store_id),
    }
    refused = client.post(url, data)
    assert refused.status_code == 422
    assert refused.context["form"].errors["adjustment_fee"] == [
        "Scientific notation is not accepted. Use 10.50 or 10,50."
    ]

    client.post(url, {**data, "adjustment_fee": "0,50"})

    memo = CreditMemo.objects.get(order=order)
    assert (memo.adjustment_refund, memo.adjustment_fee, memo.grand_total) == (250, 50, 200)


def test_the_goodwill_refund_reads_the_store_locale(client):
    order, _item, _invoice, _ = paid_invoice()
    order.store.locale = "de_DE"
    order.store.save()
    client.force_login(staff_user(*MONEY))
    data = {"version": fresh(order).version, "idempotency_key": key(), "amount": "1,5"}
    data["reason"] = reason_pk(order.store_id, "goodwill")

    client.post(reverse("orders:refund_offline", kwargs={"number": order.number}), data)

    assert CreditMemo.objects.get(order=order).grand_total == 150


def test_capture_authorized_takes_the_plain_form_only():
    StoreFactory(code="eu", currency="EUR", locale="de_DE")

    assert run("capture_authorized", "--dry-run", "--max-amount", "500.00").code == 0
    refused = run("capture_authorized", "--dry-run", "--max-amount", "500,00")
    assert refused.code == 2
    assert "This is not an amount. Use 10.50." in refused.err
    assert run("capture_authorized", "--dry-run", "--max-amount", "5e2").code == 2

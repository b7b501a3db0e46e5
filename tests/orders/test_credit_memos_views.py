"""New Credit Memo, its buttons, the order's Credit Memo and Refund, the memo page (views)."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from orders.enums import CreditMemoState, OrderState, RefundMode
from orders.models import CreditMemo, Order
from payments.enums import TransactionType
from payments.models import Transaction
from tests.factories import reason_pk
from tests.orders.credit_memo_helpers import create_memo, paid_invoice, refunder
from tests.orders.invoice_helpers import fresh, key

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def url(name: str, order, invoice=None, **kwargs) -> str:
    kwargs["number"] = order.number
    if invoice is not None:
        kwargs["invoice_number"] = invoice.number
    return reverse(f"orders:{name}", kwargs=kwargs)


def form_data(order, item, qty=1, **extra) -> dict:
    data = {
        "version": fresh(order).version,
        "idempotency_key": extra.pop("idempotency_key", key()),
        f"qty_{item.pk}": qty,
        "shipping_amount": "0.00",
        "adjustment_refund": "",
        "adjustment_fee": "",
        "comment": "",
        "reason": reason_pk(order.store_id, "damaged"),
    }
    return data | extra


@pytest.fixture
def user(client):
    user = refunder()
    client.force_login(user)
    return user


def test_new_credit_memo_defaults_to_everything_left_and_says_what_each_button_does(client, user):
    order, item, invoice, _ = paid_invoice()

    response = client.get(url("credit_memo_new", order, invoice))

    assert response.status_code == 200
    form = response.context["form"]
    assert form[f"qty_{item.pk}"].value() == 2
    assert form.totals.grand_total == 12200
    page = response.content.decode()
    assert "Refund $122.00 online to Visa ····4242 through sandbox." in page
    assert "Record $122.00 as refunded outside the gateway." in page
    assert "Refundable $122.00: captured $122.00, already refunded $0.00, pending $0.00." in page


def test_live_totals_follow_the_quantities_and_adjustments(client, user):
    order, item, invoice, _ = paid_invoice()
    data = form_data(order, item, 1, adjustment_refund="5", adjustment_fee="1.50")

    response = client.post(url("credit_memo_totals", order, invoice), data, headers=HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="memo-totals"' in page
    assert "$59.50" in page  # 56.00 + 5.00 − 1.50
    assert "Refund $59.50 online to Visa ····4242 through sandbox." in page
    assert not CreditMemo.objects.exists()


def test_live_totals_show_errors_next_to_the_fields(client, user):
    order, item, invoice, _ = paid_invoice()
    data = form_data(order, item, 3, adjustment_fee="1.505")

    response = client.post(url("credit_memo_totals", order, invoice), data, headers=HTMX)

    page = response.content.decode()
    assert "Only 2 left to refund." in page
    assert "USD allows at most 2 decimal places." in page
    assert "Correct the amounts marked in red first." in page


def test_refund_creates_the_memo_and_redirects_to_its_page_with_the_result(client, user):
    order, item, invoice, _ = paid_invoice()

    response = client.post(url("credit_memo_refund", order, invoice), form_data(order, item, 1))

    memo = CreditMemo.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("credit_memo_detail", order, memo_number=memo.number)
    page = client.get(response["Location"]).content.decode()
    assert f"Credit memo #{memo.number}: refunded $56.00 online to Visa ····4242." in page
    assert "Refund online" in page
    assert memo.state == CreditMemoState.REFUNDED


def test_refund_offline_button_records_an_offline_memo(client, user):
    order, item, invoice, _ = paid_invoice()

    client.post(url("credit_memo_refund_offline", order, invoice), form_data(order, item, 1))

    memo = CreditMemo.objects.get()
    assert (memo.mode, memo.state) == (RefundMode.OFFLINE, CreditMemoState.REFUNDED)
    assert not Transaction.objects.get(type=TransactionType.REFUND).is_online


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"qty": 3}, "qty", "Only 2 left to refund."),
        ({"adjustment_refund": "-1"}, "adjustment_refund", "The amount cannot be negative."),
        ({"adjustment_fee": "0.001"}, "adjustment_fee", "USD allows at most 2 decimal places."),
        ({"shipping_amount": "10.01"}, "shipping_amount", "At most $10.00 of shipping"),
        ({"adjustment_refund": "abc"}, "adjustment_refund", "This is not an amount. Use 10.50."),
    ],
)
def test_bad_input_is_refused_next_to_the_field_and_writes_nothing(
    client, user, extra, field, message
):
    order, item, invoice, _ = paid_invoice()
    qty = extra.pop("qty", 1)
    if field == "qty":
        field = f"qty_{item.pk}"

    response = client.post(
        url("credit_memo_refund", order, invoice), form_data(order, item, qty, **extra)
    )

    assert response.status_code == 422
    assert response.context["form"].errors[field][0].startswith(message)
    assert escape(message) in response.content.decode()
    assert not CreditMemo.objects.exists()
    assert not Transaction.objects.filter(type=TransactionType.REFUND).exists()


def test_over_refund_is_refused_with_a_clear_message(client, user):
    order, item, invoice, _ = paid_invoice()
    data = form_data(order, item, 2, shipping_amount="10.00", adjustment_refund="0.01")

    response = client.post(url("credit_memo_refund", order, invoice), data)

    assert response.status_code == 422
    message = (
        "Refund is limited to $122.00: captured $122.00, already refunded $0.00, pending $0.00."
    )
    assert response.context["form"].totals_errors == [message]
    assert message in response.content.decode()
    assert not CreditMemo.objects.exists()


def test_a_zero_total_is_refused(client, user):
    order, item, invoice, _ = paid_invoice()

    response = client.post(url("credit_memo_refund", order, invoice), form_data(order, item, 0))

    assert response.status_code == 422
    assert response.context["form"].totals_errors == [
        "The credit memo total must be more than zero."
    ]


def test_a_stale_form_is_refused_and_redrawn(client, user):
    order, item, invoice, _ = paid_invoice()
    data = form_data(order, item, 1)
    create_memo(order, invoice, refunder("other"), quantities={item.pk: 1})

    response = client.post(url("credit_memo_refund", order, invoice), data)

    assert response.status_code == 422
    assert response.context["form"].stale_errors
    assert CreditMemo.objects.count() == 1
    # The form is redrawn on the order as it is now: one unit left.
    assert "1 left to refund" in response.content.decode()


def test_a_double_submit_creates_one_memo_and_one_refund(client, user):
    order, item, invoice, _ = paid_invoice()
    data = form_data(order, item, 1)

    first = client.post(url("credit_memo_refund", order, invoice), data)
    second = client.post(url("credit_memo_refund", order, invoice), data)

    assert first["Location"] == second["Location"]
    assert CreditMemo.objects.count() == 1
    assert Transaction.objects.filter(type=TransactionType.REFUND).count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "was already submitted with this form" in page


def test_refund_online_needs_its_permission_even_when_refund_offline_is_held(client):
    client.force_login(refunder("offline", ["view_orders", "refund_offline"]))
    order, item, invoice, _ = paid_invoice()

    page = client.get(url("credit_memo_new", order, invoice)).content.decode()
    response = client.post(url("credit_memo_refund", order, invoice), form_data(order, item, 1))

    assert "Requires the Refund online permission for store US." in page
    assert response.status_code == 403
    assert not CreditMemo.objects.exists()


def test_without_refund_permissions_the_pages_are_forbidden(client):
    client.force_login(refunder("viewer", ["view_orders"]))
    order, item, invoice, _ = paid_invoice()

    assert client.get(url("credit_memo_new", order, invoice)).status_code == 403
    assert client.get(url("order_credit_memo_new", order)).status_code == 403
    response = client.post(
        url("credit_memo_refund_offline", order, invoice), form_data(order, item, 1)
    )
    assert response.status_code == 403
    assert not CreditMemo.objects.exists()


def test_on_hold_the_credit_memo_is_unavailable_with_its_reason(client, user):
    order, item, invoice, _ = paid_invoice()
    Order.objects.filter(pk=order.pk).update(state=OrderState.HOLDED)

    response = client.post(url("credit_memo_refund", order, invoice), form_data(order, item, 1))

    assert response.status_code == 409
    assert "the order is on hold" in response.content.decode()
    assert not CreditMemo.objects.exists()


def test_the_order_page_offers_credit_memo_and_refund(client, user):
    order, _item, invoice, _ = paid_invoice()

    page = client.get(order.get_absolute_url()).content.decode()

    # One refundable invoice: Credit Memo goes straight to it.
    assert url("credit_memo_new", order, invoice) in page
    assert 'id="goodwill-dialog"' in page
    # The Refund dialog's form is fetched when it opens (a link to the form without JS).
    assert (
        f'href="{url("refund", order)}" data-dialog-open="goodwill-dialog" '
        f'hx-get="{url("refund", order)}" hx-target="#goodwill-dialog"'
    ) in page
    assert 'id="goodwill-form"' not in page


def test_the_refund_dialog_is_not_offered_when_nothing_is_refundable(client, user):
    order, _item, _invoice, _ = paid_invoice()
    Order.objects.filter(pk=order.pk).update(state=OrderState.HOLDED)

    page = client.get(order.get_absolute_url()).content.decode()

    assert 'id="goodwill-dialog"' not in page
    assert (
        'id="op-reason-refund">Refund is not available: the order is on hold. Unhold it first.'
        in page
    )


def test_the_order_credit_memo_page_offers_the_invoices_and_refund_offline(client, user):
    order, item, invoice, _ = paid_invoice(invoice_qty=1)
    second = client.post(
        reverse("orders:invoice_new", kwargs={"number": order.number}),
        {
            "version": fresh(order).version,
            "idempotency_key": key(),
            f"qty_{item.pk}": 1,
            "capture_mode": "online",
        },
    )
    assert second.status_code == 302

    response = client.get(url("order_credit_memo_new", order))

    page = response.content.decode()
    assert response.status_code == 200
    assert len(response.context["invoice_choices"]) == 2
    assert "Refund against an invoice" in page
    assert "Record $122.00 as refunded outside the gateway." in page
    assert "This form never refunds online" in page
    assert url("order_credit_memo_refund_offline", order) in page
    assert url("credit_memo_refund", order, invoice) not in page


def test_order_level_refund_offline(client, user):
    order, item, _invoice, _ = paid_invoice()

    response = client.post(
        url("order_credit_memo_refund_offline", order), form_data(order, item, 2)
    )

    memo = CreditMemo.objects.get()
    assert response.status_code == 302
    assert (memo.invoice, memo.mode, memo.grand_total) == (None, RefundMode.OFFLINE, 11200)


def test_goodwill_refund_from_the_order_page_updates_the_panels(client, user):
    order, _item, _invoice, _ = paid_invoice()
    data = {
        "version": fresh(order).version,
        "idempotency_key": key(),
        "amount": "15.00",
        "note": "Late delivery",
        "reason": reason_pk(order.store_id, "goodwill"),
    }

    response = client.post(url("refund", order), data, headers=HTMX)

    assert response.status_code == 200
    assert response["HX-Reswap"] == "none"
    page = response.content.decode()
    memo = CreditMemo.objects.get()
    assert 'id="credit-memos-panel"' in page and f"#{memo.number}" in page
    assert f"Credit memo #{memo.number}: refunded $15.00 online to Visa ····4242." in page
    assert (memo.adjustment_refund, memo.comment) == (1500, "Late delivery")


def test_goodwill_refund_over_the_limit_is_refused_next_to_the_amount(client, user):
    order, _item, _invoice, _ = paid_invoice()
    data = {"version": fresh(order).version, "idempotency_key": key(), "amount": "122.01"}
    data["reason"] = reason_pk(order.store_id)

    response = client.post(url("refund_offline", order), data, headers=HTMX)

    assert response.status_code == 422
    assert response.context["form"].errors["amount"] == [
        "Refund is limited to $122.00: captured $122.00, already refunded $0.00, pending $0.00."
    ]
    assert not CreditMemo.objects.exists()


def test_goodwill_refund_without_javascript_redirects_with_the_message(client, user):
    order, _item, _invoice, _ = paid_invoice()
    data = {"version": fresh(order).version, "idempotency_key": key(), "amount": "5"}
    data["reason"] = reason_pk(order.store_id)

    response = client.post(url("refund_offline", order), data)

    assert response.status_code == 302
    assert response["Location"].startswith(order.get_absolute_url())
    page = client.get(response["Location"]).content.decode()
    assert "$5.00 recorded as refunded offline" in page


def test_the_refund_page_posts_plainly_so_its_success_leaves_the_page(client, user):
    """Opened as a page (a new tab, no dialog), the Refund form must not post through htmx:
    the success answer only swaps the order page's panels, so the page kept the filled form
    (with the last error) under the success message, inviting a second refund."""
    order, _item, _invoice, _ = paid_invoice()

    page = client.get(url("refund", order)).content.decode()

    form = page[page.index('id="goodwill-form"') :]
    form = form[: form.index("</form>")]
    # (The amount's live preview is a GET of its own, with its own target: not the form's.)
    assert "hx-post" not in form and "hx-target" not in form[: form.index(">")]
    assert "data-confirm-money>Refund</button>" in form  # confirmed as the server reads it
    # Opened as the order page's dialog (htmx GET), it posts through htmx.
    dialog = client.get(url("refund", order), headers=HTMX).content.decode()
    assert f'hx-post="{url("refund", order)}"' in dialog


def test_the_memo_page_shows_state_mode_items_totals_refunds_and_comments(client, user):
    order, item, invoice, _ = paid_invoice()
    memo = create_memo(
        order, invoice, user, quantities={item.pk: 1}, back_to_stock={item.pk}, comment="Dented"
    ).memo

    response = client.get(url("credit_memo_detail", order, memo_number=memo.number))

    page = response.content.decode()
    assert response.status_code == 200
    assert f"Credit Memo #{memo.number}" in page
    assert 'data-credit-memo-state="refunded"' in page
    assert "Returned to stock" in page
    assert "Dented" in page
    assert response.context["refunded"] == 5600
    assert len(response.context["refunds"]) == 1


def test_the_invoice_page_shows_the_credit_memo_button_and_what_is_refundable(client, user):
    order, item, invoice, _ = paid_invoice()
    create_memo(order, invoice, user, quantities={item.pk: 1})

    page = client.get(url("invoice_detail", order, invoice)).content.decode()

    assert url("credit_memo_new", order, invoice) in page
    assert 'data-testid="invoice-refundable">$66.00<' in page


def test_the_order_page_query_count_does_not_grow_with_refund_buttons(
    client, user, django_assert_max_num_queries
):
    order, item, invoice, _ = paid_invoice()
    create_memo(order, invoice, user, quantities={item.pk: 1})
    client.get(order.get_absolute_url())

    with django_assert_max_num_queries(20):
        assert client.get(order.get_absolute_url()).status_code == 200


def test_refund_online_is_disabled_with_its_reason_when_the_capture_was_offline(client, user):
    from orders.enums import CaptureMode
    from orders.services.invoicing import invoice_create
    from tests.orders.invoice_helpers import authorizations, order_with_items

    order, item = order_with_items()
    authorizations(order, order.grand_total)
    invoice = invoice_create(
        order=order,
        user=user,
        quantities={item.pk: 2},
        capture_mode=CaptureMode.OFFLINE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    ).invoice

    response = client.get(url("credit_memo_new", order, invoice))
    online = response.context["form"].choice(RefundMode.ONLINE)
    refused = client.post(url("credit_memo_refund", order, invoice), form_data(order, item, 1))

    assert not online.allowed
    assert "recorded offline; use Refund Offline" in online.availability.reason
    assert online.availability.reason in response.content.decode()
    # Pressing Refund anyway is refused in place: it never turns into an offline refund.
    assert refused.status_code == 422
    assert refused.context["form"].totals_errors == [online.availability.reason]
    assert not CreditMemo.objects.exists()


def test_the_refund_dialog_disables_what_the_user_may_not_do_and_says_why(client):
    client.force_login(refunder("offline", ["view_orders", "refund_offline"]))
    order, _item, _invoice, _ = paid_invoice()

    dialog = client.get(url("refund", order), headers=HTMX).content.decode()

    assert 'data-dialog-close aria-label="Close"' in dialog
    assert "Requires the Refund online permission for store US." in dialog
    assert 'disabled aria-describedby="goodwill-online-reason"' in dialog
    assert 'aria-describedby="goodwill-offline-reason"' not in dialog

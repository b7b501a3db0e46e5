"""The order flows confirm the money the server read before anything moves: Mark as paid, the
goodwill Refund, New Credit Memo's buttons, Submit Invoice and an invoice's Capture.

Each POST with `_confirm=preview` runs the same guard and validation as the real POST and
answers the sentence the browser shows; invalid input is answered exactly as the real POST
answers it (same status, same errors); a preview never writes anything.
"""

import pytest
from django.urls import reverse

from orders.enums import CaptureMode
from orders.services.invoicing import invoice_create
from tests.backoffice.roles_helpers import eu_store, role_user, snapshot
from tests.factories import OrderFactory, OrderItemFactory
from tests.orders.credit_memo_helpers import paid_invoice
from tests.orders.invoice_helpers import authorizations, fresh, key, order_with_items
from tests.orders.invoice_helpers import finance as finance_user
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import staff

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
PREVIEW = {"_confirm": "preview"}


def url(name: str, order, invoice=None) -> str:
    kwargs = {"number": order.number}
    if invoice is not None:
        kwargs["invoice_number"] = invoice.number
    return reverse(f"orders:{name}", kwargs=kwargs)


def keyed(order, **fields) -> dict:
    return {"version": fresh(order).version, "idempotency_key": key(), **fields}


def reason_of(order) -> dict[str, str]:
    """A reason code of the store, for the refund forms that ask one."""
    from payments.models import ReasonCode

    pk = ReasonCode.objects.filter(store_id=order.store_id).values_list("pk", flat=True).first()
    return {"reason": str(pk)} if pk else {}


def confirmation(response) -> dict:
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "application/json"
    return response.json()["confirm"]


def card_order(amount: int | None = None):
    """2 × 56.00 + 10.00 shipping, authorized on Visa ····4242 (one authorization)."""
    order, item = order_with_items()
    (payment,) = authorizations(order, amount or order.grand_total)
    payment.card_brand, payment.card_last4 = "visa", "4242"
    payment.save(update_fields=["card_brand", "card_last4"])
    return fresh(order), item, payment


# ---- Mark as paid ----------------------------------------------------------------------------


def eu_order():
    """€1,234.56 due in a German store."""
    store = eu_store(threshold=None)
    store.locale = "de_DE"
    store.save()
    order = OrderFactory(store=store, subtotal=122456, shipping_amount=1000)
    OrderItemFactory(order=order, sku="SP1", qty_ordered=1, unit_price=122456)
    return order


def test_mark_as_paid_reads_1_comma_50_back_as_one_euro_fifty(client):
    order = eu_order()
    client.force_login(staff_user("view_orders", "mark_as_paid", store=order.store))
    before = snapshot()

    response = client.post(
        url("mark_as_paid", order), keyed(order, amount="1,50", **PREVIEW), headers=HX
    )

    assert confirmation(response) == {
        "title": "Mark as paid",
        "sentence": "Record a manual payment of €1.50 (Mark as paid).",
        "consequence": "The gateway is not called; only a refund gives the money back.",
        "ok_label": "Mark as paid",
        "danger": False,
        "awaits_approval": False,
    }
    assert snapshot() == before


@pytest.mark.parametrize(
    ("amount", "field_error"),
    [
        ("1e2", "Scientific notation is not accepted. Use 10.50 or 10,50."),
        ("2000", "At most €1,234.56 is outstanding on the order."),
    ],
)
def test_mark_as_paid_refuses_in_the_preview_what_the_post_refuses(client, amount, field_error):
    order = eu_order()
    client.force_login(staff_user("view_orders", "mark_as_paid", store=order.store))
    before = snapshot()
    data = keyed(order, amount=amount)

    previewed = client.post(url("mark_as_paid", order), data | PREVIEW, headers=HX)
    real = client.post(url("mark_as_paid", order), data, headers=HX)

    assert previewed.status_code == real.status_code == 422
    assert previewed.context["form"].errors["amount"] == [field_error]
    assert real.context["form"].errors == previewed.context["form"].errors
    assert snapshot() == before


def test_a_stale_mark_as_paid_is_refused_in_the_preview(client):
    order = eu_order()
    client.force_login(staff_user("view_orders", "mark_as_paid", store=order.store))
    data = keyed(order, amount="10") | {"version": fresh(order).version + 1}
    before = snapshot()
    response = client.post(url("mark_as_paid", order), data | PREVIEW, headers=HX)
    assert response.status_code == 422
    assert response.context["form"].stale_errors
    assert snapshot() == before


def test_mark_as_paid_above_the_threshold_asks_for_approval(client):
    order = eu_order()
    order.store.refund_approval_threshold = 50000
    order.store.save()
    client.force_login(role_user("finance"))
    before = snapshot()
    response = client.post(url("mark_as_paid", order), keyed(order, amount="600", **PREVIEW))
    answer = confirmation(response)
    assert answer["sentence"] == (
        "Request approval of a €600.00 manual payment (Mark as paid): above the store's "
        "€500.00 threshold."
    )
    assert (answer["ok_label"], answer["awaits_approval"]) == ("Request approval", True)
    assert snapshot() == before  # no approval request: only the real POST asks


def test_mark_as_paid_preview_without_the_permission_is_forbidden(client):
    order = eu_order()
    client.force_login(staff_user("view_orders", store=order.store))
    before = snapshot()
    data = keyed(order, amount="10", **PREVIEW)
    assert client.post(url("mark_as_paid", order), data, headers=HX).status_code == 403
    assert snapshot() == before


# ---- refunds: the goodwill Refund and New Credit Memo -----------------------------------------


def test_goodwill_refund_online_and_offline(client):
    order, _item, _invoice, _payments = paid_invoice()
    client.force_login(staff("refunder"))
    before = snapshot()
    data = keyed(order, amount="15", note="Late delivery", **reason_of(order), **PREVIEW)

    online = confirmation(client.post(url("refund", order), data, headers=HX))
    offline = confirmation(client.post(url("refund_offline", order), data, headers=HX))

    assert online["sentence"] == "Refund $15.00 online to Visa ····4242."
    assert online["consequence"] == (
        "It is kept as a credit memo with an adjustment only. The gateway sends the money back "
        "to the customer; this can't be undone."
    )
    assert offline["sentence"] == "Refund $15.00 offline (money paid back outside the gateway)."
    assert (online["ok_label"], offline["ok_label"]) == ("Refund", "Refund Offline")
    assert snapshot() == before


def test_goodwill_refund_over_the_limit_is_refused_as_the_post_refuses_it(client):
    order, _item, _invoice, _payments = paid_invoice()
    client.force_login(staff("refunder"))
    before = snapshot()
    data = keyed(order, amount="200", **reason_of(order))
    previewed = client.post(url("refund", order), data | PREVIEW, headers=HX)
    real = client.post(url("refund", order), data, headers=HX)
    assert previewed.status_code == real.status_code == 422
    assert "Refund is limited to $122.00" in previewed.context["form"].errors["amount"][0]
    assert real.context["form"].errors == previewed.context["form"].errors
    assert snapshot() == before


def test_goodwill_refund_above_the_threshold_asks_for_approval(client):
    order, _item, _invoice, _payments = paid_invoice()
    order.store.refund_approval_threshold = 5000
    order.store.save()
    client.force_login(role_user("finance"))
    before = snapshot()
    data = keyed(order, amount="60", **reason_of(order), **PREVIEW)
    answer = confirmation(client.post(url("refund", order), data, headers=HX))
    assert answer["sentence"] == (
        "Request approval of a $60.00 refund: above the store's $50.00 threshold."
    )
    assert answer["ok_label"] == "Request approval"
    assert "can't be undone" not in answer["consequence"]
    assert snapshot() == before


def memo_data(order, item, qty=1, **extra) -> dict:
    return keyed(
        order,
        **{f"qty_{item.pk}": qty},
        shipping_amount="0",
        adjustment_refund="",
        adjustment_fee="1.50",
        comment="",
        **reason_of(order),
        **extra,
    )


def test_credit_memo_buttons_say_where_the_money_goes(client):
    order, item, invoice, _payments = paid_invoice()
    client.force_login(staff("refunder"))
    before = snapshot()
    data = memo_data(order, item) | PREVIEW

    online = confirmation(client.post(url("credit_memo_refund", order, invoice), data))
    offline = confirmation(client.post(url("credit_memo_refund_offline", order, invoice), data))

    assert online["sentence"] == "Refund $54.50 online to Visa ····4242."
    assert online["consequence"].startswith(
        f"A credit memo of $54.50 for invoice #{invoice.number} is created."
    )
    assert offline["sentence"] == "Refund $54.50 offline (money paid back outside the gateway)."
    assert snapshot() == before


def test_a_credit_memo_over_the_quantity_is_refused_as_the_post_refuses_it(client):
    order, item, invoice, _payments = paid_invoice()
    client.force_login(staff("refunder"))
    before = snapshot()
    data = memo_data(order, item, qty=3)
    previewed = client.post(url("credit_memo_refund", order, invoice), data | PREVIEW)
    real = client.post(url("credit_memo_refund", order, invoice), data)
    assert previewed.status_code == real.status_code == 422
    assert previewed.context["form"].errors[f"qty_{item.pk}"] == ["Only 2 left to refund."]
    assert real.context["form"].errors == previewed.context["form"].errors
    assert snapshot() == before


def test_a_credit_memo_preview_needs_the_buttons_permission(client):
    order, item, invoice, _payments = paid_invoice()
    client.force_login(staff("offline_only", ["view_orders", "refund_offline"]))
    before = snapshot()
    data = memo_data(order, item) | PREVIEW
    assert client.post(url("credit_memo_refund", order, invoice), data).status_code == 403
    assert snapshot() == before


def test_a_credit_memo_already_created_by_this_form_has_nothing_to_confirm(client):
    order, item, invoice, _payments = paid_invoice()
    client.force_login(staff("refunder"))
    data = memo_data(order, item)
    assert client.post(url("credit_memo_refund", order, invoice), data).status_code == 302
    before = snapshot()
    again = client.post(url("credit_memo_refund", order, invoice), data | PREVIEW)
    assert again.json() == {"confirm": None}
    assert snapshot() == before


# ---- Submit Invoice and an invoice's Capture --------------------------------------------------


def invoice_data(order, item, qty, mode=CaptureMode.ONLINE) -> dict:
    return keyed(order, **{f"qty_{item.pk}": qty}, capture_mode=mode, comment="")


def test_submit_invoice_names_the_invoice_the_card_and_the_authorization(client):
    order, item, payment = card_order()
    client.force_login(finance_user())
    before = snapshot()
    new = url("invoice_new", order)

    online = confirmation(client.post(new, invoice_data(order, item, 2) | PREVIEW))
    offline = client.post(new, invoice_data(order, item, 2, CaptureMode.OFFLINE) | PREVIEW)
    not_capture = client.post(new, invoice_data(order, item, 1, CaptureMode.NOT_CAPTURE) | PREVIEW)

    assert online["sentence"] == (
        f"Create invoice #{order.number}-1 for $122.00 and capture $122.00 online from "
        f"Visa ····4242 (authorization {payment.gateway_reference})."
    )
    assert online["ok_label"] == "Submit Invoice"
    assert confirmation(offline)["sentence"] == (
        f"Create invoice #{order.number}-1 for $122.00 and record $122.00 as captured offline "
        "(money received outside the gateway)."
    )
    assert confirmation(not_capture)["sentence"] == (
        f"Create invoice #{order.number}-1 for $66.00 without capturing it."
    )
    assert snapshot() == before


def test_submit_invoice_spread_over_two_authorizations_names_each(client):
    order, item = order_with_items()
    first, second = authorizations(order, 6100, 6100)
    client.force_login(finance_user())
    answer = confirmation(
        client.post(url("invoice_new", order), invoice_data(order, item, 1) | PREVIEW)
    )
    assert answer["sentence"] == (
        f"Create invoice #{order.number}-1 for $66.00 and capture $66.00 online: "
        f"$61.00 from Sandbox (authorization {first.gateway_reference}) and "
        f"$5.00 from Sandbox (authorization {second.gateway_reference})."
    )


def test_submit_invoice_refuses_in_the_preview_what_the_post_refuses(client):
    order, item, _payment = card_order()
    client.force_login(finance_user())
    before = snapshot()
    data = invoice_data(order, item, 3)
    previewed = client.post(url("invoice_new", order), data | PREVIEW)
    real = client.post(url("invoice_new", order), data)
    assert previewed.status_code == real.status_code == 422
    assert previewed.context["form"].errors[f"qty_{item.pk}"] == ["Only 2 left to invoice."]
    assert real.context["form"].errors == previewed.context["form"].errors
    assert snapshot() == before


def test_submit_invoice_capture_online_needs_its_permission(client):
    order, item, _payment = card_order()
    client.force_login(staff("invoicer", ["view_orders", "invoice_order"]))
    before = snapshot()
    data = invoice_data(order, item, 2) | PREVIEW
    assert client.post(url("invoice_new", order), data).status_code == 403
    assert snapshot() == before


def test_capture_of_an_open_invoice_online_and_offline(client):
    order, item, payment = card_order()
    user = finance_user()
    invoice = invoice_create(
        order=order,
        user=user,
        quantities={item.pk: 2},
        capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=fresh(order).version,
        idempotency_key=key(),
    ).invoice
    client.force_login(user)
    before = snapshot()
    capture = url("invoice_capture", order, invoice)

    online = client.post(capture, keyed(order, capture_mode="online", **PREVIEW), headers=HX)
    offline = client.post(capture, keyed(order, capture_mode="offline", **PREVIEW), headers=HX)
    stale = keyed(order, capture_mode="online", **PREVIEW) | {"version": 1}

    assert confirmation(online)["sentence"] == (
        f"Capture $122.00 online for invoice #{invoice.number} from Visa ····4242 "
        f"(authorization {payment.gateway_reference})."
    )
    assert confirmation(offline)["sentence"] == (
        f"Record $122.00 as captured offline for invoice #{invoice.number} "
        "(money received outside the gateway)."
    )
    assert client.post(capture, stale, headers=HX).status_code == 422
    assert snapshot() == before

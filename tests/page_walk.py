"""The main pages over the demo data, as a manager sees them (tests/test_page_ids.py,
tests/test_reasons.py).

`demo_signed_in` seeds every demo story and adds what the demo lacks (an open invoice, an
order paid in part, requests awaiting approval); the walks yield (what, HTML) pairs, a dialog's
content fetched by htmx put into its page the way htmx swaps it in.
"""

import io
import re
import uuid
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from backoffice.models import Store
from orders.enums import CaptureMode
from orders.models import ApprovalRequest, ApprovalState, CreditMemo, Invoice, Order
from orders.operations import OrderOperation, order_operation_availability
from orders.services.invoicing import invoice_create
from payments import operations as ops
from payments.enums import TransactionType
from payments.models import Transaction
from payments.views.operations import DOORS
from tests.factories import reason_pk
from tests.html_ids import with_content

HTMX = {"HX-Request": "true"}


def get(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def get_if_available(client, url: str) -> str | None:
    """A form page, or None where the operation is not available (409, its reason)."""
    response = client.get(url)
    assert response.status_code in {200, 409}, (url, response.status_code)
    return response.content.decode() if response.status_code == 200 else None


def demo_signed_in(client) -> dict:
    """The demo (every story), an order with an open invoice and requests awaiting approval;
    the manager is signed in. The demo's users by username."""
    call_command("seed_demo", "--orders", "20", stdout=io.StringIO())
    users = {u.username: u for u in get_user_model().objects.all()}
    _open_invoice(users["finance"])
    _awaiting_approvals(client, users["finance"])
    client.force_login(users["manager"])
    return users


def _open_invoice(user) -> None:
    order = next(
        o
        for o in Order.objects.filter(store__code="us").order_by("number")
        if order_operation_availability(user=user, order=o, operation=OrderOperation.INVOICE)
    )
    invoice_create(
        order=order,
        user=user,
        quantities={item.pk: item.qty_ordered - item.qty_invoiced for item in order.items.all()},
        capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=order.version,
        idempotency_key=uuid.uuid4().hex,
    )


def _awaiting_approvals(client, finance) -> None:
    """An order paid in part (both the Refund and the Mark as paid dialogs), then refunds of two
    captures and a Mark as paid of it, each above the store's threshold."""
    client.force_login(finance)
    unpaid = next(
        o
        for o in Order.objects.order_by("number")
        if order_operation_availability(
            user=finance, order=o, operation=OrderOperation.MARK_AS_PAID
        )
    )
    mark_as_paid = reverse("orders:mark_as_paid", args=[unpaid.number])
    for amount in ("5.00", "20.00"):
        unpaid.refresh_from_db()
        data = {"amount": amount, "version": unpaid.version, "idempotency_key": uuid.uuid4().hex}
        client.post(mark_as_paid, data, headers=HTMX)
        Store.objects.update(refund_approval_threshold=1000)
    refundable = [
        (t, answer)
        for t in Transaction.objects.filter(type=TransactionType.CAPTURE).order_by("pk")
        if (answer := ops.availability(ops.REFUND, user=finance, target=t))
    ]
    for capture, answer in refundable[:2]:
        url = reverse("payments:transaction_refund", args=[capture.uuid])
        amount = f"{(answer.max_amount or capture.amount) / 100:.2f}"
        data = {"amount": amount, "usage": "", "merchant_reference": "", "memo": ""}
        data["reason"] = reason_pk(capture.store_id)
        client.post(url, {**data, "idempotency_key": uuid.uuid4().hex}, headers=HTMX)
    assert ApprovalRequest.objects.filter(state=ApprovalState.AWAITING).count() == 3
    client.logout()


Walk = Iterator[tuple[str, str]]  # (what, its HTML with any dialog content in it)


def order_pages(client) -> Walk:
    for order in Order.objects.order_by("number"):
        url = order.get_absolute_url()
        page = get(client, url)
        yield url, page
        # The Refund dialog's form is fetched when it opens; Mark as paid's is drawn in place.
        if 'data-dialog-open="goodwill-dialog"' in page:
            form = get(client, reverse("orders:refund", args=[order.number]), headers=HTMX)
            yield f"{url} with the Refund dialog", with_content(page, "goodwill-dialog", form)
        new_invoice = reverse("orders:invoice_new", args=[order.number])
        if f'href="{new_invoice}"' in page:
            yield new_invoice, get(client, new_invoice)


def document_pages(client) -> Walk:
    for invoice in Invoice.objects.select_related("order").order_by("pk"):
        number = invoice.order.number
        yield (
            "invoice",
            get(client, reverse("orders:invoice_detail", args=[number, invoice.number])),
        )
        new_memo = reverse("orders:credit_memo_new", args=[number, invoice.number])
        if (page := get_if_available(client, new_memo)) is not None:
            yield new_memo, page
    for order in Order.objects.filter(invoices__isnull=False).distinct().order_by("number"):
        new_memo = reverse("orders:order_credit_memo_new", args=[order.number])
        if (page := get_if_available(client, new_memo)) is not None:
            yield new_memo, page
    for memo in CreditMemo.objects.select_related("order").order_by("pk"):
        url = reverse("orders:credit_memo_detail", args=[memo.order.number, memo.number])
        yield f"credit memo {url}", get(client, url)


def transaction_pages(client) -> Walk:
    yield "/transactions/", get(client, "/transactions/")
    for txn in Transaction.objects.order_by("pk"):
        url = reverse("payments:transaction_detail", args=[txn.uuid])
        page = get(client, url)
        yield url, page
        # Each operation's dialog, as its button fetches it.
        for code in re.findall(r'<a [^>]*data-operation="([a-z_]+)"', page):
            dialog = get(client, reverse(DOORS[code].url_name, args=[txn.uuid]), headers=HTMX)
            yield (
                f"{url} with the {code} dialog",
                with_content(page, "operation-dialog-body", dialog),
            )


def main_pages(client) -> Walk:
    yield "/", get(client, "/")
    yield "/orders/", get(client, "/orders/")
    yield from order_pages(client)
    yield from document_pages(client)
    yield from transaction_pages(client)


def refusals(client) -> Walk:
    """What says an operation is not available once it is asked for anyway: the 409 page of a
    form, a disabled operation's dialog, an order action's htmx answer (its message)."""
    for order in Order.objects.order_by("number"):
        for name in ("invoice_new", "order_credit_memo_new", "refund", "mark_as_paid"):
            url = reverse(f"orders:{name}", args=[order.number])
            response = client.get(url)
            if response.status_code == 409:
                yield url, response.content.decode()
        page = get(client, order.get_absolute_url())
        for action in re.findall(r'id="op-reason-(void|cancel|hold|unhold)"', page):
            url = reverse(f"orders:{action}", args=[order.number])
            data = {"version": order.version, "idempotency_key": uuid.uuid4().hex}
            response = client.post(url, data, headers=HTMX)
            # 422 with the reason (a canceled order's Cancel answers as a repeat, 200)
            assert response.status_code in {200, 422}, (url, response.status_code)
            yield f"{url} (htmx)", response.content.decode()
    for txn in Transaction.objects.order_by("pk"):
        url = reverse("payments:transaction_detail", args=[txn.uuid])
        page = get(client, url)
        for code in re.findall(r'<button [^>]*data-operation="([a-z_]+)" disabled', page):
            dialog = client.get(reverse(DOORS[code].url_name, args=[txn.uuid]), headers=HTMX)
            body = dialog.content.decode()
            yield f"{url} with the {code} dialog", with_content(page, "operation-dialog-body", body)

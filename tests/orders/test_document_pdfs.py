"""PDF invoices and credit memos (Print), and Send Email with the PDF attached."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from guardian.shortcuts import assign_perm
from pypdf import PdfReader

from orders.enums import CaptureMode, CreditMemoState, RefundMode
from orders.models import CreditMemo, CreditMemoItem, Order, OrderComment
from orders.services.invoicing import invoice_create
from tests.factories import StoreFactory, UserFactory
from tests.orders.invoice_helpers import authorizations, key, order_with_items
from tests.payments.money_helpers import staff

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def invoiced(qty: int = 2, *, order=None, item=None):
    if order is None:
        order, item = order_with_items(tax=300)
        order.store.address = "Sample Shop Inc.\n1 Market Street\nSan Francisco, CA 94105"
        order.store.legal_footer = "Sample Shop Inc. · EIN 12-3456789 · Terms: net 30"
        order.store.save()
        authorizations(order, order.grand_total)
    invoice = invoice_create(
        order=order,
        user=staff("invoicer"),
        quantities={item.pk: qty},
        capture_mode=CaptureMode.ONLINE,
        expected_version=Order.objects.get(pk=order.pk).version,
        idempotency_key=key(),
    ).invoice
    return order, item, invoice


def refunded_memo(order, invoice, item, state=CreditMemoState.REFUNDED) -> CreditMemo:
    memo = CreditMemo.objects.create(
        order=order,
        invoice=invoice,
        number=f"{order.number}-7",
        state=state,
        mode=RefundMode.OFFLINE,
        subtotal=5600,
        grand_total=5600,
    )
    CreditMemoItem.objects.create(credit_memo=memo, order_item=item, qty=1, row_total=5600)
    return memo


@pytest.fixture
def printer(client):
    user = staff("printer", ["view_orders", "notify_customer"])
    client.force_login(user)
    return user


def test_the_invoice_pdf_has_the_order_the_lines_the_totals_and_the_store(client, printer):
    order, item, invoice = invoiced()
    url = reverse("orders:invoice_pdf", args=[order.number, invoice.number])

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("inline;")
    text, pages = pdf_text(response.content)
    assert pages == 1
    assert f"Invoice #{invoice.number}" in text
    assert f"Order #{order.number}" in text
    assert item.name in text and "SP1" in text
    # 2 × $56.00, $3.00 tax, $10.00 shipping: the line, the tax, the Grand Total
    assert invoice.grand_total == 12500
    assert "$115.00" in text and "Tax $3.00" in text and "Grand Total $125.00" in text
    assert "1 Market Street" in text
    assert "EIN 12-3456789" in text  # the legal footer
    assert order.customer_email in text


def test_the_invoice_page_has_print_and_send_email(client, printer):
    order, _item, invoice = invoiced()
    page = client.get(reverse("orders:invoice_detail", args=[order.number, invoice.number]))
    html = page.content.decode()
    assert reverse("orders:invoice_pdf", args=[order.number, invoice.number]) in html
    assert reverse("orders:invoice_email", args=[order.number, invoice.number]) in html


def test_another_stores_invoice_is_not_found(client):
    order, _item, invoice = invoiced()
    eu = StoreFactory(code="eu", currency="EUR")
    outsider = UserFactory()
    assign_perm("backoffice.view_orders", outsider, eu)
    client.force_login(outsider)

    for url in [
        reverse("orders:invoice_pdf", args=[order.number, invoice.number]),
        reverse("orders:invoices_pdf", args=[order.number]),
    ]:
        assert client.get(url).status_code == 404


def test_all_the_orders_invoices_print_as_one_pdf(client, printer):
    order, item, first = invoiced(1)
    _order, _item, second = invoiced(1, order=order, item=item)

    response = client.get(reverse("orders:invoices_pdf", args=[order.number]))

    assert response.status_code == 200
    text, pages = pdf_text(response.content)
    assert pages == 2  # each invoice from a new page
    assert f"Invoice #{first.number}" in text and f"Invoice #{second.number}" in text


def test_the_credit_memo_pdf(client, printer):
    order, item, invoice = invoiced()
    memo = refunded_memo(order, invoice, item)

    response = client.get(reverse("orders:credit_memo_pdf", args=[order.number, memo.number]))

    assert response.status_code == 200
    text, _pages = pdf_text(response.content)
    assert f"Credit Memo #{memo.number}" in text
    assert f"Order #{order.number}" in text
    assert item.name in text and "$56.00" in text
    assert f"#{invoice.number}" in text
    page = client.get(reverse("orders:credit_memo_detail", args=[order.number, memo.number]))
    assert reverse("orders:credit_memo_pdf", args=[order.number, memo.number]) in (
        page.content.decode()
    )


def test_send_email_sends_the_invoice_with_its_pdf_once_per_form(
    client, printer, django_capture_on_commit_callbacks
):
    order, _item, invoice = invoiced()
    mail.outbox.clear()
    url = reverse("orders:invoice_email", args=[order.number, invoice.number])
    form_key = key()

    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"idempotency_key": form_key}, follow=True)
        again = client.post(url, {"idempotency_key": form_key}, follow=True)

    assert first.status_code == again.status_code == 200
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [order.customer_email]
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"invoice-{invoice.number}.pdf" and mimetype == "application/pdf"
    assert f"Invoice #{invoice.number}" in pdf_text(content)[0]
    [entry] = OrderComment.objects.filter(order=order, idempotency_key=form_key)
    assert entry.is_customer_notified and entry.invoice_id == invoice.pk
    assert "e-mailed to the customer" in entry.body
    assert "already sent" in again.content.decode()


def test_send_email_needs_notify_the_customer(client):
    order, _item, invoice = invoiced()
    client.force_login(staff("viewer", ["view_orders"]))
    mail.outbox.clear()
    before = OrderComment.objects.count()

    response = client.post(
        reverse("orders:invoice_email", args=[order.number, invoice.number]),
        {"idempotency_key": key()},
    )

    assert response.status_code == 403
    assert mail.outbox == [] and OrderComment.objects.count() == before


def test_send_email_of_a_credit_memo_and_of_one_not_refunded(
    client, printer, django_capture_on_commit_callbacks
):
    order, item, invoice = invoiced()
    memo = refunded_memo(order, invoice, item)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("orders:credit_memo_email", args=[order.number, memo.number]),
            {"idempotency_key": key()},
        )

    [message] = mail.outbox
    assert message.attachments[0][0] == f"credit-memo-{memo.number}.pdf"
    assert OrderComment.objects.filter(credit_memo=memo, is_customer_notified=True).count() == 1

    CreditMemo.objects.filter(pk=memo.pk).update(state=CreditMemoState.FAILED)
    response = client.post(
        reverse("orders:credit_memo_email", args=[order.number, memo.number]),
        {"idempotency_key": key()},
        follow=True,
    )
    assert "Send Email is not available" in response.content.decode()
    assert len(mail.outbox) == 1

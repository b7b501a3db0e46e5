"""import_orders: what an imported file becomes, and what a bad or repeated line does."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from orders.enums import CaptureMode, CommentKind, CommentSource, InvoiceState, OrderState
from orders.models import Invoice, Order, OrderComment
from orders.services import importing
from orders.services.importing import orders_import_lines
from payments.enums import (
    PaymentAction,
    PaymentStatus,
    TransactionSource,
    TransactionStatus,
    TransactionType,
)
from payments.gateways import GatewayStatus, gateway_for_payment
from payments.models import GatewayAccount, Payment, SandboxCharge, Transaction
from tests.factories import StoreFactory
from tests.orders.import_helpers import CONTRACT_EXAMPLE, EXPIRES_AT, PLACED_AT, jpy_line, line

pytestmark = pytest.mark.django_db

AUTHORIZED_AT = PLACED_AT


@pytest.fixture
def stores():
    return {
        "us": StoreFactory(code="us", currency="USD"),
        "jp": StoreFactory(code="jp", currency="JPY", timezone="Asia/Tokyo"),
    }


def test_contract_example_imports_an_authorized_order(stores):
    report = orders_import_lines(lines=[line()], source_name="orders.jsonl")

    assert report.imported == ["100000110"] and report.ok
    order = Order.objects.get(number="100000110")
    assert order.store == stores["us"]
    # 61.00 of 122.00: the contract example is the first of the X-Payments authorizations.
    assert (order.state, order.payment_status) == (
        OrderState.PROCESSING,
        PaymentStatus.PARTIALLY_AUTHORIZED,
    )
    assert (order.subtotal, order.shipping_amount, order.grand_total) == (11200, 1000, 12200)
    assert order.placed_at == AUTHORIZED_AT
    assert (order.customer_email, order.customer_name) == ("ann@example.com", "Ann Lee")
    assert order.shipping_method == "Flat rate"

    item = order.items.get()
    assert (item.sku, item.qty_ordered, item.unit_price, item.row_total) == ("SP1", 2, 5600, 11200)
    assert item.qty_invoiced == 0
    assert sorted(order.addresses.values_list("kind", "city")) == [
        ("billing", "Springfield"),
        ("shipping", "Springfield"),
    ]

    payment = order.payments.get()
    assert payment.gateway_account == GatewayAccount.objects.get(store=stores["us"])
    assert payment.payment_action == PaymentAction.AUTHORIZE
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    assert payment.expires_at == EXPIRES_AT
    assert (payment.amount_authorized, payment.amount_captured) == (6100, 0)

    txn = payment.transactions.get()
    assert txn.type == TransactionType.AUTHORIZATION
    assert txn.status == TransactionStatus.SUCCESS
    assert txn.is_online and txn.source == TransactionSource.IMPORT
    assert (txn.amount, txn.currency, txn.gateway_reference) == (6100, "USD", "psp-auth-1")
    assert txn.idempotency_key == "import:100000110:0:PA"
    assert txn.created_at == AUTHORIZED_AT
    assert "orders.jsonl, line 1" in txn.memo

    # Magento with a gateway: the shop's entry when the order was placed, then the gateway's.
    placed, accepted = order.comments.order_by("created_at", "pk")
    assert (placed.body, placed.kind, placed.source) == (
        "Authorized amount of $61.00.",
        CommentKind.AUTHORIZATION,
        CommentSource.SYSTEM,
    )
    assert (accepted.body, accepted.kind, accepted.source) == (
        "Authorization of $61.00 accepted by the gateway, transaction ID psp-auth-1.",
        CommentKind.AUTHORIZATION,
        CommentSource.GATEWAY,
    )
    assert placed.transaction == accepted.transaction == txn
    assert placed.created_at == order.placed_at and accepted.created_at == AUTHORIZED_AT
    assert list(order.comments.all()) == [accepted, placed]  # newest first on the page


def test_second_authorization_makes_the_order_fully_authorized(stores):
    second = {**CONTRACT_EXAMPLE["payments"][0], "reference": "psp-auth-2"}
    orders_import_lines(
        lines=[line(payments=[CONTRACT_EXAMPLE["payments"][0], second])], source_name="f"
    )

    order = Order.objects.get(number="100000110")
    assert [p.amount_authorized for p in order.payments.all()] == [6100, 6100]
    assert order.payment_status == PaymentStatus.AUTHORIZED
    authorizations = order.comments.filter(kind=CommentKind.AUTHORIZATION)
    assert (
        sorted(authorizations.values_list("source", "body"))
        == [
            (
                CommentSource.GATEWAY,
                f"Authorization of $61.00 accepted by the gateway, transaction ID {ref}.",
            )
            for ref in ("psp-auth-1", "psp-auth-2")
        ]
        + [(CommentSource.SYSTEM, "Authorized amount of $61.00.")] * 2
    )


def test_authorize_capture_is_invoiced_and_paid_at_import(stores):
    report = orders_import_lines(lines=[jpy_line()], source_name="f")

    assert report.imported == ["300000001"]
    order = Order.objects.get(number="300000001")
    assert order.grand_total == 12900
    assert order.payment_status == PaymentStatus.CAPTURED
    payment = order.payments.get()
    assert (payment.amount_authorized, payment.amount_captured) == (12900, 12900)
    invoice = order.invoices.get()
    assert (invoice.state, invoice.capture_mode) == (InvoiceState.PAID, CaptureMode.ONLINE)
    assert (invoice.grand_total, invoice.amount_paid, invoice.shipping_amount) == (
        12900,
        12900,
        800,
    )
    assert [(i.qty, i.row_total, i.tax_amount) for i in invoice.items.all()] == [(2, 11000, 1100)]
    assert order.items.get().qty_invoiced == 2
    debit = payment.transactions.get()
    assert debit.type == TransactionType.DEBIT and debit.invoice == invoice
    placed, accepted, invoiced = order.comments.order_by("created_at", "pk")
    assert (placed.body, placed.kind, placed.source) == (
        "Authorized and captured amount of ¥12,900.",
        CommentKind.CAPTURE,
        CommentSource.SYSTEM,
    )
    assert (accepted.body, accepted.kind, accepted.source) == (
        "Authorization and capture of ¥12,900 accepted by the gateway, transaction ID psp-db-1.",
        CommentKind.CAPTURE,
        CommentSource.GATEWAY,
    )
    assert placed.transaction == accepted.transaction == debit
    assert placed.created_at == order.placed_at < accepted.created_at == debit.created_at
    assert invoiced.kind == CommentKind.INVOICE and "Invoice #300000001-1" in invoiced.body


def test_order_without_payments_is_pending_payment(stores):
    orders_import_lines(lines=[line(payments=None)], source_name="f")

    order = Order.objects.get(number="100000110")
    assert (order.state, order.payment_status) == (
        OrderState.PENDING_PAYMENT,
        PaymentStatus.NOT_PAID,
    )
    assert not order.payments.exists() and not order.comments.exists()


def test_bad_lines_are_reported_by_line_number_and_the_rest_imports(stores):
    bad_items = [{"sku": "JP1", "name": "Tea set", "qty": 1, "price": "55.50"}]
    lines = [
        line(),
        "",
        jpy_line("300000002", items=bad_items),
        jpy_line("300000003"),
    ]

    report = orders_import_lines(lines=lines, source_name="f")

    assert sorted(report.imported) == ["100000110", "300000003"]
    assert [(e.line, e.number) for e in report.failed] == [(3, "300000002")]
    assert report.failed[0].messages() == ["line 3: items[0].price: JPY has no decimals. Use 1050"]
    assert report.summary() == "imported 2, skipped 0 (already imported), failed 1"
    assert not Order.objects.filter(number="300000002").exists()
    assert not Transaction.objects.filter(idempotency_key__startswith="import:300000002").exists()


def test_a_line_that_fails_while_writing_leaves_nothing_behind(stores, monkeypatch):
    def broken_comment(*args, **kwargs):
        raise IntegrityError("simulated failure after the payment was written")

    monkeypatch.setattr(importing, "checkout_payment_comments", broken_comment)

    report = orders_import_lines(lines=[line()], source_name="f")

    assert [e.line for e in report.failed] == [1]
    assert "could not be written" in report.failed[0].reasons[0]
    assert not Order.objects.exists()
    assert not Payment.objects.exists() and not Transaction.objects.exists()


def test_reimporting_changes_nothing(stores):
    orders_import_lines(lines=[line(), jpy_line()], source_name="f")
    order = Order.objects.get(number="100000110")
    counts = (Payment.objects.count(), Transaction.objects.count(), OrderComment.objects.count())

    changed_copy = line(customer={"email": "someone@example.com", "name": "Someone Else"})
    report = orders_import_lines(lines=[line(), jpy_line(), changed_copy], source_name="f")

    assert report.imported == [] and report.failed == []
    assert report.skipped == ["100000110", "300000001", "100000110"]
    assert counts == (
        Payment.objects.count(),
        Transaction.objects.count(),
        OrderComment.objects.count(),
    )
    assert Invoice.objects.count() == 1
    fresh = Order.objects.get(pk=order.pk)
    assert (fresh.customer_email, fresh.updated_at) == ("ann@example.com", order.updated_at)


def test_gateway_account_is_created_once_per_store_and_gateway(stores):
    orders_import_lines(lines=[line(number="1"), line(number="2"), jpy_line()], source_name="f")

    accounts = GatewayAccount.objects.order_by("store__code")
    assert [(a.store.code, a.gateway, a.payment_action) for a in accounts] == [
        ("jp", "sandbox", PaymentAction.AUTHORIZE_CAPTURE),
        ("us", "sandbox", PaymentAction.AUTHORIZE),
    ]


# The command ---------------------------------------------------------------------------


def test_command_reads_a_file_and_prints_a_summary(stores, tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text(f"{line()}\n{jpy_line()}\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()

    call_command("import_orders", str(path), stdout=out, stderr=err)

    assert "imported 2, skipped 0 (already imported), failed 0" in out.getvalue()
    assert err.getvalue() == ""
    assert Transaction.objects.get(type=TransactionType.DEBIT).memo == (
        "Imported from orders.jsonl, line 2."
    )


def test_command_reads_stdin_and_exits_1_with_each_failed_line_on_stderr(stores):
    stdin = io.StringIO(
        "\n".join([line(), '{"number": "x",', line(number="2", store="mars")]) + "\n"
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_orders", "-", stdin=stdin, stdout=out, stderr=err)

    assert raised.value.returncode == 1
    assert "imported 1, skipped 0 (already imported), failed 2" in out.getvalue()
    errors = err.getvalue().splitlines()
    assert errors[0].startswith("line 2: invalid JSON")
    assert "line 3: store: unknown store 'mars'" in errors
    assert list(Order.objects.values_list("number", flat=True)) == ["100000110"]


def test_command_reports_an_unreadable_file(stores, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_orders", str(tmp_path / "missing.jsonl"))


def test_imported_payments_are_known_to_the_sandbox(stores):
    orders_import_lines(lines=[line(), jpy_line()], source_name="f")

    authorization = SandboxCharge.objects.get(reference="psp-auth-1")
    assert (authorization.amount_authorized, authorization.amount_captured) == (6100, 0)
    sale = SandboxCharge.objects.get(reference="psp-db-1")
    assert (sale.is_sale, sale.amount_captured) == (True, 12900)
    payment = Payment.objects.get(gateway_reference="psp-auth-1")
    result = gateway_for_payment(payment).capture(
        reference="psp-auth-1", amount=6100, currency="USD", idempotency_key="test-capture"
    )
    assert result.status == GatewayStatus.SUCCESS

"""Refund and chargeback reason codes: per store, chosen on Transaction Details' Refund, Refund
Offline, Chargeback and Chargeback Reversal, stored on the row, shown in the history, on
Transaction Details and in exports, and filterable in the transaction search."""

import csv
import io
import json
import re
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice.demo.accounts import demo_stores_ensure
from backoffice.errors import DomainError
from orders.models import OrderComment
from payments.enums import TransactionType
from payments.models import ReasonCode, Transaction
from payments.reason_codes import ReasonApplies
from payments.services import payment_chargeback, payment_refund
from tests.batch_helpers import run
from tests.factories import StoreFactory, reason_pk
from tests.orders.view_helpers import staff_user
from tests.payments.money_helpers import captured_payment, key, staff

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
T = TransactionType
DEFAULTS = [
    ("returned", "Returned"),
    ("damaged", "Damaged"),
    ("not_as_described", "Not as described"),
    ("goodwill", "Goodwill"),
    ("duplicate", "Duplicate"),
    ("fraud", "Fraud"),
    ("other", "Other"),
]


def codes(store) -> list[tuple[str, str]]:
    return list(ReasonCode.objects.filter(store=store).values_list("code", "label"))


def capture_of(payment) -> Transaction:
    return payment.transactions.get(type=T.CAPTURE)


def op_url(name: str, txn: Transaction) -> str:
    return reverse(f"payments:transaction_{name}", args=[txn.uuid])


def post_operation(client, name: str, txn: Transaction, amount: str, **fields):
    data = {"amount": amount, "usage": "", "merchant_reference": "", "memo": "", **fields}
    data["idempotency_key"] = uuid.uuid4().hex  # as the dialog renders it
    return client.post(op_url(name, txn), data, headers=HX)


def chargeback_of(payment, amount: int, reason: ReasonCode | None = None) -> Transaction:
    result = payment_chargeback(
        payment=payment,
        parent=capture_of(payment),
        amount=amount,
        actor=None,
        idempotency_key=key(),
        source="batch",
        reason=reason,
    )
    return result.transaction


@pytest.fixture
def finance(client):
    user = staff("finance")
    client.force_login(user)
    return user


# A store's list ----------------------------------------------------------------------------


def test_a_new_store_starts_with_the_seven_defaults_for_refunds_and_chargebacks():
    store = StoreFactory(code="ca", currency="CAD")

    assert codes(store) == DEFAULTS
    assert set(ReasonCode.objects.filter(store=store).values_list("applies_to", flat=True)) == {
        ReasonApplies.BOTH
    }
    assert all(ReasonCode.objects.filter(store=store).values_list("is_active", flat=True))


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_the_stores_that_existed_the_defaults():
    executor = MigrationExecutor(connection)
    before = executor.migrate([("payments", "0006_payment_status_partially_charged_back")])
    before.apps.get_model("backoffice", "Store").objects.create(
        code="old", name="Old", currency="USD", timezone="UTC", locale="en_US"
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    store = StoreFactory(code="old")  # get_or_create: the store the old schema inserted
    assert codes(store) == DEFAULTS


def test_the_demo_seed_leaves_every_store_with_the_defaults():
    early = StoreFactory(code="us", currency="USD")
    ReasonCode.objects.filter(store=early).delete()  # as if made before reason codes

    stores = demo_stores_ensure()

    assert {code: codes(store) for code, store in stores.items()} == {
        "us": DEFAULTS,
        "eu": DEFAULTS,
        "jp": DEFAULTS,
    }


def test_a_code_in_use_is_deactivated_never_deleted():
    payment = captured_payment(5000)
    damaged = ReasonCode.objects.get(store=payment.order.store, code="damaged")
    payment_refund(
        payment=payment, amount=1000, online=False, actor=None, idempotency_key=key(),
        source="batch", reason=damaged,
    )  # fmt: skip

    with pytest.raises(ProtectedError):
        damaged.delete()


# Chosen on every Transaction Details operation that gives or takes money back ---------------


@pytest.mark.parametrize(
    ("operation", "code", "kind"),
    [
        ("refund", "damaged", T.REFUND),
        ("refund_offline", "returned", T.REFUND),
        ("chargeback", "fraud", T.CHARGEBACK),
    ],
)
def test_refunds_and_chargebacks_record_the_reason_chosen(client, finance, operation, code, kind):
    capture = capture_of(captured_payment(5000))

    response = post_operation(
        client, operation, capture, "10.00", reason=reason_pk(capture.store_id, code)
    )

    assert response.status_code == 200, response.content
    row = Transaction.objects.get(parent=capture, type=kind)
    assert row.reason.code == code
    label = row.reason.label
    assert f'<dd data-field="new-reason">{label}</dd>' in response.content.decode()


def test_a_chargeback_reversal_records_its_reason(client, finance):
    payment = captured_payment(5000)
    chargeback = chargeback_of(payment, 3000)

    response = post_operation(
        client, "chargeback_reversal", chargeback, "30.00",
        reason=reason_pk(payment.order.store_id, "duplicate"),
    )  # fmt: skip

    assert response.status_code == 200, response.content
    reversal = Transaction.objects.get(parent=chargeback, type=T.CHARGEBACK_REVERSAL)
    assert reversal.reason.label == "Duplicate"


def test_the_dialog_asks_the_reason_right_after_the_amount(client, finance):
    capture = capture_of(captured_payment(5000))
    ReasonCode.objects.filter(store=capture.store, code="other").update(is_active=False)
    ReasonCode.objects.filter(store=capture.store, code="fraud").update(
        applies_to=ReasonApplies.CHARGEBACKS
    )

    refund = client.get(op_url("refund", capture), headers=HX).content.decode()
    chargeback = client.get(op_url("chargeback", capture), headers=HX).content.decode()
    capture_dialog = client.get(
        op_url("capture", capture_of(captured_payment(5000))), headers=HX
    ).content.decode()

    names = re.findall(r'name="(amount|reason|usage|merchant_reference|memo)"', refund)
    assert names == ["amount", "reason", "usage", "merchant_reference", "memo"]
    assert '<label for="id_reason">Reason</label>' in refund
    offered = re.findall(r'<option value="\d+">([^<]+)</option>', refund)
    assert offered == ["Returned", "Damaged", "Not as described", "Goodwill", "Duplicate"]
    assert "Fraud" in chargeback and "Other" not in chargeback
    assert 'name="reason"' not in capture_dialog


# Refused next to the field, nothing written -------------------------------------------------


def refused(response, message: str) -> None:
    assert response.status_code == 422
    assert response.context["form"].errors["reason"] == [message]
    assert 'aria-describedby="id_reason_error"' in response.content.decode()


def test_without_a_reason_the_refund_is_refused_next_to_the_field(client, finance):
    capture = capture_of(captured_payment(5000))

    response = post_operation(client, "refund", capture, "10.00")

    refused(response, "Choose a reason for this refund.")
    assert not Transaction.objects.filter(parent=capture).exists()


def test_without_a_reason_the_chargeback_is_refused_next_to_the_field(client, finance):
    capture = capture_of(captured_payment(5000))

    response = post_operation(client, "chargeback", capture, "10.00", reason="")

    refused(response, "Choose a reason for this chargeback.")
    assert not Transaction.objects.filter(parent=capture).exists()


@pytest.mark.parametrize("case", ["other store", "inactive", "refunds only", "not a number"])
def test_a_reason_the_store_does_not_offer_is_refused(client, finance, case):
    capture = capture_of(captured_payment(5000))
    store = capture.store
    operation = "refund"
    if case == "other store":
        reason = reason_pk(StoreFactory(code="eu", currency="EUR"), "damaged")
    elif case == "inactive":
        reason = reason_pk(store, "damaged")
        ReasonCode.objects.filter(pk=reason).update(is_active=False)
    elif case == "refunds only":
        reason = reason_pk(store, "returned")
        ReasonCode.objects.filter(pk=reason).update(applies_to=ReasonApplies.REFUNDS)
        operation = "chargeback"
    else:
        reason = "damaged'); --"

    response = post_operation(client, operation, capture, "10.00", reason=reason)

    refused(
        response, "This reason can't be used here: choose one of the store's reasons from the list."
    )
    assert not Transaction.objects.filter(parent=capture).exists()


def test_the_money_engine_refuses_another_stores_reason_whoever_calls_it():
    payment = captured_payment(5000)
    foreign = ReasonCode.objects.get(store=StoreFactory(code="eu", currency="EUR"), code="fraud")

    with pytest.raises(DomainError) as refusal:
        payment_refund(
            payment=payment, amount=1000, online=True, actor=None, idempotency_key=key(),
            source="batch", reason=foreign,
        )  # fmt: skip

    assert (refusal.value.field, refusal.value.message) == (
        "reason",
        "This reason belongs to another store.",
    )
    assert not Transaction.objects.filter(payment=payment, type=T.REFUND).exists()


def test_batch_and_import_callers_may_record_no_reason():
    payment = captured_payment(5000)

    result = payment_refund(
        payment=payment, amount=1000, online=False, actor=None, idempotency_key=key(),
        source="batch",
    )  # fmt: skip

    assert result.ok and result.transaction.reason is None


# Shown: history, Transaction Details ---------------------------------------------------------


def test_the_history_entry_and_transaction_details_name_the_reason(client, finance):
    capture = capture_of(captured_payment(5000))
    post_operation(
        client, "refund", capture, "10.00", reason=reason_pk(capture.store_id, "damaged")
    )
    refund = Transaction.objects.get(parent=capture, type=T.REFUND)

    comment = OrderComment.objects.get(transaction=refund)
    page = client.get(reverse("payments:transaction_detail", args=[refund.uuid])).content
    capture_page = client.get(reverse("payments:transaction_detail", args=[capture.uuid])).content

    assert comment.body.startswith("Refunded amount of $10.00 online.")
    assert comment.body.endswith(" Reason: Damaged.")
    assert '<dt>Reason</dt><dd data-field="reason">Damaged</dd>' in page.decode()
    assert 'data-field="reason"' not in capture_page.decode()  # a capture has no reason


def test_a_relabelled_code_shows_its_new_label_everywhere_but_in_past_history(client, finance):
    capture = capture_of(captured_payment(5000))
    damaged = reason_pk(capture.store_id, "damaged")
    post_operation(client, "refund_offline", capture, "10.00", reason=damaged)
    ReasonCode.objects.filter(pk=damaged).update(label="Damaged in transit")
    refund = Transaction.objects.get(parent=capture, type=T.REFUND)

    page = client.get(reverse("payments:transaction_detail", args=[refund.uuid])).content.decode()

    assert '<dd data-field="reason">Damaged in transit</dd>' in page
    assert OrderComment.objects.get(transaction=refund).body.endswith(" Reason: Damaged.")


# Exports ---------------------------------------------------------------------------------------


def refunds_with_reasons() -> tuple[Transaction, Transaction, Transaction]:
    """A refund (Damaged), a chargeback (Fraud) and the capture they follow (no reason)."""
    payment = captured_payment(5000)
    store = payment.order.store
    capture = capture_of(payment)
    refund = payment_refund(
        payment=payment, parent=capture, amount=1000, online=False, actor=None,
        idempotency_key=key(), source="batch",
        reason=ReasonCode.objects.get(store=store, code="damaged"),
    ).transaction  # fmt: skip
    chargeback = chargeback_of(payment, 500, ReasonCode.objects.get(store=store, code="fraud"))
    return capture, refund, chargeback


def test_the_csv_export_ends_with_the_reason_code_and_label(client):
    capture, refund, chargeback = refunds_with_reasons()
    client.force_login(staff_user("view_orders", "export_data"))

    response = client.get(reverse("payments:transaction_export"))

    text = b"".join(response.streaming_content).decode()
    header = next(csv.reader(io.StringIO(text)))
    assert header[-4:] == ["Source", "Reason code", "Reason", "Memo"]
    rows = {r["UUID"]: r for r in csv.DictReader(io.StringIO(text))}
    assert (rows[str(refund.uuid)]["Reason code"], rows[str(refund.uuid)]["Reason"]) == (
        "damaged",
        "Damaged",
    )
    assert rows[str(chargeback.uuid)]["Reason"] == "Fraud"
    assert (rows[str(capture.uuid)]["Reason code"], rows[str(capture.uuid)]["Reason"]) == ("", "")


def test_export_transactions_writes_the_reason_in_csv_and_jsonl(tmp_path):
    capture, refund, _chargeback = refunds_with_reasons()
    day = refund.created_at.date().isoformat()

    jsonl = run("export_transactions", "--from", day, "--to", day, "--format", "jsonl")
    run("export_transactions", "--from", day, "--to", day, "-o", str(tmp_path / "t.csv"))

    records = {r["uuid"]: r for r in map(json.loads, jsonl.out.splitlines())}
    assert (records[str(refund.uuid)]["reason"], records[str(refund.uuid)]["reason_label"]) == (
        "damaged",
        "Damaged",
    )
    assert records[str(capture.uuid)]["reason"] is None
    rows = {r["UUID"]: r for r in csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text()))}
    assert rows[str(refund.uuid)]["Reason code"] == "damaged"


# The transaction search ------------------------------------------------------------------------


LIST = reverse("payments:transaction_list")


def listed(response) -> set[str]:
    return {t.uuid.hex for t in response.context["page"].rows}


def test_the_reason_filter_returns_exactly_the_rows_with_that_reason(client):
    capture, refund, chargeback = refunds_with_reasons()
    eu_payment = captured_payment(5000, store=StoreFactory(code="eu", currency="EUR"))
    eu_refund = payment_refund(
        payment=eu_payment, amount=1000, online=False, actor=None, idempotency_key=key(),
        source="batch", reason=ReasonCode.objects.get(store__code="eu", code="damaged"),
    ).transaction  # fmt: skip
    client.force_login(staff_user("view_orders"))

    damaged = client.get(LIST, {"reason": "damaged"})
    fraud = client.get(LIST, {"reason": "fraud"})
    eu_damaged = client.get(LIST, {"reason": "damaged", "store": "eu"})
    everything = client.get(LIST)

    assert listed(damaged) == {refund.uuid.hex, eu_refund.uuid.hex}
    assert listed(fraud) == {chargeback.uuid.hex}
    assert listed(eu_damaged) == {eu_refund.uuid.hex}
    assert capture.uuid.hex in listed(everything)


def test_the_filter_lists_the_codes_of_the_stores_the_user_sees(client):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    ReasonCode.objects.create(store=eu, code="late", label="Late delivery", position=5)
    ReasonCode.objects.filter(store=us, code="damaged").update(label="Broken")
    client.force_login(staff_user("view_orders", store=us))

    page = client.get(LIST).content.decode()
    choices = dict(client.get(LIST).context["filter"].form.fields["reason"].choices)

    assert '<label for="id_reason">Reason</label>' in page
    assert choices["damaged"] == "Broken" and "late" not in choices
    assert client.get(LIST, {"reason": "late"}).context["filter"].form.errors["reason"]


def test_the_reason_filter_costs_the_same_queries_whatever_the_rows_and_stores(
    client, django_assert_max_num_queries
):
    refunds_with_reasons()
    client.force_login(staff_user("view_orders"))
    with CaptureQueriesContext(connection) as few:
        client.get(LIST, {"reason": "damaged"})

    for code in ("eu", "jp", "uk"):
        payment = captured_payment(5000, store=StoreFactory(code=code, currency="EUR"))
        for _ in range(3):
            payment_refund(
                payment=payment, amount=100, online=False, actor=None, idempotency_key=key(),
                source="batch", reason=ReasonCode.objects.get(store__code=code, code="damaged"),
            )  # fmt: skip
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"reason": "damaged"})
    assert len(response.context["page"].rows) == 10


# The admin -------------------------------------------------------------------------------------


def test_superusers_edit_labels_order_and_active_flag_but_not_the_code(client):
    store = StoreFactory(code="us")
    damaged = ReasonCode.objects.get(store=store, code="damaged")
    client.force_login(staff_user(is_superuser=True))

    listing = client.get(
        reverse("admin:payments_reasoncode_changelist"), {"store__id__exact": store.pk}
    )
    url = reverse("admin:payments_reasoncode_change", args=[damaged.pk])
    form = client.get(url).content.decode()
    client.post(
        url,
        {"label": "Arrived damaged", "code": "hacked", "applies_to": "refunds", "is_active": "",
         "position": "5"},
    )  # fmt: skip

    assert listing.status_code == 200 and "Not as described" in listing.content.decode()
    assert 'name="code"' not in form  # read-only once created
    damaged.refresh_from_db()
    assert (damaged.label, damaged.code, damaged.applies_to, damaged.is_active) == (
        "Arrived damaged",
        "damaged",
        ReasonApplies.REFUNDS,
        False,
    )


def test_staff_who_are_not_superusers_do_not_reach_the_reason_codes_admin(client):
    StoreFactory(code="us")
    client.force_login(staff_user("view_orders"))

    response = client.get(reverse("admin:payments_reasoncode_changelist"))

    assert response.status_code in (302, 403)

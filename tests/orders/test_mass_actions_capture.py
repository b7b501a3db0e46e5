"""Capture (mass action): invoice what is left and capture it online, through the real
sandbox; a decline reported with its reason; resumable and never twice; per-store permission."""

import pytest
from guardian.shortcuts import assign_perm

from backoffice.job_models import JobItem, JobStatus
from backoffice.jobs.runner import job_run
from orders.enums import CaptureMode, InvoiceState, OrderState
from orders.models import Invoice, Order
from orders.services.invoicing import invoice_create
from payments.models import SandboxCharge, SandboxOperation, Transaction
from tests.backoffice.roles_helpers import role_user
from tests.orders.invoice_helpers import key
from tests.orders.mass_helpers import authorized, declining, results, run_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):
    client.force_login(role_user("finance"))
    return client


def captured_at_gateway(order: Order) -> int:
    payment = order.payments.get()
    return SandboxCharge.objects.get(reference=payment.gateway_reference).amount_captured


def gateway_captures() -> int:
    return SandboxOperation.objects.filter(kind="capture").count()


def test_capture_invoices_and_captures_each_order_and_reports_a_decline(
    finance, django_capture_on_commit_callbacks
):
    good, other, declined = authorized(), authorized(), declining()

    job = run_action(
        finance, django_capture_on_commit_callbacks, "capture", orders=[good, other, declined]
    )

    assert job.status == JobStatus.DONE
    assert (job.total, job.done, job.failed, job.skipped) == (3, 2, 1, 0)
    found = results(job)
    assert found[good.number] == (
        "done",
        "captured",
        f"Invoice #{good.number}-1: captured $122.00 online.",
    )
    outcome, reason, message = found[declined.number]
    assert (outcome, reason) == ("failed", "declined")
    assert f"Invoice #{declined.number}-1: captured $0.00 of $110.51" in message
    assert "the gateway declined it" in message
    assert captured_at_gateway(good) == captured_at_gateway(other) == 12200
    assert captured_at_gateway(declined) == 0
    assert Invoice.objects.get(order=good).state == InvoiceState.PAID
    assert Invoice.objects.get(order=declined).state == InvoiceState.OPEN
    capture = Transaction.objects.get(order=good, type="CP")
    assert capture.actor.username == "finance"
    assert capture.idempotency_key.startswith(f"mass:{job.pk}:{good.pk}:new:")


def test_a_rerun_or_a_resume_never_captures_twice(finance, django_capture_on_commit_callbacks):
    first, second = authorized(), authorized()
    job = run_action(finance, django_capture_on_commit_callbacks, "capture", orders=[first, second])
    sent = gateway_captures()
    assert sent == 2

    # The task again, as after a worker died once it had captured but before it recorded the
    # second order: the recorded row is skipped, the other's service answers "already done".
    JobItem.objects.filter(job=job, key=second.number).delete()
    type(job).objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)
    job = job_run(job_id=job.pk)

    assert gateway_captures() == sent
    assert results(job)[first.number][:2] == ("done", "captured")
    assert results(job)[second.number][:2] == ("skipped", "already done")
    assert Invoice.objects.filter(order__in=[first, second]).count() == 2


def test_an_open_invoice_is_captured_and_what_is_left_invoiced(
    finance, django_capture_on_commit_callbacks
):
    order = authorized(qty=2)
    item = order.items.get()
    invoice_create(
        order=order,
        user=None,
        quantities={item.pk: 1},
        capture_mode=CaptureMode.NOT_CAPTURE,
        expected_version=Order.objects.get(pk=order.pk).version,
        idempotency_key=key(),
    )

    job = run_action(finance, django_capture_on_commit_callbacks, "capture", orders=[order])

    outcome, reason, message = results(job)[order.number]
    assert (outcome, reason) == ("done", "captured")
    assert f"Invoice #{order.number}-1" in message and f"Invoice #{order.number}-2" in message
    assert captured_at_gateway(order) == 12200
    assert set(Invoice.objects.filter(order=order).values_list("state", flat=True)) == {"paid"}


def test_rows_that_cannot_be_captured_are_skipped_with_the_reason(
    finance, django_capture_on_commit_callbacks
):
    held, paid = authorized(), authorized()
    Order.objects.filter(pk=held.pk).update(state=OrderState.HOLDED)
    run_action(finance, django_capture_on_commit_callbacks, "capture", orders=[paid], key="one")

    job = run_action(
        finance, django_capture_on_commit_callbacks, "capture", orders=[held, paid], key="two"
    )

    assert results(job)[held.number] == (
        "skipped",
        "not available",
        "Invoice is not available: the order is on hold. Unhold it first.",
    )
    assert results(job)[paid.number][:2] == ("skipped", "nothing to capture")


def test_capture_is_decided_per_store(client, django_capture_on_commit_callbacks):
    us, eu = authorized("us"), authorized("eu")
    user = role_user("viewer")
    for codename in ("capture_online", "invoice_order"):
        assign_perm(f"backoffice.{codename}", user, us.store)
    client.force_login(user)

    job = run_action(client, django_capture_on_commit_callbacks, "capture", orders=[us, eu])

    assert results(job)[us.number][:2] == ("done", "captured")
    assert results(job)[eu.number] == (
        "skipped",
        "not permitted",
        "Requires the Capture online permission for store EU",
    )
    assert captured_at_gateway(eu) == 0


def test_above_the_four_eyes_threshold_capture_online_runs_as_on_the_order_page(
    finance, django_capture_on_commit_callbacks
):
    """Four-eyes covers refunds and money booked in by hand (Capture Offline, Mark as paid):
    Capture Online of an authorization is not one of them, on the order page or here."""
    order = authorized()
    order.store.refund_approval_threshold = 100
    order.store.save()

    job = run_action(finance, django_capture_on_commit_callbacks, "capture", orders=[order])

    assert results(job)[order.number][:2] == ("done", "captured")
    assert captured_at_gateway(order) == 12200

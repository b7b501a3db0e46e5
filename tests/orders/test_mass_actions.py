"""Mass actions on the order grid: Hold, Unhold, Cancel, Print invoices, Export CSV; the
confirmation, the selection ("all N matching" through the filter), permission per row's store,
the menu a viewer gets. Capture has its own file (test_mass_actions_capture.py)."""

import csv
import io

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm
from pypdf import PdfReader

from backoffice.audit.models import AuditEvent
from backoffice.job_models import Job, JobStatus
from orders.enums import CaptureMode, OrderState
from orders.models import Order, OrderComment
from orders.services.invoicing import invoice_create
from payments.models import SandboxOperation
from tests.backoffice.roles_helpers import role_user
from tests.orders.invoice_helpers import key
from tests.orders.mass_helpers import authorized, post, results, run_action

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def state(order: Order) -> str:
    return Order.objects.get(pk=order.pk).state


def test_the_confirmation_asks_with_the_count_and_writes_nothing(client):
    orders = [authorized() for _ in range(3)]
    signed_in(client, role_user("manager"))

    page = post(client, "hold", orders=orders, confirm=False)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Hold 3 orders?" in html
    assert all(f"#{o.number}" in html for o in orders)
    assert 'name="confirm" value="1"' in html
    assert not Job.objects.exists()
    assert all(state(o) != OrderState.HOLDED for o in orders)


def test_nothing_ticked_is_a_message_not_a_job(client):
    authorized()
    signed_in(client, role_user("manager"))

    page = post(client, "hold", confirm=False)

    assert page.status_code == 422
    assert "Select at least one order" in page.content.decode()
    assert not Job.objects.exists()


def test_hold_each_order_with_a_result_per_row(client, django_capture_on_commit_callbacks):
    first, second, held = authorized(), authorized(), authorized()
    Order.objects.filter(pk=held.pk).update(state=OrderState.HOLDED)
    signed_in(client, role_user("manager"))

    job = run_action(
        client, django_capture_on_commit_callbacks, "hold", orders=[first, second, held]
    )

    assert job.status == JobStatus.DONE
    assert (job.total, job.done, job.failed, job.skipped) == (3, 2, 0, 1)
    found = results(job)
    assert found[first.number] == ("done", "held", "The order is on hold.")
    assert found[held.number] == (
        "skipped",
        "not available",
        "Hold is not available: the order is already on hold.",
    )
    assert state(first) == state(second) == OrderState.HOLDED
    assert OrderComment.objects.filter(order=first, body__contains=f"job {job.pk}").exists()


def test_unhold_returns_each_held_order(client, django_capture_on_commit_callbacks):
    signed_in(client, role_user("manager"))
    order = authorized()
    before = state(order)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, "hold", orders=[order], key="hold")
    assert state(order) == OrderState.HOLDED

    job = run_action(client, django_capture_on_commit_callbacks, "unhold", orders=[order], key="u")

    assert results(job)[order.number][:2] == ("done", "released")
    assert state(order) == before
    assert job.created_by.username == "manager"


def test_cancel_voids_online_and_cancels(client, django_capture_on_commit_callbacks):
    order = authorized()
    signed_in(client, role_user("manager"))

    job = run_action(client, django_capture_on_commit_callbacks, "cancel", orders=[order])

    outcome, reason, message = results(job)[order.number]
    assert (outcome, reason) == ("done", "canceled")
    assert "Voided $122.00 online." in message and "The order is canceled." in message
    assert state(order) == OrderState.CANCELED


def test_a_double_submitted_confirmation_starts_one_job(client, django_capture_on_commit_callbacks):
    order = authorized()
    signed_in(client, role_user("manager"))

    first = run_action(client, django_capture_on_commit_callbacks, "hold", orders=[order], key="x")
    second = run_action(client, django_capture_on_commit_callbacks, "hold", orders=[order], key="x")

    assert first.pk == second.pk
    assert Job.objects.count() == 1


# ---- what is selected ----------------------------------------------------------------------


def test_all_matching_takes_the_filter_not_the_ticked_rows(
    client, django_capture_on_commit_callbacks
):
    us = [authorized("us") for _ in range(3)]
    eu = authorized("eu")
    signed_in(client, role_user("manager"))

    page = post(client, "hold", all_matching=True, query="store=us&page=2", confirm=False)
    assert "Hold 3 orders?" in page.content.decode()
    assert "All 3 orders matching the filter" in page.content.decode()

    job = run_action(
        client, django_capture_on_commit_callbacks, "hold", all_matching=True, query="store=us"
    )

    assert sorted(results(job)) == sorted(o.number for o in us)
    assert job.params == {"query": "store=us", "numbers": [], "all_matching": True, "form_key": "k"}
    assert state(eu) != OrderState.HOLDED


def test_ticked_rows_outside_the_filter_or_the_users_stores_are_not_taken(
    client, django_capture_on_commit_callbacks
):
    us, eu = authorized("us"), authorized("eu")
    signed_in(client, role_user("manager", store=us.store))  # sees US only

    job = run_action(client, django_capture_on_commit_callbacks, "hold", orders=[us, eu])

    assert list(results(job)) == [us.number]
    assert state(eu) != OrderState.HOLDED


def test_a_row_of_a_store_without_the_permission_is_skipped_not_permitted(
    client, django_capture_on_commit_callbacks
):
    us, eu = authorized("us"), authorized("eu")
    user = role_user("viewer")  # sees every store
    assign_perm("backoffice.hold_order", user, us.store)
    signed_in(client, user)

    page = post(client, "hold", orders=[us, eu], confirm=False)
    assert 'data-not-permitted="1"' in page.content.decode()
    job = run_action(client, django_capture_on_commit_callbacks, "hold", orders=[us, eu])

    assert results(job)[us.number][:2] == ("done", "held")
    assert results(job)[eu.number] == (
        "skipped",
        "not permitted",
        "Requires the Hold and unhold orders permission for store EU.",
    )
    assert state(eu) != OrderState.HOLDED


def test_a_viewer_gets_no_mass_action_and_a_post_anyway_is_refused(client):
    order = authorized()
    signed_in(client, role_user("viewer"))

    grid = client.get(reverse("orders:list")).content.decode()
    assert "data-mass-action" not in grid
    assert 'name="orders"' not in grid
    for action in ("hold", "capture", "cancel", "print_invoices", "export_csv"):
        assert post(client, action, orders=[order]).status_code == 403
    assert not Job.objects.exists()


def test_the_menu_offers_what_the_role_may_do(client):
    authorized()
    signed_in(client, role_user("support"))
    support = client.get(reverse("orders:list")).content.decode()
    signed_in(client, role_user("finance"))
    finance = client.get(reverse("orders:list")).content.decode()

    assert 'data-mass-action="hold"' in support and 'data-mass-action="capture"' not in support
    assert 'data-mass-action="capture"' in finance
    assert 'data-mass-action="export_csv"' in finance
    assert 'name="orders"' in finance and "data-select-page" in finance


# ---- files ---------------------------------------------------------------------------------


def invoiced(order: Order) -> str:
    outcome = invoice_create(
        order=order,
        user=None,
        quantities={item.pk: item.qty_ordered for item in order.items.all()},
        capture_mode=CaptureMode.ONLINE,
        expected_version=Order.objects.get(pk=order.pk).version,
        idempotency_key=key(),
    )
    return outcome.invoice.number


def test_print_invoices_makes_one_pdf_with_every_invoice(
    client, django_capture_on_commit_callbacks
):
    first, second, none = authorized("us"), authorized("eu"), authorized("us")
    numbers = [invoiced(first), invoiced(second)]
    signed_in(client, role_user("finance"))

    job = run_action(
        client, django_capture_on_commit_callbacks, "print_invoices", orders=[first, second, none]
    )

    assert results(job)[first.number] == ("done", "printed", f"invoice #{numbers[0]}")
    assert results(job)[none.number][:2] == ("skipped", "no invoice")
    response = client.get(reverse("jobs:file", args=[job.pk]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) >= 2
    assert all(f"Invoice #{number}" in text for number in numbers)
    assert "Store US" in text and "Store EU" in text  # each store's own header and footer


def test_export_csv_makes_the_file_of_the_orders(client, django_capture_on_commit_callbacks):
    orders = [authorized() for _ in range(3)]
    signed_in(client, role_user("finance"))

    job = run_action(client, django_capture_on_commit_callbacks, "export_csv", orders=orders)

    response = client.get(reverse("jobs:file", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Order"
    assert sorted(row[0] for row in rows[1:]) == sorted(o.number for o in orders)
    assert not SandboxOperation.objects.filter(kind="capture").exists()
    event = AuditEvent.objects.get(type="export")
    assert (event.user_label, event.object_id) == ("finance", str(job.pk))


def test_all_matching_an_invalid_filter_takes_nothing(client):
    authorized()
    signed_in(client, role_user("manager"))

    page = post(client, "hold", all_matching=True, query="total_min=abc", confirm=False)

    assert page.status_code == 422
    assert "filter has an error" in page.content.decode()
    assert not Job.objects.exists()


def test_orders_all_in_stores_without_the_permission_are_refused(client):
    us, eu = authorized("us"), authorized("eu")
    user = role_user("viewer")
    assign_perm("backoffice.hold_order", user, us.store)
    signed_in(client, user)

    assert post(client, "hold", orders=[eu], confirm=False).status_code == 403
    assert post(client, "hold", orders=[us], confirm=False).status_code == 200


def test_all_matching_is_resolved_in_the_task_a_chunk_at_a_time(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    """Holding moves each order out of the filter ("state=processing") as the job goes: the
    chunks after the last order taken still reach every order that matched."""
    monkeypatch.setattr("orders.mass.kinds.CHUNK", 3)
    orders = [authorized() for _ in range(8)]
    signed_in(client, role_user("manager"))

    job = run_action(
        client,
        django_capture_on_commit_callbacks,
        "hold",
        all_matching=True,
        query="state=processing",
    )

    assert (job.total, job.done) == (8, 8)
    assert all(state(order) == OrderState.HOLDED for order in orders)

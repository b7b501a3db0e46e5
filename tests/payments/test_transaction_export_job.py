"""An export above EXPORT_SYNC_MAX_ROWS runs in the background (`payments.export_jobs` on
`backoffice.jobs`): the page offers it, the POST starts one job, the file holds what matched
when it was asked, in the list's columns, for the stores where its owner may export."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse

from backoffice.job_models import Job, JobStatus
from payments.enums import TransactionType
from tests.factories import StoreFactory
from tests.orders.view_helpers import staff_user
from tests.payments.transaction_pages_helpers import authorized_payment, make_txn

pytestmark = pytest.mark.django_db
START = reverse("payments:transaction_export_job")


@pytest.fixture
def small_limit(settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1


def start(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):  # the task runs once committed
        return client.post(START, {"form_key": "k1", **data})


def test_the_too_large_page_starts_a_job_whose_file_is_the_filtered_rows(
    client, small_limit, django_capture_on_commit_callbacks
):
    client.force_login(staff_user("view_orders", "export_data"))
    pa = authorized_payment(amount=6100)
    captures = [
        make_txn(parent=pa, type=TransactionType.CAPTURE, amount=100, memo=f"part {n}")
        for n in range(3)
    ]

    page = client.get(reverse("payments:transaction_export"), {"type": "CP"})
    assert page.status_code == 413
    html = page.content.decode()
    assert "Export in the background (CSV)" in html
    assert 'name="query" value="type=CP"' in html

    response = start(client, django_capture_on_commit_callbacks, format="csv", query="type=CP")

    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert (job.status, job.total, job.done, job.title) == (
        JobStatus.DONE, 3, 3, "Export 3 transactions (CSV)",
    )  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(bytes(job.file_data).decode())))
    assert [r["UUID"] for r in rows] == [str(t.uuid) for t in reversed(captures)]
    assert rows[0]["Memo"] == "part 2"
    progress = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Download file" in progress

    # The same page submitted twice opens the same job.
    start(client, django_capture_on_commit_callbacks, format="csv", query="type=CP")
    assert Job.objects.count() == 1


def test_an_excel_job_and_rows_booked_meanwhile_are_not_in_it(
    client, small_limit, django_capture_on_commit_callbacks
):
    client.force_login(staff_user("view_orders", "export_data"))
    pa = authorized_payment(amount=6100)
    make_txn(parent=pa, type=TransactionType.CAPTURE, amount=100)

    start(client, django_capture_on_commit_callbacks, format="xlsx", query="")

    job = Job.objects.get()
    assert job.file_name.endswith(".xlsx")
    sheet = zipfile.ZipFile(io.BytesIO(bytes(job.file_data))).read("xl/worksheets/sheet1.xml")
    assert sheet.count(b"<row ") == 3  # the header, the authorization and its capture


def test_only_the_stores_where_the_owner_may_export(client, django_capture_on_commit_callbacks):
    us, eu = StoreFactory(code="us"), StoreFactory(code="eu", currency="EUR")
    authorized_payment(store=us)
    euro = authorized_payment(store=eu)
    user = staff_user("view_orders")
    client.force_login(user)
    assert client.post(START, {"query": ""}).status_code == 403
    from guardian.shortcuts import assign_perm

    assign_perm("backoffice.export_data", user, eu)
    client.force_login(type(user).objects.get(pk=user.pk))
    start(client, django_capture_on_commit_callbacks, query="")
    rows = list(csv.DictReader(io.StringIO(bytes(Job.objects.get().file_data).decode())))
    assert [r["UUID"] for r in rows] == [str(euro.uuid)]

"""The background job runner (backoffice/jobs/): every row once, resumable, per-row outcomes,
the progress page (owner only, polled while running), its CSV and file, the header notice.

A test job kind is registered here through the public registry, as an app registers its own:
its rows are the words in the job's params, and what it does to a word is said by the word.
"""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from backoffice.batch.results import done, failed, skipped
from backoffice.job_models import ItemOutcome, Job, JobItem, JobStatus
from backoffice.jobs.notice import SESSION_KEY
from backoffice.jobs.registry import JobFile, JobKind, register
from backoffice.jobs.runner import job_run
from backoffice.jobs.services import job_start
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DONE_BY_HAND: list[str] = []  # the rows the kind processed, in order, across runs


class Crash(BaseException):
    """The worker dies (not an Exception: the runner does not catch it)."""


def _process(job: Job, word: str):
    if word == "boom":
        raise ValueError("a bug")
    if word == job.params.get("crash_at") and not job.params.get("crashed"):
        job.params["crashed"] = True
        Job.objects.filter(pk=job.pk).update(params=job.params)
        raise Crash
    DONE_BY_HAND.append(word)
    if word.startswith("bad"):
        return failed("declined", f"{word} was declined")
    if word.startswith("skip"):
        return skipped("not permitted", f"{word} is not yours")
    return done("done", f"{word} done")


def _chunks(job: Job):
    words = job.params["words"]
    for start in range(0, len(words), 2):
        yield words[start : start + 2]


def _file(job: Job, keys: list[str]) -> JobFile:
    return JobFile(f"words-{job.pk}.txt", "text/plain", "\n".join(keys).encode())


WORDS = register(
    JobKind(
        name="tests.words",
        title="Words",
        noun="word",
        rows=_chunks,
        key=lambda word: word,
        label=lambda word: word.upper(),
        store_id=lambda word: None,
        process=_process,
        count=lambda job: len(job.params["words"]),
    )
)
FILED = register(
    JobKind(
        name="tests.filed",
        title="Words to a file",
        noun="word",
        rows=_chunks,
        key=lambda word: word,
        label=lambda word: word,
        store_id=lambda word: None,
        process=_process,
        build_file=_file,
    )
)

BULK = register(
    JobKind(
        name="tests.bulk",
        title="Words recorded a chunk at a time",
        noun="word",
        rows=_chunks,
        key=lambda word: word,
        label=lambda word: word,
        store_id=lambda word: None,
        process=_process,
        bulk_record=True,
    )
)


@pytest.fixture(autouse=True)
def _clean():
    DONE_BY_HAND.clear()


def new_job(words, *, user=None, kind="tests.words", **params) -> Job:
    return Job.objects.create(
        kind=kind,
        title="Words",
        created_by=user or UserFactory(),
        params={"words": words, **params},
        total=len(words),
    )


def outcomes(job: Job) -> dict[str, tuple[str, str, str]]:
    return {
        item.key: (item.outcome, item.reason, item.message)
        for item in JobItem.objects.filter(job=job)
    }


def test_a_job_does_every_row_once_and_records_each_outcome():
    job = new_job(["a", "bad1", "skip1", "boom", "b"])

    job = job_run(job_id=job.pk)

    assert job.status == JobStatus.DONE
    assert (job.total, job.done, job.failed, job.skipped) == (5, 2, 2, 1)
    assert job.finished_at is not None
    found = outcomes(job)
    assert found["a"] == ("done", "done", "a done")
    assert found["bad1"] == ("failed", "declined", "bad1 was declined")
    assert found["skip1"] == ("skipped", "not permitted", "skip1 is not yours")
    # A bug in one row fails that row; the job goes on to the next.
    assert found["boom"][:2] == ("failed", "error")
    assert DONE_BY_HAND == ["a", "bad1", "skip1", "b"]
    assert JobItem.objects.get(job=job, key="a").label == "A"


def test_a_job_resumed_after_a_crash_does_only_the_rows_left():
    job = new_job(["a", "b", "c", "d", "e"], crash_at="d")

    with pytest.raises(Crash):
        job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert sorted(outcomes(job)) == ["a", "b", "c"]
    assert (job.done, job.total) == (2, 5)  # counted at the end of each chunk: a, b

    job = job_run(job_id=job.pk)  # the task again (another worker, a retry)

    assert job.status == JobStatus.DONE
    assert DONE_BY_HAND == ["a", "b", "c", "d", "e"]  # each once
    assert (job.done, job.failed, job.skipped) == (5, 0, 0)


def test_a_kind_recording_a_chunk_at_a_time_redoes_the_chunk_a_crash_cut_short():
    job = new_job(["a", "b", "c", "d"], kind="tests.bulk", crash_at="d")

    with pytest.raises(Crash):
        job_run(job_id=job.pk)
    assert sorted(outcomes(job)) == ["a", "b"]  # c was done, not recorded with its chunk

    assert job_run(job_id=job.pk).done == 4
    assert DONE_BY_HAND == ["a", "b", "c", "c", "d"]


def test_running_a_finished_job_again_changes_nothing():
    job = job_run(job_id=new_job(["a", "b"]).pk)
    finished_at = job.finished_at

    again = job_run(job_id=job.pk)

    assert DONE_BY_HAND == ["a", "b"]
    assert again.finished_at == finished_at
    assert JobItem.objects.filter(job=job).count() == 2


def test_a_canceled_job_stops_before_its_next_chunk():
    job = new_job(["a", "b", "c"])
    Job.objects.filter(pk=job.pk).update(status=JobStatus.CANCELED)

    assert job_run(job_id=job.pk).status == JobStatus.CANCELED
    assert DONE_BY_HAND == []


def test_a_started_job_runs_as_a_task_once_its_transaction_commits(
    django_capture_on_commit_callbacks,
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        job = job_start(kind="tests.words", user=user, params={"words": ["a"]}, title="W", total=1)
        assert Job.objects.get(pk=job.pk).status == JobStatus.QUEUED

    assert len(enqueued) == 1
    assert Job.objects.get(pk=job.pk).status == JobStatus.DONE
    assert DONE_BY_HAND == ["a"]


def test_a_kind_no_app_registered_is_refused_before_anything_is_written():
    with pytest.raises(KeyError):
        job_start(kind="tests.nothing", user=UserFactory(), params={}, title="x", total=0)
    assert not Job.objects.exists()


# ---- pages ---------------------------------------------------------------------------------


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_progress_page_shows_counts_and_every_row_with_its_reason():
    user = UserFactory()
    job = job_run(job_id=new_job(["a", "bad1", "skip1"], user=user).pk)

    page = staff_client(user).get(reverse("jobs:detail", args=[job.pk]))

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-count="done">1<' in html
    assert 'data-count="failed">1<' in html
    assert 'data-count="skipped">1<' in html
    assert "bad1 was declined" in html and "skip1 is not yours" in html
    assert 'data-job-status="done"' in html
    assert "hx-trigger" not in html  # finished: no more polling
    assert reverse("jobs:results", args=[job.pk]) in html
    # Failed rows first, then skipped, then done.
    assert (
        html.index('data-row="bad1"') < html.index('data-row="skip1"') < html.index('data-row="a"')
    )


def test_a_running_job_is_polled_and_the_poll_gets_the_progress_section_only():
    user = UserFactory()
    job = new_job(["a", "b"], user=user)
    client = staff_client(user)

    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert 'hx-trigger="every 2s"' in page.content.decode()

    job_run(job_id=job.pk)
    poll = client.get(reverse("jobs:detail", args=[job.pk]), headers={"HX-Request": "true"})

    html = poll.content.decode()
    assert html.lstrip().startswith('<section class="card job-progress"')
    assert "<html" not in html and "hx-trigger" not in html
    assert 'data-count="done">2<' in html
    # The header's notice follows the job out of band (this job was started elsewhere: none).
    assert '<span id="jobs-notice" class="jobs-notice-slot" hx-swap-oob="true"></span>' in html


def test_only_the_owner_or_a_superuser_sees_a_job():
    owner = UserFactory()
    job = job_run(job_id=new_job(["a"], user=owner).pk)
    urls = [reverse(name, args=[job.pk]) for name in ("jobs:detail", "jobs:results")]

    for url in urls:
        assert staff_client(UserFactory()).get(url).status_code == 404
        assert staff_client(UserFactory(is_superuser=True)).get(url).status_code == 200
    others = staff_client(UserFactory()).get(reverse("jobs:list")).content.decode()
    assert reverse("jobs:detail", args=[job.pk]) not in others
    assert "No jobs yet" in others


def test_the_results_csv_has_a_line_per_row():
    user = UserFactory()
    job = job_run(job_id=new_job(["a", "bad1"], user=user).pk)

    response = staff_client(user).get(reverse("jobs:results", args=[job.pk]))

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["key", "label", "store", "outcome", "reason", "message", "finished_at"]
    assert [row[:6] for row in rows[1:]] == [
        ["a", "A", "", "done", "done", "a done"],
        ["bad1", "BAD1", "", "failed", "declined", "bad1 was declined"],
    ]


def test_a_file_job_keeps_its_file_of_the_rows_done_for_download():
    user = UserFactory()
    job = job_run(job_id=new_job(["a", "bad1", "b"], user=user, kind="tests.filed").pk)

    assert (job.file_name, job.file_type) == (f"words-{job.pk}.txt", "text/plain")
    client = staff_client(user)
    assert "Download file" in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert download.content == b"a\nb"
    assert download["Content-Disposition"] == f'attachment; filename="words-{job.pk}.txt"'
    assert staff_client(UserFactory()).get(reverse("jobs:file", args=[job.pk])).status_code == 404


def test_the_header_tells_of_a_finished_job_until_its_page_is_seen():
    user = UserFactory()
    client = staff_client(user)
    job = new_job(["a"], user=user, kind="tests.filed")
    session = client.session
    session[SESSION_KEY] = [job.pk]
    session.save()
    assert "1 job running" in client.get(reverse("jobs:list")).content.decode()
    job_run(job_id=job.pk)

    dashboard = client.get(reverse("jobs:list")).content.decode()
    assert "Export ready" in dashboard
    assert reverse("jobs:detail", args=[job.pk]) in dashboard

    client.get(reverse("jobs:detail", args=[job.pk]))

    assert "Export ready" not in client.get(reverse("jobs:list")).content.decode()


def test_a_page_costs_no_query_for_the_notice_when_no_job_was_started(
    django_assert_num_queries,
):
    request = RequestFactory().get("/")
    request.user = UserFactory()
    request.session = {}
    with django_assert_num_queries(0):
        html = Template("{% load jobs %}{% jobs_notice %}").render(Context({"request": request}))
    assert html.strip() == '<span id="jobs-notice" class="jobs-notice-slot"></span>'


def test_job_items_are_unique_per_job_and_key():
    job = new_job(["a"])
    JobItem.objects.create(job=job, key="a", label="A", outcome=ItemOutcome.DONE)
    JobItem.objects.bulk_create(
        [JobItem(job=job, key="a", label="A", outcome=ItemOutcome.FAILED)], ignore_conflicts=True
    )
    assert list(JobItem.objects.filter(job=job).values_list("outcome", flat=True)) == ["done"]


# ---- resume_jobs -----------------------------------------------------------------------------


def test_resume_jobs_enqueues_again_only_the_jobs_without_progress(
    django_capture_on_commit_callbacks,
):
    stale = new_job(["a", "b"])
    Job.objects.filter(pk=stale.pk).update(
        status=JobStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    busy = new_job(["c"])
    Job.objects.filter(pk=busy.pk).update(status=JobStatus.RUNNING, heartbeat_at=timezone.now())
    out = io.StringIO()

    call_command("resume_jobs", "--dry-run", stdout=out)
    assert f"Would resume job {stale.pk} (Words): running, 0 of 2 rows done." in out.getvalue()
    assert Job.objects.get(pk=stale.pk).status == JobStatus.RUNNING

    with django_capture_on_commit_callbacks(execute=True):
        call_command("resume_jobs", stdout=io.StringIO())

    assert Job.objects.get(pk=stale.pk).status == JobStatus.DONE
    assert Job.objects.get(pk=busy.pk).status == JobStatus.RUNNING
    assert DONE_BY_HAND == ["a", "b"]


# ---- query counts --------------------------------------------------------------------------


def test_the_jobs_pages_cost_the_same_queries_whatever_their_size(
    django_assert_max_num_queries,
):
    user = UserFactory()
    client = staff_client(user)
    small = job_run(job_id=new_job(["a"], user=user).pk)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("jobs:list"))
        client.get(reverse("jobs:detail", args=[small.pk]))

    words = [f"w{n}" for n in range(30)] + [f"bad{n}" for n in range(10)]
    large = job_run(job_id=new_job(words, user=user).pk)
    for _ in range(10):
        new_job(["x"], user=user)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("jobs:list"))
        page = client.get(reverse("jobs:detail", args=[large.pk]))
    assert page.content.decode().count("<tr data-row=") == 40

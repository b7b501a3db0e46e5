"""The header's notice of the user's jobs: "Export ready", "1 job running".

The jobs a user started in this session are watched in the session (`watch`, from the POST
that starts a job); the header asks the database about them only while some are watched, so
pages cost no query for users who started nothing. A finished job stops being watched once
its progress page was shown (a session write, not a database row: a GET writes nothing).
"""

from dataclasses import dataclass

from django.http import HttpRequest

from backoffice.job_models import ACTIVE_STATUSES, Job

SESSION_KEY = "jobs_watched"


def watch(request: HttpRequest, job: Job) -> None:
    watched = list(request.session.get(SESSION_KEY, []))
    request.session[SESSION_KEY] = [*watched[-19:], job.pk]


def seen(request: HttpRequest, job: Job) -> None:
    """The owner saw the finished job: it leaves the notice."""
    watched = request.session.get(SESSION_KEY, [])
    if job.pk in watched and not job.is_active:
        request.session[SESSION_KEY] = [pk for pk in watched if pk != job.pk]


@dataclass(frozen=True)
class Notice:
    running: int
    finished: list[Job]

    @property
    def text(self) -> str:
        if self.finished:
            job = self.finished[0]
            word = "Export ready" if job.has_file else "Job finished"
            more = f" (+{len(self.finished) - 1})" if len(self.finished) > 1 else ""
            return f"{word}{more}"
        return f"{self.running} job{'s' if self.running != 1 else ''} running"

    @property
    def job(self) -> Job | None:
        return self.finished[0] if self.finished else None


def jobs_notice(request: HttpRequest) -> Notice | None:
    watched = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not watched or not request.user.is_authenticated:
        return None
    jobs = list(
        Job.objects.filter(pk__in=watched, created_by_id=request.user.pk)
        .only("pk", "status", "title", "file_name")
        .order_by("-pk")
    )
    if not jobs:
        return None
    finished = [job for job in jobs if job.status not in ACTIVE_STATUSES]
    return Notice(running=len(jobs) - len(finished), finished=finished)

"""A background job and its per-row results (`backoffice.jobs`; registered in `backoffice.models`,
kept out of the jobs package so that the models import no part of it)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


ACTIVE_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class ItemOutcome(models.TextChoices):
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Job(models.Model):
    """One run of a registered job kind over many rows, for the user who started it."""

    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)  # "Capture 8 orders"
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The runner's last sign of life (start, each chunk): resume_jobs re-enqueues a job whose
    # worker stopped giving any.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # The file of an export or print job, kept with the job (served at /jobs/<id>/file/).
    file_name = models.CharField(max_length=200, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    file_data = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="job_owner_recent")]

    def __str__(self) -> str:
        return f"Job {self.pk}: {self.title}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def seen(self) -> int:
        return self.done + self.failed + self.skipped

    @property
    def percent(self) -> int:
        if not self.is_active:
            return 100
        return min(100, round(100 * self.seen / self.total)) if self.total else 0

    @property
    def has_file(self) -> bool:
        return bool(self.file_name)


class JobItem(models.Model):
    """What the job did to one row; unique per (job, key), so no row is done twice."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=100)  # the row's identity, e.g. the order number
    label = models.CharField(max_length=100)  # as staff read it: "#100000001"
    store = models.ForeignKey(
        "backoffice.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=ItemOutcome.choices)
    reason = models.CharField(max_length=100, blank=True)  # "captured", "declined"
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["job", "key"], name="job_item_once")]

    def __str__(self) -> str:
        return f"{self.label}: {self.outcome}"

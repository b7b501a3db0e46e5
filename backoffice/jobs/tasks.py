"""The task that runs a job (`django.tasks`; `manage.py db_worker` in production)."""

from django.tasks import task

from backoffice.jobs.runner import job_run


@task()
def run_job(job_id: int) -> None:
    job_run(job_id=job_id)

"""Background work on Django's Tasks framework (`django.tasks`): enqueue with the change.

A task is enqueued in the same database transaction as the change that causes it, so a
rolled-back change never leaves a phantom task (an e-mail about an invoice that doesn't exist)
and a committed one never loses its task:

- with the database backend (`django_tasks_db`, production and `make run`), the task row is
  written inside the caller's transaction: it commits or rolls back with the change, and a
  worker (`manage.py db_worker`) only sees it once committed;
- with any other backend (the immediate one of the tests), the task is enqueued when the
  transaction commits (`transaction.on_commit`), and never when it rolls back.

Retries: Django's tasks have none built in. A task that wants them takes an `attempt`
argument and calls `retry_later` on failure, which enqueues it again after a backoff
(1, 2, 4… minutes) when the backend can defer, or at once otherwise.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.tasks import Task, TaskResult
from django.utils import timezone

logger = logging.getLogger("backoffice.tasks")

DATABASE_BACKEND = "django_tasks_db.backend.DatabaseBackend"


def _writes_rows(task: Task[..., Any]) -> bool:
    backend = task.get_backend()
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}" == DATABASE_BACKEND


def enqueue_with_transaction(task: Task[..., Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue `task` so that it lands exactly when the caller's transaction commits."""
    if _writes_rows(task) and transaction.get_connection(DEFAULT_DB_ALIAS).in_atomic_block:
        task.enqueue(*args, **kwargs)  # a row in this very transaction
        return
    enqueue: Callable[[], TaskResult[..., Any]] = lambda: task.enqueue(*args, **kwargs)  # noqa: E731
    # robust: a broker outage must not turn the saved change into an error page; the task is
    # logged, and the inbox's sweep (or a person) picks the work up again.
    transaction.on_commit(enqueue, robust=True)


def backoff(attempt: int) -> timedelta:
    """How long to wait before attempt `attempt + 1`: 1, 2, 4, 8… minutes, at most a day."""
    return timedelta(minutes=min(2 ** max(attempt - 1, 0), 24 * 60))


def retry_later(task: Task[..., Any], *args: Any, attempt: int, **kwargs: Any) -> None:
    """Enqueue `task` again as attempt `attempt + 1`, after `backoff(attempt)` when the backend
    can defer (the database backend), at once otherwise (the tests' immediate backend)."""
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + backoff(attempt))
    enqueue_with_transaction(task, *args, attempt=attempt + 1, **kwargs)

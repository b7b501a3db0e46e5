"""How a batch worker claims items so that several workers, on several machines, split the work.

A claim must outlive the short transactions the money services commit and the gateway call
between them (DESIGN.md's skeleton holds no lock while the gateway thinks), and must vanish on
its own when a worker dies, so that a crashed run can simply be run again at once. A session
advisory lock does both: `pg_try_advisory_lock(job, pk)` is kept across commits and released
by `pg_advisory_unlock` or by the server when the connection ends. Keys are scoped by the job's
name, so expire_authorizations and capture_authorized never block each other.

Once the advisory locks are held, one `SELECT … FOR UPDATE SKIP LOCKED` re-reads the rows with
the job's predicate, in a fresh snapshot: rows someone is writing right now (a staff member's
operation, a service of another job) are skipped rather than waited for, and rows that no
longer qualify (another worker finished them between our read and our claim) drop out. The
row locks end with that short transaction; the services take their own locks again.

Session locks need one server session per worker for the whole run: don't run batch commands
through a transaction-pooling proxy (PgBouncer in transaction mode). `commit_mode`, the other
session setting a worker may use, is explained below.
"""

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from django.db import DatabaseError, connection, transaction
from django.db.models import Model, QuerySet


class Claimable[M: Model](Protocol):
    """What a claim needs of a job (`backoffice.batch.runner.BatchJob` is one)."""

    @property
    def name(self) -> str: ...  # read only: a job's is a ClassVar

    def candidates(self, *, among: list[int] | None = None) -> QuerySet[M]: ...


# One 64-bit advisory key per (job, pk): the job's 31-bit hash in the high half.
_KEY = "%s::bigint * 4294967296 + (id %% 4294967296)"
_TRY_LOCK = f"SELECT id FROM unnest(%s::bigint[]) AS id WHERE pg_try_advisory_lock({_KEY})"
_UNLOCK = f"SELECT pg_advisory_unlock({_KEY}) FROM unnest(%s::bigint[]) AS id"


def job_lock_class(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@contextmanager
def claimed[M: Model](
    job: Claimable[M], pks: list[int], *, dry_run: bool = False
) -> Iterator[list[M]]:
    """The rows among `pks` this worker may process now, in pk order; released on exit."""
    if dry_run or connection.vendor != "postgresql":
        # A dry run writes nothing and holds nothing; SQLite has a single writer anyway.
        yield list(job.candidates(among=pks).order_by("pk"))
        return
    lock_class = job_lock_class(job.name)
    mine = _try_lock(lock_class, pks)
    try:
        with transaction.atomic():
            rows = job.candidates(among=mine).order_by("pk")
            claimed_rows = list(rows.select_for_update(skip_locked=True, of=("self",)))
        yield claimed_rows
    finally:
        _unlock(lock_class, mine)


def _try_lock(lock_class: int, pks: list[int]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(_TRY_LOCK, [pks, lock_class])
        return [row[0] for row in cursor.fetchall()]


def _unlock(lock_class: int, pks: list[int]) -> None:
    if not pks:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(_UNLOCK, [lock_class, pks])
    except DatabaseError:
        # The connection is gone (the error on its way up says why), and its locks with it.
        pass


@contextmanager
def commit_mode(*, redo_safe: bool) -> Iterator[None]:
    """For a redo-safe job on PostgreSQL: commits that don't wait for the disk.

    `synchronous_commit = off` for this session only: a commit returns before its WAL reaches
    the disk, so a transaction no longer costs a disk flush (most of an expired order's time
    on an idle machine). Nothing can be half-written: only a crash of the database server
    itself may lose the last fraction of a second of commits, and for a redo-safe job that
    just means the next run does them again, under the same idempotency keys (the gateway
    replays its answer). Never for a job whose lost record could let someone move the same
    money again (capture_authorized keeps durable commits).
    """
    if not redo_safe or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
        except DatabaseError:
            pass  # the session is gone, and its setting with it

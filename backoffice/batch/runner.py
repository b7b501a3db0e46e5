"""The one runner behind every batch job: read candidates, claim, process each item, report.

For each chunk of the job's scope (pk order, keyset: constant memory however many there are):

1. Claim (`backoffice.batch.claims`): on PostgreSQL a session advisory lock per item, held while
   its money moves (across the gateway call) and dropped by the server if the worker dies, then
   `SELECT … FOR UPDATE SKIP LOCKED` re-reads the claimed rows with the job's predicate: rows
   another worker holds or someone is writing right now are skipped, rows another run finished
   meanwhile drop out. Several workers on several machines therefore split the work instead of
   doing it twice. SQLite (one writer at a time) only re-reads.
2. Process the chunk: the job settles what it can of it at once (`process_chunk`: the common
   case in a few statements, see `payments.services.bulk`), and each item it leaves out goes
   through `process` on its own, whose money services lock the order then its payments,
   re-check against the ledger and commit each step in its own transaction. Both write under
   the idempotency key `f"{job}:{item pk}:…"`, the same on every run, so a crashed run is
   simply run again: a step that was done answers as it did the first time, here and at the
   gateway, and nothing is done twice. A chunk whose transaction fails rolls back whole, and
   its items then go one by one.
3. One item failing (declined, refused, a bug) is reported and the batch goes on; the command
   exits with status 1 when any item failed.

`--dry-run` asks each job what it would do (`preview`): nothing is claimed or written.
"""

import gc
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from django.db.models import Model, QuerySet

from backoffice.batch.claims import claimed, commit_mode
from backoffice.batch.console import BatchConsole
from backoffice.batch.results import BatchReport, ItemResult, failed

logger = logging.getLogger("payments.batch")


class BatchJob[M: Model](ABC):
    """One kind of batch work. Subclasses say what the items are and what to do with one."""

    name: ClassVar[str]  # the command's name: idempotency keys and claims are scoped by it
    title: ClassVar[str]  # the summary table's title
    noun: ClassVar[str] = "item"
    # True only for a job whose every write a re-run redoes under the same keys, and whose lost
    # writes can't lead anyone to move money twice (see `claims.commit_mode`).
    redo_safe: ClassVar[bool] = False

    @abstractmethod
    def candidates(self, *, among: list[int] | None = None) -> QuerySet[M]:
        """Every item the job would act on now (its predicate); the runner orders by pk.

        `among`: only these pks (the chunk being claimed). A job whose predicate looks at other
        tables restricts those subqueries to them rather than the item's own pk, which implies
        it: checking a chunk then reads that chunk's rows from the other tables' indexes rather
        than whole tables, and the planner reaches the items by their pks from those rows (a
        second list on the items' pk made it walk another index of the items for each row).
        """

    def scope(self) -> QuerySet[M]:
        """A superset of the candidates on the item's own columns (store, state): what the
        runner walks through in pk order, a chunk at a time, before checking the predicate
        on the chunk. The default is the candidates themselves."""
        return self.candidates()

    @abstractmethod
    def label(self, item: M) -> str:
        """How an item is named at the start of its line ("#100000123")."""

    @abstractmethod
    def process(self, item: M, *, key: str) -> ItemResult:
        """Do the work for one claimed item; `key` is the item's idempotency key prefix."""

    @abstractmethod
    def preview(self, item: M) -> ItemResult:
        """What `process` would do, without writing anything (`--dry-run`)."""

    def process_chunk(self, items: list[M]) -> dict[int, ItemResult]:
        """Settle what it can of a claimed chunk at once: {item pk: result}.

        The items it leaves out go through `process` one by one, and so does the whole chunk
        when this raises (its transaction rolled back). A job overrides it when doing the
        common case for many items in a few statements is what makes it fast enough.
        """
        return {}

    def key(self, item: M) -> str:
        return f"{self.name}:{item.pk}"

    def sentence(self, report: "BatchReport") -> str:
        """The last line of the output (scripts and tests read it)."""
        if report.dry_run:
            return (
                f"Dry run: {report.seen} {self.noun}(s): {report.done} to do, "
                f"{report.skipped} skipped, {report.failed} would fail."
            )
        return (
            f"{report.seen} {self.noun}(s): {report.done} done, "
            f"{report.skipped} skipped, {report.failed} failed."
        )


def run_batch[M: Model](
    job: BatchJob[M],
    *,
    console: BatchConsole,
    limit: int | None = None,
    dry_run: bool = False,
    chunk_size: int = 100,
) -> BatchReport:
    """Run `job` over its candidates (at most `limit` items for this worker)."""
    report = BatchReport(job=job.name, title=job.title, noun=job.noun, dry_run=dry_run)
    started = time.monotonic()
    total = job.candidates().count()
    if limit is not None:
        total = min(total, limit)
    with (
        _long_lived_frozen(),
        commit_mode(redo_safe=job.redo_safe and not dry_run),
        console.progress(total, title=job.title) as advance,
    ):
        last = 0
        while limit is None or report.seen < limit:
            size = chunk_size if limit is None else min(chunk_size, limit - report.seen)
            # The next pks in scope; the claim keeps those that are candidates now (what other
            # workers finished meanwhile drops out). Checking the predicate on the whole table
            # for every chunk would cost a scan of it each time.
            pks = list(
                job.scope().filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size]
            )
            if not pks:
                break
            last = pks[-1]
            with claimed(job, pks, dry_run=dry_run) as items:
                settled = {} if dry_run else _run_chunk(job, items)
                for item in items:
                    result = settled.get(item.pk) or _run_one(job, item, dry_run=dry_run)
                    report.add(result)
                    console.item(job.label(item), result)
                    advance()
    report.elapsed = time.monotonic() - started
    return report


# A chunk makes hundreds of thousands of short-lived objects, most of them in reference cycles
# (model instances and the querysets of their relation caches point at each other), which only
# the garbage collector's full collections free. Left to itself, the collector runs one or two
# such collections per chunk and thousands of small ones, each over everything alive: an eighth
# of a capture worker's CPU. So what lives as long as the run (Django, the app) is frozen out of
# its sight, and a chunk is collected once, when it is done (its garbage waits until then: at
# the default chunk size a capture worker peaks under 100 MB).


@contextmanager
def _long_lived_frozen() -> Iterator[None]:
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _collected_when_done() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.collect()


def _run_chunk[M: Model](job: BatchJob[M], items: list[M]) -> dict[int, ItemResult]:
    try:
        with _collected_when_done():
            return job.process_chunk(items)
    except Exception:  # the chunk's own transaction rolled back: each item on its own, then
        logger.exception(
            "%s: a chunk of %d failed; processing its items one by one", job.name, len(items)
        )
        return {}


def _run_one[M: Model](job: BatchJob[M], item: M, *, dry_run: bool) -> ItemResult:
    try:
        return job.preview(item) if dry_run else job.process(item, key=job.key(item))
    except Exception as exc:  # one item's bug must not stop the batch; its steps rolled back
        logger.exception("%s: %s failed", job.name, job.label(item))
        return failed("error", f"unexpected error: {type(exc).__name__}: {exc}")

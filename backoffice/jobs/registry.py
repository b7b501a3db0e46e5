"""The job kinds apps register: what a job of each kind does, row by row.

    register(JobKind(name="orders.hold", title="Hold", noun="order", rows=..., process=...))

`rows(job)` yields chunks of rows, resolved in the task from the job's params (a selection of
ids, or a filter: "all N matching"); `key(row)` names a row once per job; `process(job, row)`
does one row and says what happened (`backoffice.batch.results`: done / failed / skipped,
with the reason). An export or print kind also has `build_file(job, keys)`: the file made of
the rows done, kept with the job for "Download file".
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from backoffice.batch.results import ItemResult
from backoffice.job_models import Job


@dataclass(frozen=True)
class JobFile:
    name: str  # "invoices-12.pdf"
    content_type: str
    data: bytes


@dataclass(frozen=True)
class JobKind:
    name: str  # "orders.capture"
    title: str  # the action's label: "Capture"
    noun: str  # what a row is: "order"
    rows: Callable[[Job], Iterator[Sequence[Any]]]
    key: Callable[[Any], str]
    label: Callable[[Any], str]
    store_id: Callable[[Any], int | None]
    process: Callable[[Job, Any], ItemResult]
    count: Callable[[Job], int] | None = None
    build_file: Callable[[Job, list[str]], JobFile | None] | None = None
    row_url: Callable[[str], str] | None = None  # a row's page, from its key
    back_url: str = ""  # where the rows are listed ("/orders/")
    # Record a chunk's rows at once (exports, prints: nothing moves, a crash redoes the chunk)
    # rather than each row as soon as it is done (money: a resumed job says what was done).
    bulk_record: bool = False

    @property
    def makes_file(self) -> bool:
        return self.build_file is not None


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    """Register `kind` (from an app's `AppConfig.ready`); registering it again replaces it."""
    _KINDS[kind.name] = kind
    return kind


def job_kind(name: str) -> JobKind:
    """The registered kind; KeyError when no app registered it."""
    return _KINDS[name]


def is_registered(name: str) -> bool:
    return name in _KINDS

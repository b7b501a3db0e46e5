"""A progress bar on a terminal (stderr), nothing when output is piped or captured."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class Advance(Protocol):
    def __call__(self, steps: int = 1) -> None: ...


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Advance]:
    if not sys.stderr.isatty():
        yield lambda steps=1: None
        return
    progress = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )
    with progress:
        task = progress.add_task(label, total=total)
        yield lambda steps=1: progress.advance(task, steps)

"""What a batch command prints.

- On a terminal: a rich progress bar on stderr, item lines printed above it.
- Otherwise (cron, systemd, Kubernetes logs, tests): plain lines, one per item, and a plain
  progress line on stderr every `PLAIN_PROGRESS_EVERY` seconds for long runs.
- At the end: a summary table (outcome, result, count, amount per currency) and one sentence.

Item lines go to stdout, failed ones to stderr. `--verbosity 0` prints nothing when all went
well, and only the failures and the summary otherwise; `--verbosity 2` also prints the items
there was nothing to do for. A command whose
stdout carries data (export_transactions) sends its report to stderr instead.
"""

import io
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from django.core.management.base import OutputWrapper
from rich import box
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from backoffice.batch.results import BatchReport, ItemResult, Status
from backoffice.money import format_money

PLAIN_PROGRESS_EVERY = 10.0
_STATUS_ORDER = {Status.DONE: 0, Status.SKIPPED: 1, Status.FAILED: 2}
_DRY_RUN_LABELS = {Status.DONE: "to do", Status.FAILED: "would fail"}
_STATUS_STYLE = {Status.DONE: "green", Status.SKIPPED: "yellow", Status.FAILED: "bold red"}

Advance = Callable[[], None]


def _wrapped(stream: TextIO | OutputWrapper) -> OutputWrapper:
    return stream if isinstance(stream, OutputWrapper) else OutputWrapper(stream)


class BatchConsole:
    def __init__(
        self,
        *,
        out: TextIO | OutputWrapper,
        err: TextIO | OutputWrapper,
        verbosity: int = 1,
        report_to_err: bool = False,
    ) -> None:
        self.out, self.err = _wrapped(out), _wrapped(err)
        self.verbosity = verbosity
        self.report = self.err if report_to_err else self.out
        self._live: Progress | None = None

    # -- progress ------------------------------------------------------------------------------

    @contextmanager
    def progress(self, total: int, *, title: str) -> Iterator[Advance]:
        if self.verbosity and self.err.isatty():
            with self._bar(total, title=title) as step:
                yield step
            return
        count, started = 0, time.monotonic()
        next_line = started + PLAIN_PROGRESS_EVERY

        def advance() -> None:
            nonlocal count, next_line
            count += 1
            now = time.monotonic()
            if self.verbosity and now >= next_line:
                next_line = now + PLAIN_PROGRESS_EVERY
                share = f" ({count / total:.0%})" if total else ""
                self.err.write(
                    f"{title}: {count:,} of {total:,}{share}, {now - started:.0f} s",
                    style_func=lambda text: text,
                )

        yield advance

    @contextmanager
    def _bar(self, total: int, *, title: str) -> Iterator[Advance]:
        progress = Progress(
            TextColumn(title),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            # The terminal itself: Django's wrapper would add a newline to every redraw.
            console=Console(file=getattr(self.err, "_out", sys.stderr)),
            transient=True,
        )
        with progress:
            task = progress.add_task(title, total=total)
            self._live = progress
            try:
                yield lambda: progress.advance(task)
            finally:
                self._live = None

    # -- lines ---------------------------------------------------------------------------------

    def item(self, label: str, result: ItemResult) -> None:
        failure = result.status == Status.FAILED
        if not failure and (self.verbosity < 1 or (result.quiet and self.verbosity < 2)):
            return
        text = f"{label}: {result.message or result.outcome}"
        stream = self.err if failure else self.out
        if self._live is not None and stream.isatty():
            # Printed above the live bar instead of through it.
            self._live.console.print(
                text, markup=False, highlight=False, style="red" if failure else None
            )
        else:
            stream.write(text)

    def summary(self, report: BatchReport, sentence: str) -> None:
        if self.verbosity == 0 and not report.failed:
            return  # quiet when all went well: cron mails only what needs a look
        table = Table(
            title=f"{report.title}{' (dry run)' if report.dry_run else ''}",
            box=box.SIMPLE_HEAD,
            show_footer=True,
            caption=f"{report.seen:,} {report.noun}(s) in {report.elapsed:.1f} s",
        )
        table.add_column("Outcome", footer="Total")
        table.add_column("Result")
        table.add_column("Count", justify="right", footer=f"{report.seen:,}", footer_style="bold")
        table.add_column("Amount")
        rows = sorted(
            report.outcomes.items(),
            key=lambda pair: (_STATUS_ORDER[pair[1].status], -pair[1].count, pair[0]),
        )
        for (outcome, _result), total in rows:
            amounts = " · ".join(
                format_money(amount, currency) for currency, amount in sorted(total.amounts.items())
            )
            result = total.result or str(total.status)
            if report.dry_run and not total.result:
                result = _DRY_RUN_LABELS.get(total.status, result)
            table.add_row(
                outcome,
                f"[{_STATUS_STYLE[total.status]}]{result}[/]",
                f"{total.count:,}",
                amounts,
            )
        self.report.write(self._render(table).rstrip("\n"), style_func=lambda text: text)
        self.report.write(sentence, style_func=lambda text: text)

    def _render(self, table: Table) -> str:
        terminal = self.report.isatty()
        width = shutil.get_terminal_size().columns if terminal else 100
        console = Console(
            file=io.StringIO(),
            width=width,
            force_terminal=terminal,
            no_color=not terminal,
            highlight=False,
        )
        console.print(table)
        assert isinstance(console.file, io.StringIO)
        return console.file.getvalue()

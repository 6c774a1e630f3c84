"""Batch progress on stderr: a rich bar on a terminal, plain lines otherwise, or errors only.

In: events from the batch runner (a file started, a chunk answered, a file finished). Out:
text on a console; waits, notices and tokens arriving come from `activity.ACTIVITY`.
`make_progress` picks the form: a live bar (files done/total, chunks,
tokens, cost so far, ETA) when the console is a terminal, one line per finished file such as
`[3/5] a/b.txt ok (12 findings, 4 chunks, 1.2s)` when it is not (a pipe or a log file), and
only failures with `quiet`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from summarizer.core.activity import ACTIVITY, Activity
from summarizer.core.schema import Usage

#: Dollars for a usage, or None when the model has no known price.
CostFn = Callable[[Usage], float | None]


class BatchProgress(Protocol):
    """What the batch runner reports to; every method is called from the event loop."""

    def start(self, total_files: int) -> None: ...

    def chunk_done(self, path: str, usage: Usage, cached: bool, failed: bool) -> None: ...

    def file_done(
        self, path: str, status: str, usage: Usage, detail: str, error: str | None
    ) -> None: ...

    def stop(self) -> None: ...


class _Tally:
    """Running totals shared by every form of progress."""

    def __init__(self, cost: CostFn) -> None:
        self.cost = cost
        self.total = 0
        self.done = 0
        self.chunks = 0
        self.finished_usage = Usage()
        # Chunk usage of files still in flight; replaced by the file's total when it ends,
        # so the overview call is counted and nothing twice.
        self.partial: dict[str, Usage] = {}

    def chunk(self, path: str, usage: Usage) -> None:
        self.chunks += 1
        self.partial[path] = self.partial.get(path, Usage()) + usage

    def file(self, path: str, status: str, usage: Usage) -> None:
        self.done += 1
        self.partial.pop(path, None)
        # A skipped input's usage was spent by an earlier run: the final table leaves it
        # out (batch.totals_of), so the running totals do too.
        if status != "skipped":
            self.finished_usage = self.finished_usage + usage

    def usage(self) -> Usage:
        total = self.finished_usage
        for u in self.partial.values():
            total = total + u
        return total

    def cost_text(self) -> str:
        usage = self.usage()
        if usage.calls == 0:
            return "$0"
        usd = self.cost(usage)
        return "$?" if usd is None else f"${usd:.4f}"

    def tokens_text(self) -> str:
        u = self.usage()
        return f"{u.prompt_tokens + u.completion_tokens:,} tok"


class PlainProgress:
    """One line per finished file; failures always, the rest unless quiet."""

    def __init__(self, console: Console, cost: CostFn, *, quiet: bool = False) -> None:
        self.console = console
        self.quiet = quiet
        self.tally = _Tally(cost)

    def start(self, total_files: int) -> None:
        self.tally.total = total_files

    def chunk_done(self, path: str, usage: Usage, cached: bool, failed: bool) -> None:
        self.tally.chunk(path, usage)

    def file_done(
        self, path: str, status: str, usage: Usage, detail: str, error: str | None
    ) -> None:
        self.tally.file(path, status, usage)
        if self.quiet and status != "failed":
            return
        head = f"[{self.tally.done}/{self.tally.total}] {path} {status}"
        line = f"{head}: {error}" if error else (f"{head} ({detail})" if detail else head)
        # Plain text: no markup parsing (paths may hold brackets), no highlighting, no wrap.
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        pass


class RichProgress:
    """A live progress bar; failures are printed above it as they happen."""

    def __init__(self, console: Console, cost: CostFn) -> None:
        self.console = console
        self.tally = _Tally(cost)
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]files"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[chunks]} chunks"),
            TextColumn("{task.fields[tokens]}"),
            TextColumn("{task.fields[cost]}"),
            LiveColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        )
        self.task = self.bar.add_task("batch", total=None, chunks=0, tokens="0 tok", cost="$0")

    def start(self, total_files: int) -> None:
        self.tally.total = total_files
        self.bar.update(self.task, total=total_files)
        self.bar.start()

    def _refresh(self) -> None:
        self.bar.update(
            self.task,
            completed=self.tally.done,
            chunks=self.tally.chunks,
            tokens=self.tally.tokens_text(),
            cost=self.tally.cost_text(),
        )

    def chunk_done(self, path: str, usage: Usage, cached: bool, failed: bool) -> None:
        self.tally.chunk(path, usage)
        self._refresh()

    def file_done(
        self, path: str, status: str, usage: Usage, detail: str, error: str | None
    ) -> None:
        self.tally.file(path, status, usage)
        if status == "failed":
            self.bar.console.print(
                f"[red]failed[/] {escape(path)}: {escape(error or '')}", soft_wrap=True
            )
        self._refresh()

    def stop(self) -> None:
        self.bar.stop()


class LiveColumn(ProgressColumn):
    """Completion tokens arriving and their pace, or the wait before a retry (read at every
    refresh, so a two-minute call visibly moves)."""

    def __init__(self, activity: Activity = ACTIVITY) -> None:
        super().__init__()
        self.activity = activity

    def render(self, task: Task) -> Text:
        return Text(self.activity.status(), style="cyan")


def announce_waits(console: Console, activity: Activity = ACTIVITY) -> Callable[[], None]:
    """Print waits and one-line notices of model calls on `console`; returns the undo."""

    def show(line: str) -> None:
        console.print(f"[dim]{escape(line)}[/dim]", soft_wrap=True)

    activity.listeners.append(show)
    return lambda: activity.listeners.remove(show)


def make_progress(console: Console, cost: CostFn, *, quiet: bool = False) -> BatchProgress:
    """A rich bar on a terminal, plain lines elsewhere, only failures when quiet."""
    if console.is_terminal and not quiet:
        return RichProgress(console, cost)
    return PlainProgress(console, cost, quiet=quiet)

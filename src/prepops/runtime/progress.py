"""Progress bars for long work: count, rate and time left on a terminal, nothing otherwise.

A bar goes to stderr only when stderr is a terminal, so `dvc repro`'s logs (stages the
runner forks write to a pipe) and anything redirected to a file stay plain text. Rich is
imported only when a bar is drawn: quick CLI paths never pay for it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, TypeVar

T = TypeVar("T")

MIN_TOTAL = 200  # fewer items than this finish before a bar would tell anyone anything


def shown(stream: IO[str] | None = None) -> bool:
    """Whether a bar would be drawn on `stream` (stderr): a terminal, PREPOPS_PROGRESS not off."""
    if os.environ.get("PREPOPS_PROGRESS", "").lower() in ("0", "off", "false", "no"):
        return False
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _noop(n: int = 1) -> None:
    """Advance nothing (no bar)."""


@contextlib.contextmanager
def progress(
    label: str, total: int, *, stream: IO[str] | None = None, min_total: int = MIN_TOTAL
) -> Iterator[Callable[[int], None]]:
    """Within: an `advance(n=1)` callable, drawing a bar of `total` items on a terminal."""
    if total < min_total or not shown(stream):
        yield _noop
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Rate(ProgressColumn):
        """Items a second (Rich's moving average; blank until it has two samples)."""

        def render(self, task) -> Text:
            return Text(f"{task.speed:,.0f}/s" if task.speed else "")

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        Rate(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    console = Console(file=sys.stderr if stream is None else stream)
    with Progress(*columns, console=console) as bar:
        task = bar.add_task(label, total=total)
        yield lambda n=1: bar.advance(task, n)


def track(
    items: Iterable[T], label: str, total: int, *, stream: IO[str] | None = None
) -> Iterator[T]:
    """Each of `items`, advancing a bar of `total` (see progress())."""
    with progress(label, total, stream=stream) as advance:
        for item in items:
            yield item
            advance()

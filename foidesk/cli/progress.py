"""The command line's progress bar: the one place that draws what library work reports."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import Progress

from foidesk.progress import ProgressCallback


@contextmanager
def progress_bar(description: str) -> Iterator[ProgressCallback]:
    """A transient Rich bar, and the callback (``foidesk.progress``) that moves it."""
    with Progress(transient=True) as bar:
        task = bar.add_task(description, total=None)

        def report(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total or None)

        yield report

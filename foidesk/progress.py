"""Progress of long library work: the one callback shape every concern reports through.

A library function that takes a while accepts ``progress: ProgressCallback | None`` and
calls ``progress(stage, done, total)`` as it advances: ``stage`` says what it is doing,
``done`` of ``total`` steps (sources, parts, tables, pages) are finished; ``total`` is 0
while it is not yet known. Library code draws nothing: the command line turns the calls
into a progress bar, a web page into a job's status, a test into a list it can check.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, int, int], None]

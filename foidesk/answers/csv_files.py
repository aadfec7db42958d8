"""One CSV file per table: the table's header row and rows, markers as their text.

A CSV carries exactly what the workbook's table sheet shows between its header and its
last row: row labels, then counts (or ``[c]``-style shorthand where a cell is marked), in
UTF-8 with a header row and no index. Titles and notes are in the workbook and manifest.
"""

from __future__ import annotations

from pathlib import Path

from foidesk.stats.table import ComputedTable


def write_csv(path: str | Path, table: ComputedTable) -> Path:
    """Write ``table`` as CSV to ``path``; a marked cell's number is not written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table.display_frame().to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path

"""The computed table: interior counts, totals, and per-cell shorthand markers.

A ``ComputedTable`` is what every output is written from. It holds the interior counts
of one specification as a rows x columns grid (every category listed, zero-filled), and
derives totals from them: because each counting unit falls in exactly one interior cell,
a total is the sum of the interior cells it spans. A cell may carry a shorthand marker
(``[c]`` suppressed, ``[x]`` not available, ``[z]`` not applicable) set by disclosure
control; writers show the marker in place of the number and never write the number.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from foidesk.stats.specs import UNIT_LABELS, TableSpec

TOTAL = "Total"
SHORTHAND: dict[str, str] = {
    "[c]": "Confidential: withheld to protect the people the figures are about.",
    "[x]": "Not available.",
    "[z]": "Not applicable.",
}

Labels = tuple[str, ...]
CellKey = tuple[Labels, Labels]


@dataclass(frozen=True)
class Cell:
    """One cell of a table in long form.

    ``row`` and ``column`` hold one label per row or column dimension ("Total" in the
    positions a total spans). For a total, ``sums`` lists the (row, column) keys of the
    interior cells it adds up; for an interior cell it is empty.
    """

    table_id: str
    row: Labels
    column: Labels
    value: int
    is_total: bool
    sums: tuple[CellKey, ...] = ()
    marker: str | None = None

    @property
    def key(self) -> CellKey:
        return (self.row, self.column)

    @property
    def shown(self) -> int | str:
        """What a reader sees: the marker when there is one, otherwise the number."""
        return self.marker if self.marker is not None else self.value


@dataclass(frozen=True)
class ComputedTable:
    """A specification's result: interior grid, categories and any shorthand markers."""

    spec: TableSpec
    row_keys: tuple[Labels, ...]
    column_keys: tuple[Labels, ...]
    counts: np.ndarray  # shape (len(row_keys), len(column_keys)), int64
    markers: Mapping[CellKey, str] = field(default_factory=dict)

    # -- building -------------------------------------------------------------------------

    @classmethod
    def from_counts(
        cls,
        spec: TableSpec,
        counts: pa.Table,
        categories: Mapping[str, list[str]],
        *,
        count_column: str = "n",
    ) -> ComputedTable:
        """Lay aggregated counts (one row per non-empty cell) onto every category."""
        row_kinds = [d.kind for d in spec.rows]
        col_kinds = [d.kind for d in spec.columns]
        row_keys = tuple(itertools.product(*(categories[k] for k in row_kinds)))
        column_keys = tuple(itertools.product(*(categories[k] for k in col_kinds)))
        labels = {kind: counts[kind].to_pylist() for kind in row_kinds + col_kinds}
        unknown = [
            f"{kind}: {', '.join(sorted(map(str, set(found) - set(categories[kind]))))}"
            for kind, found in labels.items()
            if set(found) - set(categories[kind])
        ]
        if unknown:
            # Every unit must land in a listed category; anything else is a reference gap.
            raise ValueError(f"{spec.id}: categories missing from reference data: {unknown}")
        row_pos = _positions(labels, row_kinds, row_keys, counts.num_rows)
        col_pos = _positions(labels, col_kinds, column_keys, counts.num_rows)
        values = np.zeros((len(row_keys), len(column_keys)), dtype="int64")
        np.add.at(values, (row_pos, col_pos), counts[count_column].to_numpy().astype("int64"))
        return cls(spec, row_keys, column_keys, values)

    def with_markers(self, markers: Mapping[CellKey, str]) -> ComputedTable:
        """A copy with ``markers`` set on the given (row, column) cells, totals included."""
        known = {c.key for c in self.cells()}
        missing = [k for k in markers if k not in known]
        if missing:
            raise KeyError(f"{self.spec.id}: no such cell(s): {missing}")
        return replace(self, markers={**self.markers, **markers})

    # -- shape ----------------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def has_total_column(self) -> bool:
        return self.spec.totals.rows and bool(self.spec.columns)

    @property
    def has_total_row(self) -> bool:
        return self.spec.totals.columns and len(self.row_keys) > 1

    @property
    def total_row_key(self) -> Labels:
        return (TOTAL,) * len(self.spec.rows)

    @property
    def total_column_key(self) -> Labels:
        return (TOTAL,) * len(self.spec.columns)

    @property
    def grand_total(self) -> int:
        return int(self.counts.sum())

    def cells(self) -> list[Cell]:
        """Every cell in reading order: each row's interior cells then its Total, and the
        Total row last."""
        out: list[Cell] = []
        table_id = self.id
        for i, row in enumerate(self.row_keys):
            for j, col in enumerate(self.column_keys):
                key = (row, col)
                out.append(
                    Cell(table_id, row, col, int(self.counts[i, j]), False, (), self._m(key))
                )
            if self.has_total_column:
                key = (row, self.total_column_key)
                sums = tuple((row, c) for c in self.column_keys)
                value = int(self.counts[i].sum())
                out.append(Cell(table_id, *key, value, True, sums, self._m(key)))
        if self.has_total_row:
            row = self.total_row_key
            for j, col in enumerate(self.column_keys):
                key = (row, col)
                sums = tuple((r, col) for r in self.row_keys)
                value = int(self.counts[:, j].sum())
                out.append(Cell(table_id, *key, value, True, sums, self._m(key)))
            if self.has_total_column:
                key = (row, self.total_column_key)
                sums = tuple((r, c) for r in self.row_keys for c in self.column_keys)
                out.append(Cell(table_id, *key, self.grand_total, True, sums, self._m(key)))
        return out

    def _m(self, key: CellKey) -> str | None:
        return self.markers.get(key)

    def cells_table(self) -> pa.Table:
        """The long-form list of cells as Arrow (see ``Cell``)."""
        cells = self.cells()
        key_type = pa.struct(
            [
                pa.field("row_labels", pa.list_(pa.string())),
                ("column_labels", pa.list_(pa.string())),
            ]
        )
        return pa.table(
            {
                "table_id": pa.array([c.table_id for c in cells], pa.string()),
                "row_labels": pa.array([list(c.row) for c in cells], pa.list_(pa.string())),
                "column_labels": pa.array([list(c.column) for c in cells], pa.list_(pa.string())),
                "value": pa.array([c.value for c in cells], pa.int64()),
                "marker": pa.array([c.marker for c in cells], pa.string()),
                "is_total": pa.array([c.is_total for c in cells], pa.bool_()),
                "sums": pa.array(
                    [
                        [{"row_labels": list(r), "column_labels": list(k)} for r, k in c.sums]
                        for c in cells
                    ],
                    pa.list_(key_type),
                ),
            }
        )

    # -- presentation ---------------------------------------------------------------------

    @property
    def value_heading(self) -> str:
        """Heading of the single value column when a table has no column dimension."""
        return f"Number of {UNIT_LABELS[self.spec.counting_unit]}"

    def column_headings(self) -> list[str]:
        """Headings of the value columns, in order (one header row).

        Each names its dimension as well as its category ("Victim sex: Female"), so a
        column read alone, as a screen reader announces it, says what it holds.
        """
        if not self.spec.columns:
            return [self.value_heading]
        headings = [
            "; ".join(
                f"{d.heading}: {label}" for d, label in zip(self.spec.columns, col, strict=True)
            )
            for col in self.column_keys
        ]
        if self.has_total_column:
            headings.append(TOTAL)
        return headings

    def display_frame(self) -> pd.DataFrame:
        """The table as readers see it: one column per row dimension, then value columns.

        Values are ints, or the marker text where a cell carries one; the number of a
        marked cell is not in the frame at all.
        """
        headings = [d.heading for d in self.spec.rows]
        values = self.column_headings()
        records: dict[Labels, list[int | str]] = {}
        for cell in self.cells():
            records.setdefault(cell.row, []).append(cell.shown)
        rows = [list(labels) + shown for labels, shown in records.items()]
        frame = pd.DataFrame(rows, columns=headings + values)
        for heading in values:
            column = frame[heading]
            frame[heading] = column.astype(object) if column.map(type).eq(str).any() else column
        return frame

    @property
    def unit_label(self) -> str:
        return UNIT_LABELS[self.spec.counting_unit]


def _positions(
    labels: Mapping[str, list], kinds: list[str], keys: tuple[Labels, ...], n: int
) -> np.ndarray:
    """Position among ``keys`` of each aggregated row's labels for ``kinds``.

    The rows are the table's non-empty cells, a few hundred at most, so a lookup per row
    is cheaper than building an index over them.
    """
    if not kinds:
        return np.zeros(n, dtype="int64")
    where = {key: i for i, key in enumerate(keys)}
    rows = zip(*(labels[k] for k in kinds), strict=True)
    return np.array([where[key] for key in rows], dtype="int64")

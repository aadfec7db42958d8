"""Small tables for disclosure-control tests, built straight in the linked-cell model.

``two_way`` lays out a rows x columns table with a Total column, a Total row and the
grand total, where each interior cell is one atom (as it is when a table is the only
one counting its units). ``row_totals`` is a one-column table of the same rows' totals
over the same atoms: a second table linked to the first, like the seed's Table 3 and
Table 5.
``same_rows`` lays out several tables of the same records and rows, each with its own
split into columns (and every margin): tables linked through atoms that are not simply
two-way, where the attacker's bounds with real numbers can be wider than with whole ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from foidesk.stats.audit import Cell, LinkedCells


def _interior_atoms(values: np.ndarray, zero_atoms: bool) -> list[list[tuple[int, ...]]]:
    # Empty cells have no atom unless asked: the attacker model leaves empty atoms out.
    present = np.ones(values.shape, dtype=bool) if zero_atoms else values > 0
    ids = np.cumsum(present.flatten()).reshape(values.shape) - 1
    return [
        [(int(ids[i, j]),) if present[i, j] else () for j in range(values.shape[1])]
        for i in range(values.shape[0])
    ]


def atom_values(values: Sequence[Sequence[int]], zero_atoms: bool = False) -> np.ndarray:
    flat = np.asarray(values, dtype=np.int64).flatten()
    return flat if zero_atoms else flat[flat > 0]


def two_way(
    values: Sequence[Sequence[int]],
    name: str = "A",
    rows: Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    zero_atoms: bool = False,
) -> list[Cell]:
    grid = np.asarray(values, dtype=np.int64)
    n_rows, n_cols = grid.shape
    rows = list(rows or [f"r{i + 1}" for i in range(n_rows)])
    columns = list(columns or [f"c{j + 1}" for j in range(n_cols)])
    atoms = _interior_atoms(grid, zero_atoms)
    truth = atom_values(values, zero_atoms)
    cells = []

    def add(row: str, col: str, members: list[int]) -> None:
        value = int(sum(truth[k] for k in members))
        cells.append(Cell(f"{name}|{row}|{col}", name, (row, col), value, tuple(members)))

    for i in range(n_rows):
        for j in range(n_cols):
            add(rows[i], columns[j], list(atoms[i][j]))
        add(rows[i], "Total", [k for j in range(n_cols) for k in atoms[i][j]])
    for j in range(n_cols):
        add("Total", columns[j], [k for i in range(n_rows) for k in atoms[i][j]])
    add("Total", "Total", [k for i in range(n_rows) for j in range(n_cols) for k in atoms[i][j]])
    return cells


def row_totals(
    values: Sequence[Sequence[int]], name: str = "B", rows: Sequence[str] | None = None
) -> list[Cell]:
    grid = np.asarray(values, dtype=np.int64)
    rows = list(rows or [f"r{i + 1}" for i in range(grid.shape[0])])
    atoms = _interior_atoms(grid, zero_atoms=False)
    cells = [
        Cell(
            f"{name}|{row}|n",
            name,
            (row, "n"),
            int(grid[i].sum()),
            tuple(k for cell in atoms[i] for k in cell),
        )
        for i, row in enumerate(rows)
    ]
    everything = tuple(k for row in atoms for cell in row for k in cell)
    cells.append(Cell(f"{name}|Total|n", name, ("Total", "n"), int(grid.sum()), everything))
    return cells


def linked(
    values: Sequence[Sequence[int]], *tables: list[Cell], zero_atoms: bool = False
) -> LinkedCells:
    return LinkedCells([c for t in tables for c in t], atom_values(values, zero_atoms))


def same_rows(keys: np.ndarray) -> LinkedCells:
    """One table per column of ``keys`` after the first: rows by that column, with a
    Total column, a Total row and the grand total, all over the same records.

    ``keys`` has one row per record: its row index, then its category in each split.
    Each distinct key is an atom.
    """
    atoms, counts = np.unique(keys, axis=0, return_counts=True)
    cells = []
    n_rows = int(keys[:, 0].max()) + 1
    for t in range(1, keys.shape[1]):
        name = f"T{t}"
        for i in [*range(n_rows), None]:
            for j in [*range(int(keys[:, t].max()) + 1), None]:
                mask = np.ones(len(atoms), dtype=bool)
                if i is not None:
                    mask &= atoms[:, 0] == i
                if j is not None:
                    mask &= atoms[:, t] == j
                members = tuple(int(k) for k in np.flatnonzero(mask))
                row = "Total" if i is None else f"r{i + 1}"
                col = "Total" if j is None else f"c{j + 1}"
                value = int(counts[list(members)].sum())
                cells.append(Cell(f"{name}|{row}|{col}", name, (row, col), value, members))
    return LinkedCells(cells, counts)

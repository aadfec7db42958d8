"""Reference code lists held as data files a force can replace with its own.

The package ships offence classifications, how-known code lists, outcome types and sex
codes as CSV files in ``foidesk/records/reference/``. Each file has exactly the columns of
its canonical table (see ``foidesk.records.schema``); an empty cell is a null.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from foidesk.records.schema import (
    HOW_KNOWN_CODES,
    OFFENCE_CLASSIFICATION,
    OUTCOME_TYPES,
    SEXES,
    CanonicalTable,
    conform,
)

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

# The files used when a load names none: Home Office offences and the illustrative
# how-known list (the Metropolitan Police's own list is not public).
DEFAULT_FILES: dict[str, Path] = {
    OFFENCE_CLASSIFICATION.name: REFERENCE_DIR / "offences_ho.csv",
    HOW_KNOWN_CODES.name: REFERENCE_DIR / "how_known_illustrative.csv",
    OUTCOME_TYPES.name: REFERENCE_DIR / "outcome_types.csv",
    SEXES.name: REFERENCE_DIR / "sexes.csv",
}

_BY_NAME: dict[str, CanonicalTable] = {
    t.name: t for t in (OFFENCE_CLASSIFICATION, HOW_KNOWN_CODES, OUTCOME_TYPES, SEXES)
}


def read_reference_file(table: str, path: str | Path) -> pa.Table:
    """Read one reference CSV as the canonical table ``table``; name the file on error."""
    spec = _BY_NAME[table]
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: reference file for {table} not found")
    string_types = {c.name: pa.string() for c in spec.columns}
    data = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(column_types=string_types, strings_can_be_null=True),
    )
    missing = [c for c in spec.column_names if c not in data.column_names]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)} for {table}")
    columns = {}
    for column in spec.columns:
        values = data[column.name]
        if pa.types.is_date32(column.type):
            values = pc.cast(pc.strptime(values, format="%Y-%m-%d", unit="s"), pa.date32())
        columns[column.name] = values
    return conform(spec, pa.table(columns))


def load_reference(files: dict[str, str | Path] | None = None) -> dict[str, pa.Table]:
    """Every reference table, from ``files`` where given and the shipped defaults elsewhere.

    A value in ``files`` may be a list of paths: their rows are concatenated, so one
    snapshot can carry several schemes (e.g. Home Office and NIBRS offence codes).
    """
    chosen: dict[str, object] = {**DEFAULT_FILES, **(files or {})}
    tables = {}
    for name, paths in chosen.items():
        path_list = paths if isinstance(paths, list | tuple) else [paths]
        tables[name] = pa.concat_tables([read_reference_file(name, p) for p in path_list])
    return tables

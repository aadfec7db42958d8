"""The canonical crime-record schema: every table, column and type the store holds.

This module is the one definition of the store's shape. Ingest and the synthetic
generator produce Arrow tables that conform to it; the store creates its DuckDB tables
from it; the Parquet export and docs/records.md describe exactly these columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class Column:
    """One canonical column: name, Arrow type, whether it may be null, and its meaning."""

    name: str
    type: pa.DataType
    nullable: bool
    doc: str


@dataclass(frozen=True)
class CanonicalTable:
    """One canonical table: its columns in order and the columns that identify a row."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str

    @property
    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


SEX_CODES = ("F", "M", "U")  # U = not recorded; never dropped from a table

CRIMES = CanonicalTable(
    "crimes",
    (
        Column("crime_id", pa.int64(), False, "Surrogate key, unique within a snapshot."),
        Column("crime_ref", pa.string(), False, "The force's crime reference, as recorded."),
        Column(
            "incident_ref",
            pa.string(),
            True,
            "The incident the offence was recorded in, when one incident holds several.",
        ),
        Column("recorded_date", pa.date32(), False, "Date the crime was recorded."),
        Column("committed_from", pa.date32(), True, "Earliest date the offence was committed."),
        Column("committed_to", pa.date32(), True, "Latest date the offence was committed."),
        Column("offence_scheme", pa.string(), False, "Classification the offence code is in."),
        Column("offence_code", pa.string(), False, "Offence code within offence_scheme."),
        Column("domestic_abuse", pa.bool_(), False, "The force's domestic-abuse flag."),
        Column("area", pa.string(), True, "Area the crime is attributed to (e.g. borough)."),
        Column("source", pa.string(), False, "Where the row came from (file or generator)."),
        Column("force", pa.string(), True, "Police force that recorded the crime."),
    ),
    ("crime_id",),
    "One row per recorded crime (offence).",
)

VICTIMS = CanonicalTable(
    "victims",
    (
        Column("victim_id", pa.int64(), False, "Surrogate key, unique within a snapshot."),
        Column("crime_id", pa.int64(), False, "The crime this person is a victim in."),
        Column("sex", pa.string(), False, "F, M or U (not recorded)."),
        Column("age", pa.int16(), True, "Age in years at the offence, when recorded."),
        Column("age_band", pa.string(), True, "Age band when only a band is recorded."),
    ),
    ("victim_id",),
    "One row per victim of a crime.",
)

SUSPECTS = CanonicalTable(
    "suspects",
    (
        Column("suspect_id", pa.int64(), False, "Surrogate key, unique within a snapshot."),
        Column("crime_id", pa.int64(), False, "The crime this person is a suspect in."),
        Column("sex", pa.string(), False, "F, M or U (not recorded)."),
        Column("age", pa.int16(), True, "Age in years at the offence, when recorded."),
        Column("age_band", pa.string(), True, "Age band when only a band is recorded."),
    ),
    ("suspect_id",),
    "One row per identified suspect; a crime may have none.",
)

RELATIONSHIPS = CanonicalTable(
    "relationships",
    (
        Column("crime_id", pa.int64(), False, "The crime both people are in."),
        Column("victim_id", pa.int64(), False, "The victim of the pair."),
        Column("suspect_id", pa.int64(), False, "The suspect of the pair."),
        Column("how_known_scheme", pa.string(), False, "Code list the how-known code is in."),
        Column("how_known", pa.string(), False, "How the victim knew the suspect."),
    ),
    ("victim_id", "suspect_id"),
    "One row per victim-suspect pair within a crime.",
)

OUTCOMES = CanonicalTable(
    "outcomes",
    (
        Column("crime_id", pa.int64(), False, "The crime the outcome belongs to."),
        Column("outcome_code", pa.string(), True, "Home Office outcome type; null = none yet."),
        Column("outcome_date", pa.date32(), True, "Date the outcome was assigned."),
    ),
    ("crime_id",),
    "One row per crime: its current outcome, or none assigned yet.",
)

OFFENCE_CLASSIFICATION = CanonicalTable(
    "offence_classification",
    (
        Column("scheme", pa.string(), False, "Classification, e.g. HO (Home Office) or NIBRS."),
        Column("code", pa.string(), False, "Offence code within the scheme."),
        Column("class", pa.string(), True, "Offence class within the scheme."),
        Column("name", pa.string(), False, "Offence name."),
        Column("legislation", pa.string(), True, "Statute and section."),
        Column("offence_group", pa.string(), False, "Group that table specifications name."),
        Column("in_force_from", pa.date32(), True, "First date the offence could be recorded."),
        Column("in_force_to", pa.date32(), True, "Last date, when repealed or replaced."),
        Column("verified", pa.string(), True, "Which parts were confirmed in a published source."),
    ),
    ("scheme", "code"),
    "Offence codes with their classes and groups, for one or more schemes.",
)

HOW_KNOWN_CODES = CanonicalTable(
    "how_known_codes",
    (
        Column("scheme", pa.string(), False, "Code list, e.g. MPS-ILLUSTRATIVE or NIBRS."),
        Column("code", pa.string(), False, "How-known code within the scheme."),
        Column("description", pa.string(), False, "What the code means."),
        Column("how_known_group", pa.string(), False, "Group that table specifications name."),
    ),
    ("scheme", "code"),
    "Victim-suspect relationship codes with their groups.",
)

OUTCOME_TYPES = CanonicalTable(
    "outcome_types",
    (
        Column("code", pa.string(), True, "Outcome type 1-22 or 1A; null = none assigned yet."),
        Column("name", pa.string(), False, "Outcome name."),
        Column("outcome_group", pa.string(), False, "Group used in outcome tables."),
    ),
    ("code",),
    "Home Office outcome types with their groups.",
)

SEXES = CanonicalTable(
    "sexes",
    (
        Column("code", pa.string(), False, "F, M or U."),
        Column("label", pa.string(), False, "Label shown in tables."),
    ),
    ("code",),
    "Sex codes; U (not recorded) is a category of its own.",
)

RECORD_TABLES: tuple[CanonicalTable, ...] = (CRIMES, VICTIMS, SUSPECTS, RELATIONSHIPS, OUTCOMES)
REFERENCE_TABLES: tuple[CanonicalTable, ...] = (
    OFFENCE_CLASSIFICATION,
    HOW_KNOWN_CODES,
    OUTCOME_TYPES,
    SEXES,
)
ALL_TABLES: tuple[CanonicalTable, ...] = RECORD_TABLES + REFERENCE_TABLES
TABLES_BY_NAME: dict[str, CanonicalTable] = {t.name: t for t in ALL_TABLES}


# The DuckDB type of each Arrow type the schema uses.
SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "date32[day]": "DATE",
    "bool": "BOOLEAN",
    "int16": "SMALLINT",
    "int64": "BIGINT",
}


# Columns added to the schema after tables were first built without them: absent from
# data handed to ``conform``, they are null (the force is then the settings' or unknown).
ADDED_LATER: tuple[str, ...] = ("force",)


def conform(table: CanonicalTable, data: pa.Table) -> pa.Table:
    """Cast ``data`` to ``table``'s column order and types; raise naming what is missing."""
    for name in ADDED_LATER:
        if name in table.column_names and name not in data.column_names:
            data = data.append_column(name, pa.nulls(data.num_rows, pa.string()))
    missing = [c for c in table.column_names if c not in data.column_names]
    if missing:
        raise ValueError(f"{table.name}: missing column(s) {', '.join(missing)}")
    return data.select(table.column_names).cast(table.arrow_schema)


REJECTS = CanonicalTable(
    "rejects",
    (
        Column("table_name", pa.string(), False, "Canonical table the row was meant for."),
        Column("file", pa.string(), False, "Source file the row came from."),
        Column("line", pa.int64(), False, "Line number in that file (header is line 1)."),
        Column("field", pa.string(), False, "Source field that could not be mapped."),
        Column("value", pa.string(), True, "The value as it appeared in the source."),
        Column("reason", pa.string(), False, "Why the row was rejected."),
    ),
    ("table_name", "file", "line", "field"),
    "Every source row a load could not map, with where it was and why.",
)

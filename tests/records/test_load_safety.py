"""Ordinary bad extracts never corrupt a snapshot or quietly lose rows: repeated rows,
stray quotes, physical line numbers, and files that are not what the mapping says."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.records.ingest import MappingError, load
from foidesk.records.store import Store
from foidesk.stats.compiler import Source, compute_table
from foidesk.stats.specs import parse_table

from .conftest import MAPPINGS
from .test_bad_input import rewrite, snapshot_ids

POLICE_UK = MAPPINGS / "police_uk_city_of_london.yaml"
NIBRS_DC = MAPPINGS / "nibrs_dc.yaml"
JANUARY = "2016-01-city-of-london-street.csv"


def counts(db: Path) -> dict[str, int]:
    with Store(db, read_only=True) as store:
        return {
            t: store.con.sql(f"SELECT count(*) FROM {store.relation(t)}").fetchall()[0][0]
            for t in ("crimes", "victims", "suspects", "relationships", "outcomes")
        }


def rejects(db: Path, table: str | None = None) -> list[tuple]:
    with Store(db, read_only=True) as store:
        where = f"WHERE table_name = '{table}'" if table else ""
        return store.con.sql(
            f"""SELECT table_name, file, line, field, value, reason
                FROM {store.relation("rejects")} {where} ORDER BY ALL"""
        ).fetchall()


# 1. A repeated row in a source that joins fan out --------------------------------------


def test_a_repeated_offence_row_rejects_every_row_made_from_it(
    tmp_path: Path, nibrs_copy: Path
) -> None:
    clean = tmp_path / "clean.duckdb"
    load(NIBRS_DC, clean, source_dir=nibrs_copy)
    offences = nibrs_copy / "2018" / "NIBRS_OFFENSE.csv"
    lines = offences.read_text().splitlines(keepends=True)
    offences.write_text("".join(lines) + lines[1])  # line 2 again, as the last line
    repeated = len(lines) + 1
    incident = next(csv.DictReader(lines))["INCIDENT_ID"]
    with (nibrs_copy / "2018" / "NIBRS_OFFENDER.csv").open(newline="") as handle:
        offenders = [
            (n, r)
            for n, r in enumerate(csv.DictReader(handle), 2)
            if r["INCIDENT_ID"] == incident and r["OFFENDER_SEQ_NUM"] != "0"
        ]
    db = tmp_path / "s.duckdb"

    result = load(NIBRS_DC, db, source_dir=nibrs_copy)

    assert counts(db) == counts(clean)  # 210 crimes, 210 outcomes, 248 suspects: none twice
    assert all(c.balances for c in result.counts.values())
    first = "2018/NIBRS_OFFENSE.csv"
    assert rejects(db, "crimes") == [
        (
            "crimes",
            first,
            repeated,
            "OFFENSE_ID",
            lines[1].split(",")[1],
            f"duplicate key (first at {first} line 2)",
        )
    ]
    made_from = f"made from a row rejected from crimes (at {first} line {repeated})"
    assert rejects(db, "outcomes") == [
        ("outcomes", first, repeated, "(whole record)", None, made_from)
    ]
    assert rejects(db, "suspects") == sorted(
        ("suspects", "2018/NIBRS_OFFENDER.csv", n, "(whole record)", None, made_from)
        for n, _ in offenders
    )
    assert len(offenders) >= 1
    # The tables that went wrong: suspects counted once, crimes by outcome computed.
    with Store(db, read_only=True) as store:
        source = Source.from_store(store)
        by_outcome = parse_table(
            {"id": "t", "title": "T", "counting_unit": "crime", "rows": ["outcome"]}, "test", 0
        )
        suspects = parse_table(
            {"id": "s", "title": "S", "counting_unit": "suspect", "rows": ["suspect_sex"]},
            "test",
            0,
        )
        assert compute_table(by_outcome, source).counts.sum() == counts(clean)["crimes"]
        assert compute_table(suspects, source).counts.sum() == counts(clean)["suspects"]


# 2. A stray quote must not swallow the lines after it ----------------------------------


@pytest.mark.parametrize(
    ("column", "opened"),
    [
        ("Location", lambda line: line.replace(",On or near ", ',"On or near ', 1)),
        # Opened in the last column and closed five lines on: a well-formed record that
        # would swallow four crimes.
        ("Context", lambda line: line.rstrip("\n") + '"\n'),
    ],
)
def test_a_runaway_quoted_field_fails_the_load_naming_where_it_began(
    tmp_path: Path, store_with_snapshot: Path, police_uk_copy: Path, column: str, opened
) -> None:
    path = police_uk_copy / JANUARY
    lines = path.read_text().splitlines(keepends=True)
    lines[19] = opened(lines[19])  # line 20
    if column == "Context":
        lines[24] = lines[24].rstrip("\n") + '"\n'  # closes on line 25
    path.write_text("".join(lines))
    before = snapshot_ids(store_with_snapshot)

    with pytest.raises(MappingError) as caught:
        load(POLICE_UK, store_with_snapshot, source_dir=police_uk_copy)

    message = str(caught.value)
    assert f"{JANUARY}: line 20: the quoted field in column '{column}' begun here" in message
    assert "sources.street.max_lines" in message
    assert snapshot_ids(store_with_snapshot) == before


def police_mapping(tmp_path: Path, **street: object) -> Path:
    spec = yaml.safe_load(POLICE_UK.read_text())
    spec["sources"]["street"].update(street)
    path = tmp_path / "police_uk.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_field_may_span_lines_when_the_mapping_allows_and_lines_stay_physical(
    tmp_path: Path, police_uk_copy: Path
) -> None:
    path = police_uk_copy / JANUARY
    lines = path.read_text().splitlines(keepends=True)
    # A location written over three lines on line 10, a blank line after line 40, and a
    # bad month on the record that was on line 60.
    lines[9] = lines[9].replace(",On or near ", ',"On or near\nthe\ncorner of ', 1)
    lines[9] = lines[9].replace(",E0", '",E0', 1)
    lines[40] = lines[40] + "\n"
    crime_id, month = lines[59].split(",")[:2]
    assert crime_id
    lines[59] = lines[59].replace(f"{crime_id},{month}", f"{crime_id},2016-13", 1)
    text = "".join(lines)
    path.write_text(text)
    physical = text.splitlines().index(next(x for x in text.splitlines() if crime_id in x)) + 1
    assert physical == 60 + 2 + 1  # two lines more in the record at 10, one blank line

    with pytest.raises(MappingError, match=rf"{JANUARY}: line 10: the quoted field in column"):
        load(POLICE_UK, tmp_path / "s.duckdb", source_dir=police_uk_copy)

    mapping = police_mapping(tmp_path, max_lines=3)
    load(mapping, tmp_path / "s.duckdb", source_dir=police_uk_copy)

    assert rejects(tmp_path / "s.duckdb", "crimes") == [
        ("crimes", JANUARY, physical, "Month", "2016-13", "not a date in the format %Y-%m")
    ]


def test_more_rejects_than_a_source_allows_fail_the_load(
    tmp_path: Path, store_with_snapshot: Path, police_uk_copy: Path
) -> None:
    path = police_uk_copy / JANUARY
    with path.open(newline="") as handle:
        crime_lines = [n for n, r in enumerate(csv.DictReader(handle), 2) if r["Crime ID"]]
    rewrite(path, {n: {"Month": "2016-13"} for n in crime_lines[:4]})
    before = snapshot_ids(store_with_snapshot)

    with pytest.raises(MappingError) as caught:
        load(POLICE_UK, store_with_snapshot, source_dir=police_uk_copy)
    message = str(caught.value)
    assert "sources.street: 4 of its 360 records were rejected (1.1%)" in message
    assert "more than the 1% allowed (sources.street.max_rejected)" in message
    assert f"the first: {JANUARY} line {crime_lines[0]}, Month: not a date" in message
    assert snapshot_ids(store_with_snapshot) == before

    mapping = police_mapping(tmp_path, max_rejected="2%")
    result = load(mapping, store_with_snapshot, source_dir=police_uk_copy)
    assert result.counts["crimes"].rejected == 4


# 3. A bad value in a joined source names that file and line ---------------------------


def test_a_bad_date_in_the_joined_incident_file_names_that_file_and_line(
    tmp_path: Path, nibrs_copy: Path
) -> None:
    incidents = nibrs_copy / "2019" / "NIBRS_incident.csv"
    with incidents.open(newline="") as handle:
        incident = list(csv.DictReader(handle))[4]  # line 6
    rewrite(incidents, {6: {"INCIDENT_DATE": "31-FEB-19"}})
    with (nibrs_copy / "2019" / "NIBRS_OFFENSE.csv").open(newline="") as handle:
        offences = [
            r for r in csv.DictReader(handle) if r["INCIDENT_ID"] == incident["INCIDENT_ID"]
        ]

    load(NIBRS_DC, tmp_path / "s.duckdb", source_dir=nibrs_copy)

    assert rejects(tmp_path / "s.duckdb", "crimes") == [
        (
            "crimes",
            "2019/NIBRS_incident.csv",
            6,
            "INCIDENT_DATE",
            "31-FEB-19",
            "not a date in the format %d-%b-%y",
        )
    ] * len(offences)
    assert len(offences) == 1


# 5. Files that are not what the mapping says ------------------------------------------


def test_a_byte_order_mark_is_read_as_one(tmp_path: Path, police_uk_copy: Path) -> None:
    plain = load(POLICE_UK, tmp_path / "plain.duckdb", source_dir=police_uk_copy)
    for path in police_uk_copy.glob("*.csv"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())  # Excel's "CSV UTF-8"

    marked = load(POLICE_UK, tmp_path / "bom.duckdb", source_dir=police_uk_copy)

    assert marked.snapshot.snapshot_id == plain.snapshot.snapshot_id


@pytest.mark.parametrize("where", ["first line", "last line"])
def test_a_byte_not_in_the_encoding_fails_wherever_it_sits(
    tmp_path: Path, police_uk_copy: Path, where: str
) -> None:
    path = police_uk_copy / JANUARY
    lines = path.read_bytes().splitlines(keepends=True)
    index = 1 if where == "first line" else len(lines) - 1
    fields = lines[index].split(b",")
    fields[6] = b"Caf\xe9 " + fields[6]  # the Location column
    lines[index] = b",".join(fields)
    path.write_bytes(b"".join(lines))

    with pytest.raises(MappingError) as caught:
        load(POLICE_UK, tmp_path / "s.duckdb", source_dir=police_uk_copy)

    message = str(caught.value)
    assert (
        f"{JANUARY}: line {index + 1}, column 'Location': byte 0xE9 is not valid utf-8" in message
    )
    assert "sources.street.encoding: cp1252" in message
    assert not (tmp_path / "s.duckdb").exists() or not snapshot_ids(tmp_path / "s.duckdb")

    mapping = police_mapping(tmp_path, encoding="cp1252")
    load(mapping, tmp_path / "s.duckdb", source_dir=police_uk_copy)
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        # The Location column is not mapped, so check the file's bytes were read as cp1252.
        assert store.snapshot().row_counts["crimes"] > 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", r"the file is empty \(0 bytes\)"),
        (b"\n\r\n  \n", r"the file is empty \(only blank lines\)"),
        (b"PK\x03\x04" + bytes(range(256)) * 8, r"not a CSV file: it is a ZIP archive"),
        (b"Crime ID,Month\n\x00\x01\x02\x03" + bytes(range(256)), r"not a CSV file: it holds"),
    ],
)
def test_empty_and_binary_files_say_so(
    tmp_path: Path, store_with_snapshot: Path, police_uk_copy: Path, content: bytes, message: str
) -> None:
    (police_uk_copy / JANUARY).write_bytes(content)
    before = snapshot_ids(store_with_snapshot)
    with pytest.raises(MappingError, match=rf"{JANUARY}: {message}"):
        load(POLICE_UK, store_with_snapshot, source_dir=police_uk_copy)
    assert snapshot_ids(store_with_snapshot) == before
    result = CliRunner().invoke(
        app,
        [
            "load",
            str(POLICE_UK),
            "--store",
            str(store_with_snapshot),
            "--source-dir",
            str(police_uk_copy),
        ],
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output and "error:" in result.output


@pytest.fixture
def store_with_snapshot(tmp_path: Path) -> Path:
    from foidesk.records.synth import generate

    db = tmp_path / "store.duckdb"
    generate(db, scale=0.01, years=(2024, 2024))
    return db

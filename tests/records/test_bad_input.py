"""Bad rows go to rejects with file, line, field and reason; bad mappings change nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

from foidesk.records.ingest import MappingError, load
from foidesk.records.store import Store
from foidesk.records.synth import generate

from .conftest import MAPPINGS


def rewrite(path: Path, change: dict[int, dict[str, str]], append: list[int] = ()) -> None:
    """Rewrite a CSV with some data rows changed (by line number) and some repeated at the end."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for line, values in change.items():
        rows[line - 2].update(values)
    rows += [dict(rows[line - 2]) for line in append]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def crime_lines(path: Path) -> list[int]:
    with path.open(newline="") as handle:
        return [n for n, row in enumerate(csv.DictReader(handle), start=2) if row["Crime ID"]]


def test_unmappable_rows_are_rejected_with_where_and_why(
    tmp_path: Path, police_uk_copy: Path
) -> None:
    january = police_uk_copy / "2016-01-city-of-london-street.csv"
    february = police_uk_copy / "2016-02-city-of-london-street.csv"
    bad_month, bad_type = crime_lines(january)[:2]
    repeated = crime_lines(february)[0]
    rewrite(january, {bad_month: {"Month": "2016-13"}, bad_type: {"Crime type": "Cheese rolling"}})
    rewrite(february, {}, append=[repeated])
    with february.open() as handle:
        duplicate_line = sum(1 for _ in handle)

    result = load(
        MAPPINGS / "police_uk_city_of_london.yaml",
        tmp_path / "s.duckdb",
        source_dir=police_uk_copy,
    )

    crimes = result.counts["crimes"]
    assert crimes.rejected == 3
    assert crimes.read == crimes.loaded + crimes.skipped + crimes.rejected
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        rejects = store.con.sql(
            f"""SELECT file, line, field, value, reason FROM {store.relation("rejects")}
                WHERE table_name = 'crimes' ORDER BY file, line"""
        ).fetchall()
    assert rejects[0] == (
        january.name,
        bad_month,
        "Month",
        "2016-13",
        "not a date in the format %Y-%m",
    )
    assert rejects[1] == (
        january.name,
        bad_type,
        "Crime type",
        "Cheese rolling",
        "no mapping for this value",
    )
    assert rejects[2][:3] == (february.name, duplicate_line, "Crime ID")
    assert rejects[2][4] == f"duplicate key (first at {february.name} line {repeated})"


def test_people_whose_crime_is_absent_are_rejected_and_pairs_follow(
    tmp_path: Path, nibrs_copy: Path
) -> None:
    victims = nibrs_copy / "2018" / "NIBRS_VICTIM.csv"
    with victims.open(newline="") as handle:
        first = next(csv.DictReader(handle))
    rewrite(victims, {2: {"SEX_CODE": "X"}})
    with (nibrs_copy / "2018" / "NIBRS_VICTIM_OFFENSE.csv").open(newline="") as handle:
        offence_rows = [
            n
            for n, r in enumerate(csv.DictReader(handle), 2)
            if r["VICTIM_ID"] == first["VICTIM_ID"]
        ]
    with (nibrs_copy / "2018" / "NIBRS_VICTIM_OFFENDER_REL.csv").open(newline="") as handle:
        pair_rows = [
            n
            for n, r in enumerate(csv.DictReader(handle), 2)
            if r["VICTIM_ID"] == first["VICTIM_ID"]
        ]

    result = load(MAPPINGS / "nibrs_dc.yaml", tmp_path / "s.duckdb", source_dir=nibrs_copy)

    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        rejects = store.con.sql(
            f"SELECT table_name, file, line, field, value, reason FROM {store.relation('rejects')}"
        ).fetchall()
    victim_rejects = [r for r in rejects if r[0] == "victims"]
    # The bad value is in the joined victim file: the reject names that file and line,
    # once per offence row of the victim.
    assert len(victim_rejects) == len(offence_rows)
    assert {r[1:3] for r in victim_rejects} == {("2018/NIBRS_VICTIM.csv", 2)}
    assert {r[3:] for r in victim_rejects} == {("SEX_CODE", "X", "no mapping for this value")}
    pair_rejects = [r for r in rejects if r[0] == "relationships"]
    assert len(pair_rejects) >= len(pair_rows)
    assert {r[5] for r in pair_rejects} == {"its victim was rejected"}
    for count in result.counts.values():
        assert count.read == count.loaded + count.skipped + count.rejected


@pytest.fixture
def store_with_snapshot(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    generate(db, scale=0.01, years=(2024, 2024))
    return db


def snapshot_ids(db: Path) -> list[str]:
    with Store(db, read_only=True) as store:
        schemas = store.con.sql(
            "SELECT schema_name FROM information_schema.schemata "
            "WHERE schema_name LIKE 'snapshot_%'"
        ).fetchall()
        assert len(schemas) == len(store.snapshots())
        return [s.snapshot_id for s in store.snapshots()]


def test_a_missing_source_file_fails_naming_it(
    store_with_snapshot: Path, police_uk_copy: Path
) -> None:
    before = snapshot_ids(store_with_snapshot)
    for path in police_uk_copy.glob("*-outcomes.csv"):
        path.unlink()
    mapping = MAPPINGS / "police_uk_city_of_london.yaml"
    with pytest.raises(
        MappingError, match=r"sources\.outcome_events: no file matches '\*-outcomes\.csv'"
    ):
        load(mapping, store_with_snapshot, source_dir=police_uk_copy)
    assert snapshot_ids(store_with_snapshot) == before


def test_a_missing_column_fails_naming_file_and_column(
    store_with_snapshot: Path, police_uk_copy: Path
) -> None:
    before = snapshot_ids(store_with_snapshot)
    march = police_uk_copy / "2016-03-city-of-london-street.csv"
    march.write_text(march.read_text().replace("Crime type", "Category", 1))
    with pytest.raises(
        MappingError, match=r"2016-03-city-of-london-street\.csv: no column 'Crime type'"
    ):
        load(
            MAPPINGS / "police_uk_city_of_london.yaml",
            store_with_snapshot,
            source_dir=police_uk_copy,
        )
    assert snapshot_ids(store_with_snapshot) == before


def spoiled_mapping(tmp_path: Path, spoil: callable) -> Path:
    spec = yaml.safe_load((MAPPINGS / "nibrs_dc.yaml").read_text())
    spoil(spec)
    path = tmp_path / "spoiled.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_a_wrong_mapping_fails_naming_the_entry(
    tmp_path: Path, store_with_snapshot: Path, nibrs_copy: Path
) -> None:
    before = snapshot_ids(store_with_snapshot)

    def typo(spec: dict) -> None:
        spec["tables"]["crimes"]["columns"]["crime_ref"] = {"colum": "OFFENSE_ID"}

    mapping = spoiled_mapping(tmp_path, typo)
    with pytest.raises(
        MappingError,
        match=r"spoiled\.yaml: line \d+: tables\.crimes\.columns\.crime_ref\.colum: "
        r"unknown key \(did you mean column\?\)",
    ):
        load(mapping, store_with_snapshot, source_dir=nibrs_copy)

    def unknown_source(spec: dict) -> None:
        spec["tables"]["victims"]["from"] = "victim_offense"

    mapping = spoiled_mapping(tmp_path, unknown_source)
    with pytest.raises(
        MappingError, match=r"tables\.victims\.from: no source called 'victim_offense'"
    ):
        load(mapping, store_with_snapshot, source_dir=nibrs_copy)
    assert snapshot_ids(store_with_snapshot) == before


def test_a_load_failing_midway_adds_nothing(
    tmp_path: Path, store_with_snapshot: Path, nibrs_copy: Path
) -> None:
    """Crimes, victims and suspects map before the pairs' link turns out wrong: nothing is kept."""
    before = snapshot_ids(store_with_snapshot)

    def short_link(spec: dict) -> None:
        spec["tables"]["relationships"]["victim"] = ["VICTIM_ID"]

    mapping = spoiled_mapping(tmp_path, short_link)
    with pytest.raises(
        MappingError,
        match=r"tables\.relationships\.victim names 1 column\(s\) but tables\.victims\.key has 2",
    ):
        load(mapping, store_with_snapshot, source_dir=nibrs_copy)
    assert snapshot_ids(store_with_snapshot) == before


def test_without_the_skip_rule_antisocial_rows_are_rejected_and_otherwise_catches_the_rest(
    tmp_path: Path, police_uk_copy: Path
) -> None:
    spec = yaml.safe_load((MAPPINGS / "police_uk_city_of_london.yaml").read_text())
    del spec["tables"]["crimes"]["skip"]
    spec["sources"]["street"] = {"files": "*-street.csv", "max_rejected": "20%"}
    spec["tables"]["crimes"]["columns"]["offence_code"] = {
        "column": "Crime type",
        "map": {"Burglary": "burglary"},
        "otherwise": "other-crime",
    }
    mapping = tmp_path / "no_skip.yaml"
    mapping.write_text(yaml.safe_dump(spec))
    antisocial = sum(
        1
        for path in police_uk_copy.glob("*-street.csv")
        for row in csv.DictReader(path.open(newline=""))
        if not row["Crime ID"]
    )

    result = load(mapping, tmp_path / "s.duckdb", source_dir=police_uk_copy)

    assert result.counts["crimes"].rejected == antisocial
    assert result.counts["crimes"].skipped == 0
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        reasons = store.con.sql(
            f"""SELECT DISTINCT field, reason FROM {store.relation("rejects")}
                WHERE table_name = 'crimes'"""
        ).fetchall()
        codes = store.con.sql(
            f"SELECT DISTINCT offence_code FROM {store.relation('crimes')} ORDER BY 1"
        ).fetchall()
    assert reasons == [("Crime ID", "missing value")]
    assert codes == [("burglary",), ("other-crime",)]


def test_an_offence_recorded_before_it_was_in_force_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    (folder / "crimes.csv").write_text(
        "Ref,Recorded,Code\nA1,2015-12-28,8/67\nA2,2015-12-29,8/67\nA3,2015-12-28,8/33\n"
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "mapping": 1,
                "source_dir": "extract",
                "sources": {"crimes": {"files": "crimes.csv"}},
                "tables": {
                    "crimes": {
                        "from": "crimes",
                        "key": ["Ref"],
                        "columns": {
                            "crime_ref": {"column": "Ref"},
                            "recorded_date": {"column": "Recorded", "date_format": "%Y-%m-%d"},
                            "offence_scheme": "HO",
                            "offence_code": {"column": "Code"},
                            "domestic_abuse": True,
                        },
                    }
                },
            }
        )
    )
    result = load(mapping, tmp_path / "s.duckdb")
    assert (result.counts["crimes"].loaded, result.counts["crimes"].rejected) == (2, 1)
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        rejects = store.con.sql(
            f"SELECT file, line, field, value, reason FROM {store.relation('rejects')}"
        ).fetchall()
    assert rejects == [
        ("crimes.csv", 2, "Recorded", "2015-12-28", "offence 8/67 not in force on this date")
    ]


def test_a_record_with_the_wrong_number_of_fields_is_rejected_whole(
    tmp_path: Path, police_uk_copy: Path
) -> None:
    february = police_uk_copy / "2016-02-city-of-london-street.csv"
    later = crime_lines(february)[3]
    rewrite(february, {later: {"Month": "2016-13"}})
    lines = february.read_text().splitlines(keepends=True)
    lines.insert(3, "x,2016-02,too,few\n")  # line 4; every later record moves down one
    february.write_text("".join(lines))

    result = load(
        MAPPINGS / "police_uk_city_of_london.yaml",
        tmp_path / "s.duckdb",
        source_dir=police_uk_copy,
    )

    crimes = result.counts["crimes"]
    assert crimes.rejected == 2
    assert crimes.read == crimes.loaded + crimes.skipped + crimes.rejected
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        rejects = store.con.sql(
            f"""SELECT file, line, field, value, reason FROM {store.relation("rejects")}
                WHERE table_name = 'crimes' ORDER BY line"""
        ).fetchall()
    assert rejects == [
        (
            february.name,
            4,
            "(whole record)",
            "x,2016-02,too,few",
            "4 fields where the header has 12",
        ),
        (february.name, later + 1, "Month", "2016-13", "not a date in the format %Y-%m"),
    ]


def test_a_derive_rule_must_name_a_registered_derivation_of_its_column(
    tmp_path: Path, store_with_snapshot: Path, nibrs_copy: Path
) -> None:
    from foidesk.records.derivations import DERIVATIONS

    # The NIBRS mapping derives the domestic flag; the derivation says what it fills.
    assert (DERIVATIONS["how_known_groups"].table, DERIVATIONS["how_known_groups"].column) == (
        "crimes",
        "domestic_abuse",
    )
    before = snapshot_ids(store_with_snapshot)
    cases = {
        "how_know_groups": r"tables\.crimes\.columns\.domestic_abuse\.derive: no derivation "
        r"'how_know_groups' \(did you mean how_known_groups\?\)",
        "household": r"domestic_abuse\.derive: no derivation 'household' "
        r"\(derivations: how_known_groups\)",
    }
    for name, message in cases.items():

        def renamed(spec: dict, name: str = name) -> None:
            spec["tables"]["crimes"]["columns"]["domestic_abuse"]["derive"] = name

        with pytest.raises(MappingError, match=message):
            load(spoiled_mapping(tmp_path, renamed), store_with_snapshot, source_dir=nibrs_copy)

    def elsewhere(spec: dict) -> None:
        rule = spec["tables"]["crimes"]["columns"].pop("domestic_abuse")
        spec["tables"]["crimes"]["columns"]["domestic_abuse"] = True
        spec["tables"]["crimes"]["columns"]["area"] = rule

    with pytest.raises(
        MappingError,
        match=r"tables\.crimes\.columns\.area\.derive: how_known_groups derives "
        r"crimes\.domestic_abuse only",
    ):
        load(spoiled_mapping(tmp_path, elsewhere), store_with_snapshot, source_dir=nibrs_copy)

    def stray_key(spec: dict) -> None:
        spec["tables"]["crimes"]["columns"]["domestic_abuse"]["date_format"] = "%Y"

    with pytest.raises(
        MappingError,
        match=r"domestic_abuse\.date_format: how_known_groups takes no 'date_format'",
    ):
        load(spoiled_mapping(tmp_path, stray_key), store_with_snapshot, source_dir=nibrs_copy)
    assert snapshot_ids(store_with_snapshot) == before

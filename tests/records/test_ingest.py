"""Both real mappings load with counts worked out independently from the CSVs in the test."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

from foidesk.records.ingest import load
from foidesk.records.store import Store

from .conftest import DATA, MAPPINGS

POLICE_UK = DATA / "police_uk_city_of_london"
NIBRS = DATA / "nibrs_dc"


def rows(folder: Path, pattern: str) -> Iterator[tuple[str, int, dict[str, str]]]:
    """(file, line, row) for every data row of every matching file; the header is line 1."""
    for path in sorted(folder.glob(pattern)):
        with path.open(newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                yield path.relative_to(folder).as_posix(), line, row


def scalar(store: Store, sql: str) -> object:
    return store.con.sql(sql).fetchall()[0][0]


def test_police_uk_crimes_and_latest_outcomes(tmp_path: Path) -> None:
    street = list(rows(POLICE_UK, "*-street.csv"))
    crime_ids = {row["Crime ID"] for _, _, row in street if row["Crime ID"]}
    antisocial = sum(1 for _, _, row in street if not row["Crime ID"])
    events = list(rows(POLICE_UK, "*-outcomes.csv"))
    latest: dict[str, tuple[str, str, int, str]] = {}
    for file, line, row in events:
        if row["Crime ID"] in crime_ids:
            candidate = (row["Month"], file, line, row["Outcome type"])
            latest[row["Crime ID"]] = max(latest.get(row["Crime ID"], candidate), candidate)
    orphans = {(file, line) for file, line, row in events if row["Crime ID"] not in crime_ids}
    no_suspect = sum(1 for *_, kind in latest.values() if kind.startswith("Investigation complete"))

    result = load(MAPPINGS / "police_uk_city_of_london.yaml", tmp_path / "s.duckdb")

    crimes, outcomes = result.counts["crimes"], result.counts["outcomes"]
    assert (crimes.read, crimes.loaded, crimes.skipped, crimes.rejected) == (
        len(street),
        len(crime_ids),
        antisocial,
        0,
    )
    assert outcomes.read == len(events)
    assert outcomes.loaded == len(latest)
    assert outcomes.rejected == len(orphans)
    assert outcomes.skipped == len(events) - len(latest) - len(orphans)
    assert outcomes.added == len(crime_ids) - len(latest)
    assert all(count.balances for count in result.counts.values())
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        out = store.relation("outcomes")
        assert scalar(store, f"SELECT count(*) FROM {out} WHERE outcome_code = '18'") == no_suspect
        assert scalar(store, f"SELECT count(*) FROM {out} WHERE outcome_code IS NULL") == (
            len(crime_ids) - len(latest)
        )
        rejects = store.con.sql(
            f"SELECT file, line, reason FROM {store.relation('rejects')}"
        ).fetchall()
        assert {(f, n) for f, n, _ in rejects} == orphans
        assert {reason for *_, reason in rejects} == {"no crime with this key was loaded"}
        assert scalar(store, f"SELECT count(*) FROM {store.relation('victims')}") == 0


def nibrs_expected() -> dict[str, int]:
    """The NIBRS subset's canonical counts, worked out row by row with the csv module."""
    victim_type = {
        r["VICTIM_TYPE_ID"]: r["VICTIM_TYPE_CODE"]
        for *_, r in rows(NIBRS, "*/NIBRS_VICTIM_TYPE.csv")
    }
    relationship = {
        r["RELATIONSHIP_ID"]: r["RELATIONSHIP_CODE"]
        for *_, r in rows(NIBRS, "*/NIBRS_RELATIONSHIP.csv")
    }
    offences = [r for *_, r in rows(NIBRS, "*/NIBRS_OFFENSE.csv")]
    offences_of_incident: dict[str, list[str]] = defaultdict(list)
    for offence in offences:
        offences_of_incident[offence["INCIDENT_ID"]].append(offence["OFFENSE_ID"])
    person = {
        r["VICTIM_ID"]: victim_type[r["VICTIM_TYPE_ID"]] in ("I", "L")
        for *_, r in rows(NIBRS, "*/NIBRS_VICTIM.csv")
    }
    victim_sex = {r["VICTIM_ID"]: r["SEX_CODE"] for *_, r in rows(NIBRS, "*/NIBRS_VICTIM.csv")}
    victim_offences: dict[str, list[str]] = defaultdict(list)
    for *_, r in rows(NIBRS, "*/NIBRS_VICTIM_OFFENSE.csv"):
        victim_offences[r["VICTIM_ID"]].append(r["OFFENSE_ID"])
    offenders = [r for *_, r in rows(NIBRS, "*/NIBRS_OFFENDER.csv") if r["OFFENDER_SEQ_NUM"] != "0"]
    pairs = [
        (r["VICTIM_ID"], relationship[r["RELATIONSHIP_ID"]])
        for *_, r in rows(NIBRS, "*/NIBRS_VICTIM_OFFENDER_REL.csv")
    ]
    close = {
        "SE",
        "CS",
        "BG",
        "HR",
        "XS",
        "XR",
        "PA",
        "CH",
        "SB",
        "GP",
        "GC",
        "IL",
        "SP",
        "SC",
        "SS",
        "OF",
    }
    # A pair is one relationship row; an offence is flagged when a pair of its incident is.
    incident_of_victim = {
        r["VICTIM_ID"]: r["INCIDENT_ID"] for *_, r in rows(NIBRS, "*/NIBRS_VICTIM.csv")
    }
    flagged = {
        o
        for victim, code in pairs
        if code in close
        for o in offences_of_incident[incident_of_victim[victim]]
    }
    arrested = {r["INCIDENT_ID"] for *_, r in rows(NIBRS, "*/NIBRS_ARRESTEE.csv")}
    return {
        "crimes": len(offences),
        "victims": sum(len(o) for v, o in victim_offences.items() if person[v]),
        "female victims": sum(
            len(o) for v, o in victim_offences.items() if person[v] and victim_sex[v] == "F"
        ),
        "suspects": sum(len(offences_of_incident[r["INCIDENT_ID"]]) for r in offenders),
        "relationships": len(pairs),
        "former partner pairs": sum(1 for _, c in pairs if c in ("XS", "XR")),
        "flagged": len(flagged),
        "charged": sum(1 for o in offences if o["INCIDENT_ID"] in arrested),
    }


def test_nibrs_people_pairs_flags_and_outcomes(tmp_path: Path) -> None:
    expected = nibrs_expected()
    result = load(MAPPINGS / "nibrs_dc.yaml", tmp_path / "s.duckdb")
    for table in ("crimes", "victims", "suspects", "relationships"):
        assert result.counts[table].loaded == expected[table], table
        assert result.counts[table].balances
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        rel = store.relation("relationships")
        codes = store.relation("how_known_codes")
        former = scalar(
            store,
            f"""SELECT count(*) FROM {rel} r JOIN {codes} h
                ON h.scheme = r.how_known_scheme AND h.code = r.how_known
                WHERE h.how_known_group = 'Former intimate partner'""",
        )
        assert former == expected["former partner pairs"]
        crimes = store.relation("crimes")
        assert (
            scalar(store, f"SELECT count(*) FROM {crimes} WHERE domestic_abuse")
            == expected["flagged"]
        )
        outcomes = store.relation("outcomes")
        assert (
            scalar(store, f"SELECT count(*) FROM {outcomes} WHERE outcome_code = '1'")
            == expected["charged"]
        )
        victims = store.relation("victims")
        assert (
            scalar(store, f"SELECT count(*) FROM {victims} WHERE sex = 'F'")
            == expected["female victims"]
        )
        assert scalar(store, f"SELECT count(DISTINCT offence_scheme) FROM {crimes}") == 1
        assert scalar(store, f"SELECT count(*) FROM {store.relation('rejects')}") == 0


def test_a_mapping_runs_on_another_directory_with_the_same_result(
    tmp_path: Path, nibrs_copy: Path
) -> None:
    here = load(MAPPINGS / "nibrs_dc.yaml", tmp_path / "a.duckdb")
    there = load(MAPPINGS / "nibrs_dc.yaml", tmp_path / "b.duckdb", source_dir=nibrs_copy)
    assert here.snapshot.snapshot_id == there.snapshot.snapshot_id
    files = there.snapshot.provenance["source_files"]
    assert {f["file"] for f in files} >= {"2018/NIBRS_incident.csv", "2020/NIBRS_OFFENSE.csv"}
    assert all(len(f["sha256"]) == 64 for f in files)
    assert Counter(f["source"] for f in files)["incident"] == 3


def test_loading_the_same_extract_twice_adds_no_snapshot(tmp_path: Path) -> None:
    first = load(MAPPINGS / "police_uk_city_of_london.yaml", tmp_path / "s.duckdb")
    again = load(MAPPINGS / "police_uk_city_of_london.yaml", tmp_path / "s.duckdb")
    assert again.snapshot.snapshot_id == first.snapshot.snapshot_id
    with Store(tmp_path / "s.duckdb", read_only=True) as store:
        assert len(store.snapshots()) == 1

"""Both NIBRS layouts load with every canonical count equal to an independent SQL query
over the fixture CSVs; a NIBRS crime is an offence, a NIBRS pair a victim-offender
relationship row (counted once, however many offences its victim suffered)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from foidesk.records.ingest import load
from foidesk.records.reference import REFERENCE_DIR
from foidesk.records.store import Store
from foidesk.stats.compiler import Source, compute_table
from foidesk.stats.specs import parse_table

from .conftest import DATA, MAPPINGS

DOMESTIC = ("Current intimate partner", "Former intimate partner", "Family member")


@dataclass(frozen=True)
class Layout:
    mapping: str
    folder: Path
    files: str  # glob of one NIBRS table's files in folder, {name} the table's file name
    person: str  # SQL over victim v: the victim is a person
    offence_code: str  # SQL giving an offence row o's code
    joins: str  # joins the offence code needs


DC = Layout(
    "nibrs_dc.yaml",
    DATA / "nibrs_dc",
    "*/{name}.csv",
    "v.victim_type_id IN ('4', '5')",  # Individual, Law enforcement officer
    "t.offense_code",
    "JOIN (SELECT DISTINCT offense_type_id, offense_code FROM offense_type) t USING "
    "(offense_type_id)",
)
CDE = Layout(
    "nibrs_cde.yaml",
    DATA / "nibrs_cde",
    "{name}.csv",
    "v.sex_code <> 'X'",
    "o.offense_code",
    "",
)


def fixture_db(layout: Layout) -> duckdb.DuckDBPyConnection:
    """The fixture's CSVs as tables with lower-case column names, rows in file order (n)."""
    con = duckdb.connect()
    con.execute("SET threads = 1")  # so row_number() OVER () is the order in the files
    names = {
        "incident": "NIBRS_incident",
        "offense": "NIBRS_OFFENSE",
        "offense_type": "NIBRS_OFFENSE_TYPE",
        "victim": "NIBRS_VICTIM",
        "offender": "NIBRS_OFFENDER",
        "rel": "NIBRS_VICTIM_OFFENDER_REL",
        "victim_offense": "NIBRS_VICTIM_OFFENSE",
        "relationship": "NIBRS_RELATIONSHIP",
        "arrestee": "NIBRS_ARRESTEE",
        "cleared": "NIBRS_CLEARED_EXCEPT",
    }
    for table, name in names.items():
        files = sorted(layout.folder.glob(layout.files.format(name=name)))
        if not files:
            continue
        parts = " UNION ALL BY NAME ".join(
            f"SELECT * FROM read_csv('{f}', all_varchar = true)" for f in files
        )
        con.execute(f"CREATE TABLE raw_{table} AS {parts}")
        columns = ", ".join(
            f'"{c}" AS "{c.lower()}"'
            for (c,) in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [f"raw_{table}"],
            ).fetchall()
        )
        con.execute(
            f"CREATE TABLE {table} AS SELECT {columns}, row_number() OVER () AS n FROM raw_{table}"
        )
    con.execute(
        f"""CREATE TABLE how_known AS SELECT * FROM read_csv(
                '{REFERENCE_DIR / "how_known_nibrs.csv"}', all_varchar = true)"""
    )
    con.execute(
        f"""CREATE TABLE offence_group AS SELECT * FROM read_csv(
                '{REFERENCE_DIR / "offences_nibrs.csv"}', all_varchar = true)"""
    )
    return con


def expected(layout: Layout) -> dict[str, int]:
    """The canonical counts, and those of two pair tables, in SQL straight from the CSVs."""
    con = fixture_db(layout)
    one = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
    # The offence a victim-offender pair is counted in: the victim's first, in file order.
    con.execute(
        """CREATE TABLE first_offence AS SELECT victim_id, arg_min(offense_id, n) AS offense_id
           FROM victim_offense GROUP BY victim_id"""
    )
    con.execute(
        f"""CREATE TABLE offence AS SELECT o.offense_id, o.incident_id,
                {layout.offence_code} AS code FROM offense o {layout.joins}"""
    )
    groups = ", ".join(f"'{g}'" for g in DOMESTIC)
    first_arrest = (
        "SELECT incident_id, arg_min(arrest_type_id, n) AS arrest_type_id FROM arrestee "
        "GROUP BY incident_id"
    )
    return {
        "crimes": one("SELECT count(*) FROM offense"),
        "victims": one(
            f"""SELECT count(*) FROM victim_offense vo JOIN victim v USING (victim_id)
                WHERE {layout.person}"""
        ),
        "suspects": one(
            """SELECT count(*) FROM offender f JOIN offense o USING (incident_id)
               WHERE f.offender_seq_num <> '0'"""
        ),
        "relationships": one("SELECT count(*) FROM rel"),
        "outcomes": one("SELECT count(*) FROM offense"),
        "charged": one(
            f"""SELECT count(*) FROM offense o JOIN ({first_arrest}) a USING (incident_id)
                WHERE a.arrest_type_id IN ('1', '2', '3')"""
        ),
        "no outcome yet": one(
            f"""SELECT count(*) FROM offense o JOIN incident i USING (incident_id)
                LEFT JOIN ({first_arrest}) a USING (incident_id)
                LEFT JOIN (SELECT DISTINCT cleared_except_id, cleared_except_code
                           FROM cleared) c USING (cleared_except_id)
                WHERE a.arrest_type_id IS NULL AND coalesce(c.cleared_except_code, 'N') = 'N'"""
        ),
        "domestic": one(
            f"""SELECT count(*) FROM offense o WHERE o.incident_id IN (
                    SELECT v.incident_id FROM rel r JOIN victim v USING (victim_id)
                    JOIN (SELECT DISTINCT relationship_id, relationship_code
                          FROM relationship) k USING (relationship_id)
                    JOIN how_known h ON h.code = k.relationship_code
                    WHERE h.how_known_group IN ({groups}))"""
        ),
        "babies": one(
            f"SELECT count(*) FROM victim_offense vo JOIN victim v USING (victim_id) "
            f"WHERE v.age_num IN ('NN', 'NB', 'BB') AND {layout.person}"
        ),
        # Pair tables: every pair, and the pairs whose victim's first offence is a simple
        # assault (13B, "Violence without injury").
        "pairs": one("SELECT count(*) FROM rel"),
        "pairs, violence without injury": one(
            """SELECT count(*) FROM rel r JOIN first_offence f USING (victim_id)
               JOIN offence o USING (offense_id)
               JOIN offence_group g ON g.code = o.code
               WHERE g.offence_group = 'Violence without injury'"""
        ),
        "crimes, violence without injury": one(
            """SELECT count(*) FROM offence o JOIN offence_group g ON g.code = o.code
               WHERE g.offence_group = 'Violence without injury'"""
        ),
        "incidents": one("SELECT count(DISTINCT incident_id) FROM offense"),
    }


def table_total(store: Store, unit: str, groups: list[str] | None) -> int:
    spec = parse_table(
        {
            "id": "t",
            "title": "T",
            "counting_unit": unit,
            "population": {"offence_groups": groups} if groups else {},
            "rows": ["victim_sex" if unit == "pair" else "offence"],
        },
        "test",
        0,
    )
    return int(compute_table(spec, Source.from_store(store)).counts.sum())


@pytest.mark.parametrize("layout", [DC, CDE], ids=["nibrs_dc", "nibrs_cde"])
def test_nibrs_counts_equal_sql_straight_from_the_csvs(tmp_path: Path, layout: Layout) -> None:
    want = expected(layout)
    db = tmp_path / "s.duckdb"

    result = load(MAPPINGS / layout.mapping, db)

    for table in ("crimes", "victims", "suspects", "relationships", "outcomes"):
        count = result.counts[table]
        assert count.loaded == want[table], table
        assert count.rejected == 0 and count.balances, table
    with Store(db, read_only=True) as store:
        one = lambda sql: store.con.sql(sql).fetchall()[0][0]  # noqa: E731
        crimes, outcomes = store.relation("crimes"), store.relation("outcomes")
        victims = store.relation("victims")
        assert one(f"SELECT count(*) FROM {crimes} WHERE domestic_abuse") == want["domestic"]
        assert one(f"SELECT count(DISTINCT incident_ref) FROM {crimes}") == want["incidents"]
        assert one(f"SELECT count(*) FROM {outcomes} WHERE outcome_code = '1'") == want["charged"]
        assert (
            one(f"SELECT count(*) FROM {outcomes} WHERE outcome_code IS NULL")
            == want["no outcome yet"]
        )
        assert one(f"SELECT count(*) FROM {victims} WHERE age_band = 'Under 1'") == want["babies"]
        assert one(f"SELECT count(*) FROM {victims} WHERE age = 0") == 0
        # A pair table counts NIBRS's own unit; a crime table still counts offences.
        assert table_total(store, "pair", None) == want["pairs"]
        violence = ["Violence without injury"]
        assert table_total(store, "pair", violence) == want["pairs, violence without injury"]
        assert table_total(store, "crime", violence) == want["crimes, violence without injury"]
        assert table_total(store, "crime", None) == want["crimes"]
    assert want["pairs, violence without injury"] > 0


def test_the_cde_fixture_holds_the_layouts_codes() -> None:
    """The age codes and sex X the mapping handles are in the fixture it is tested on."""
    con = fixture_db(CDE)
    ages = {a for (a,) in con.execute("SELECT DISTINCT age_num FROM victim").fetchall()}
    assert {"NN", "NB", "BB", "00"} <= ages
    sexes = {s for (s,) in con.execute("SELECT DISTINCT sex_code FROM offender").fetchall()}
    assert "X" in sexes

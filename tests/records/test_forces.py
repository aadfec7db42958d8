"""Several forces, the force column, and generation in parts that stores as if whole."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.records.ingest import load
from foidesk.records.reference import load_reference
from foidesk.records.store import Store
from foidesk.records.synth import CALIBRATION_FILE, FORCE_AREAS_FILE, build_tables, generate

from .conftest import MAPPINGS

CALIBRATION = yaml.safe_load(CALIBRATION_FILE.read_text())
ONS = yaml.safe_load(FORCE_AREAS_FILE.read_text())["forces"]


def test_generation_in_parts_gives_the_snapshot_whole_tables_give(tmp_path: Path) -> None:
    # 2,000 crimes a part: each year of this scale is cut into about six parts.
    streamed = generate(tmp_path / "a.duckdb", scale=0.1, years=(2022, 2023), part_crimes=2000)
    tables = build_tables(scale=0.1, years=(2022, 2023), part_crimes=2000)
    with Store(tmp_path / "b.duckdb") as store:
        whole = store.write_snapshot(
            {**tables, **load_reference()}, kind="synthetic", provenance={}
        )
    assert streamed.snapshot_id == whole.snapshot_id
    assert streamed.row_counts == whole.row_counts
    with Store(tmp_path / "a.duckdb", read_only=True) as store:
        rows = store.con.sql(
            f"""SELECT year(recorded_date), count(*) FILTER (domestic_abuse),
                       count(DISTINCT crime_ref), count(*), max(crime_id)
                FROM {store.relation("crimes")} GROUP BY 1 ORDER BY 1"""
        ).fetchall()
    # Parts split each year's calibrated counts exactly; references stay unique.
    assert [r[1] for r in rows] == [
        round(CALIBRATION["yearly_counts"][y]["da"] * 0.1) for y in (2022, 2023)
    ]
    assert all(r[2] == r[3] for r in rows)
    assert rows[-1][4] == sum(r[3] for r in rows)
    # Nothing staged is left beside the store.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.duckdb", "b.duckdb"]


def test_synthetic_forces_follow_their_ons_shares(tmp_path: Path) -> None:
    snap = generate(
        tmp_path / "forces.duckdb",
        scale=0.2,
        years=(2019, 2019),
        forces="E23000001, kent ,Dyfed-Powys",
    )
    assert snap.provenance["forces"] == ["E23000001", "E23000032", "W15000004"]
    with Store(tmp_path / "forces.duckdb", read_only=True) as store:
        rows = store.con.sql(
            f"""SELECT force,
                    count(*) FILTER (offence_code IN ('8/67', '195/12', '8/66', '8/65',
                                                      '195/94', '8/33', '8/34')),
                    count(*) FILTER (domestic_abuse AND offence_code IN ('105A', '105B', '8/20')),
                       count(area), count(*), min(crime_ref)
                FROM {store.relation("crimes")} GROUP BY force ORDER BY force"""
        ).fetchall()
    by_force = {r[0]: r for r in rows}
    assert list(by_force) == ["Dyfed-Powys", "Kent", "Metropolitan Police"]
    met, kent, dyfed = (by_force[n] for n in ("Metropolitan Police", "Kent", "Dyfed-Powys"))
    year = CALIBRATION["yearly_counts"][2019]
    harassment = year["ccb"] + year["stalking"] + year["harassment"]
    assert met[1] == pytest.approx(harassment * 0.2, abs=2)
    for force, code in ((kent, "E23000032"), (dyfed, "W15000004")):
        share = ONS[code][3] / ONS["E23000001"][3]  # stalking and harassment
        assert force[1] == pytest.approx(harassment * 0.2 * share, abs=3)
        violence = (ONS[code][1] + ONS[code][2]) / (ONS["E23000001"][1] + ONS["E23000001"][2])
        assert force[2] / met[2] == pytest.approx(violence, rel=0.1)
        assert force[3] == 0  # only London has boroughs
    assert met[3] == met[4]
    assert kent[5].startswith("E23000032-2019-")


def test_an_unknown_force_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["synth", "--forces", "Kentt", "--store", str(tmp_path / "x.duckdb")]
    )
    assert result.exit_code == 2
    assert "no police force area called 'Kentt' (did you mean 'Kent'?)" in result.output
    assert not (tmp_path / "x.duckdb").exists()


def test_london_alone_carries_its_force_and_mappings_name_theirs(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    generate(db, scale=0.002, years=(2024, 2024))
    load(MAPPINGS / "nibrs_dc.yaml", db)
    load(MAPPINGS / "police_uk_city_of_london.yaml", db)
    with Store(db, read_only=True) as store:
        forces = [
            store.con.sql(f"SELECT DISTINCT force FROM {store.relation('crimes', snap)}").fetchall()
            for snap in store.snapshots()
        ]
    assert forces == [
        [("Metropolitan Police Service",)],
        [("Metro Transit Police, District of Columbia",)],
        [("City of London Police",)],
    ]

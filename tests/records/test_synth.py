"""Synthetic London matches its calibration, is deterministic and scales linearly."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml

from foidesk.records.store import Snapshot, Store
from foidesk.records.summary import DA_COLUMN, summary
from foidesk.records.synth import CALIBRATION_FILE, OFFENCE_CODES, build_tables, generate

CALIBRATION = yaml.safe_load(CALIBRATION_FILE.read_text())
GROUP_OF_TARGET = {
    "ccb": "Controlling or coercive behaviour",
    "stalking": "Stalking",
    "harassment": "Harassment",
}


def yearly_counts(store: Store, snap: Snapshot | None = None) -> dict[tuple[int, str], int]:
    """Crimes per (year, calibration key), counted straight from the stored tables."""
    crimes = store.relation("crimes", snap)
    offences = store.relation("offence_classification", snap)
    rows = store.con.sql(
        f"""SELECT year(recorded_date), o.offence_group, count(*), count(*) FILTER (domestic_abuse)
            FROM {crimes} c
            JOIN {offences} o ON o.scheme = c.offence_scheme AND o.code = c.offence_code
            GROUP BY ALL"""
    ).fetchall()
    counts: dict[tuple[int, str], int] = {}
    for year, group, n, flagged in rows:
        for key, name in GROUP_OF_TARGET.items():
            if group == name:
                counts[(year, key)] = n
        counts[(year, "da")] = counts.get((year, "da"), 0) + flagged
    return counts


def test_yearly_counts_are_within_3_percent_of_the_calibration(london_store: Store) -> None:
    counts = yearly_counts(london_store)
    for year, targets in CALIBRATION["yearly_counts"].items():
        for key, target in targets.items():
            assert counts.get((year, key), 0) == pytest.approx(target, rel=0.03), (year, key)


def test_summary_reports_the_same_counts_by_year_and_group(london_store: Store) -> None:
    table = summary(london_store)
    assert list(table.index) == list(range(2015, 2025))
    assert table.loc[2019, "Stalking"] == CALIBRATION["yearly_counts"][2019]["stalking"]
    assert table.loc[2023, DA_COLUMN] == CALIBRATION["yearly_counts"][2023]["da"]
    crimes = london_store.con.sql(f"SELECT count(*) FROM {london_store.relation('crimes')}")
    assert table.drop(columns=DA_COLUMN).to_numpy().sum() == crimes.fetchall()[0][0]


def test_counts_are_linear_in_scale() -> None:
    def per_group(scale: float) -> dict[tuple[int, str], int]:
        crimes = build_tables(scale=scale, years=(2019, 2020))["crimes"].to_pandas()
        group = {code: g for g, codes in OFFENCE_CODES.items() for code in codes}
        crimes["group"] = crimes["offence_code"].map(group)
        crimes["year"] = crimes["recorded_date"].map(lambda d: d.year)
        counts = crimes.groupby(["year", "group"]).size().to_dict()
        for year, flagged in crimes[crimes["domestic_abuse"]].groupby("year").size().items():
            counts[(year, "da")] = flagged
        return counts

    small, double = per_group(0.05), per_group(0.1)
    for key in [(y, g) for y in (2019, 2020) for g in ("ccb", "stalking", "harassment", "da")]:
        assert double[key] / small[key] == pytest.approx(2.0, rel=0.01), key


def test_the_same_seed_gives_the_same_snapshot(tmp_path: Path) -> None:
    first = generate(tmp_path / "a.duckdb", scale=0.02, years=(2022, 2024))
    again = generate(tmp_path / "b.duckdb", scale=0.02, years=(2022, 2024))
    other = generate(tmp_path / "c.duckdb", scale=0.02, years=(2022, 2024), seed=8)
    assert first.snapshot_id == again.snapshot_id
    assert other.snapshot_id != first.snapshot_id


def test_ccb_is_recorded_and_committed_only_from_29_december_2015(london_store: Store) -> None:
    first_recorded, first_committed, in_2015 = london_store.con.sql(
        f"""SELECT min(recorded_date), min(committed_from),
                   count(*) FILTER (year(recorded_date) = 2015)
            FROM {london_store.relation("crimes")} WHERE offence_code = '8/67'"""
    ).fetchall()[0]
    assert first_recorded >= date(2015, 12, 29)
    assert first_committed >= date(2015, 12, 29)
    assert in_2015 == CALIBRATION["yearly_counts"][2015]["ccb"]


def pair_share(store: Store, where: str, group: str) -> float:
    return store.con.sql(
        f"""SELECT avg((h.how_known_group = '{group}')::INT)
            FROM {store.relation("relationships")} r
            JOIN {store.relation("crimes")} c USING (crime_id)
            JOIN {store.relation("how_known_codes")} h
              ON h.scheme = r.how_known_scheme AND h.code = r.how_known
            WHERE {where}"""
    ).fetchall()[0][0]


def test_ccb_shifts_towards_former_partners_from_5_april_2023(london_store: Store) -> None:
    ccb = "c.offence_code = '8/67'"
    before = pair_share(
        london_store, f"{ccb} AND c.recorded_date < DATE '2023-04-05'", "Former intimate partner"
    )
    after = pair_share(
        london_store, f"{ccb} AND c.recorded_date >= DATE '2023-04-05'", "Former intimate partner"
    )
    mix = CALIBRATION["relationship_mix"]
    assert before == pytest.approx(
        mix["ccb_before_2023_04_05"]["Former intimate partner"], abs=0.01
    )
    assert after == pytest.approx(mix["ccb_from_2023_04_05"]["Former intimate partner"], abs=0.01)


def test_recording_rule_step_lowers_the_rate_after_june_2023(london_store: Store) -> None:
    def daily_rate(group: str, start: str, end: str) -> float:
        crimes, offences = (
            london_store.relation("crimes"),
            london_store.relation("offence_classification"),
        )
        n = london_store.con.sql(
            f"""SELECT count(*) FROM {crimes} c JOIN {offences} o
                ON o.scheme = c.offence_scheme AND o.code = c.offence_code
                WHERE o.offence_group = '{group}'
                  AND recorded_date BETWEEN DATE '{start}' AND DATE '{end}'"""
        ).fetchall()[0][0]
        return n / ((date.fromisoformat(end) - date.fromisoformat(start)).days + 1)

    ratio = daily_rate("Harassment", "2023-07-01", "2023-12-31") / daily_rate(
        "Harassment", "2023-01-01", "2023-06-30"
    )
    assert 0.75 < ratio < 0.85
    # 2022 has no step: its halves run at the same rate.
    flat = daily_rate("Harassment", "2022-07-01", "2022-12-31") / daily_rate(
        "Harassment", "2022-01-01", "2022-06-30"
    )
    assert flat == pytest.approx(1.0, abs=0.03)


def test_parties_pairs_and_missing_suspects(london_store: Store) -> None:
    people = london_store.con.sql(
        f"""SELECT count(*) FILTER (v = 2) / count(*), count(*) FILTER (s = 2) / count(*),
                   count(*) FILTER (s = 0) / count(*), sum(v * s)
            FROM (SELECT c.crime_id, coalesce(v.n, 0) AS v, coalesce(s.n, 0) AS s
                  FROM {london_store.relation("crimes")} c
                  LEFT JOIN (SELECT crime_id, count(*) AS n FROM {london_store.relation("victims")}
                             GROUP BY ALL) v USING (crime_id)
                  LEFT JOIN (SELECT crime_id, count(*) AS n FROM {london_store.relation("suspects")}
                             GROUP BY ALL) s USING (crime_id))"""
    ).fetchall()[0]
    two_victims, two_suspects, no_suspect, pairs_expected = people
    parties = CALIBRATION["parties_per_crime"]
    assert two_victims == pytest.approx(parties["2x1"], abs=0.002)
    assert two_suspects == pytest.approx(parties["1x2"], abs=0.002)
    assert no_suspect == pytest.approx(parties["1x0"], abs=0.002)
    pairs = london_store.con.sql(
        f"""SELECT count(*), count(*) FILTER (v.crime_id = r.crime_id AND s.crime_id = r.crime_id)
            FROM {london_store.relation("relationships")} r
            JOIN {london_store.relation("victims")} v USING (victim_id)
            JOIN {london_store.relation("suspects")} s USING (suspect_id)"""
    ).fetchall()[0]
    assert pairs[0] == pairs_expected
    assert pairs[1] == pairs[0]  # every pair's victim and suspect are in the pair's crime


def test_sex_mix_keeps_not_recorded(london_store: Store) -> None:
    shares = dict(
        london_store.con.sql(
            f"""SELECT v.sex, count(*) / sum(count(*)) OVER ()
                FROM {london_store.relation("victims")} v JOIN {london_store.relation("crimes")} c
                USING (crime_id) WHERE c.offence_code = '8/67' GROUP BY ALL"""
        ).fetchall()
    )
    expected = CALIBRATION["sex_mix"]["ccb"]["victim"]
    for sex in ("F", "M", "U"):
        assert shares[sex] == pytest.approx(expected[sex], abs=0.01), sex


def test_outcomes_are_pending_for_recent_years(london_store: Store) -> None:
    rows = london_store.con.sql(
        f"""SELECT year(c.recorded_date), avg((o.outcome_code IS NULL)::INT),
                   count(*) FILTER ((o.outcome_code IS NULL) <> (o.outcome_date IS NULL)),
                   count(*) FILTER (o.outcome_date < c.recorded_date)
            FROM {london_store.relation("outcomes")} o JOIN {london_store.relation("crimes")} c
            USING (crime_id) GROUP BY ALL"""
    ).fetchall()
    pending = {year: share for year, share, _, _ in rows}
    shares = CALIBRATION["pending_share_by_recorded_year"]
    assert pending[2024] == pytest.approx(shares[2024], abs=0.01)
    assert pending[2023] == pytest.approx(shares[2023], abs=0.01)
    assert pending[2016] == pytest.approx(shares["older"], abs=0.005)
    assert all(mismatch == 0 and early == 0 for _, _, mismatch, early in rows)


def test_domestic_abuse_flag_follows_offence_and_relationship(london_store: Store) -> None:
    crimes = london_store.relation("crimes")
    unflagged_ccb = london_store.con.sql(
        f"SELECT count(*) FROM {crimes} WHERE offence_code = '8/67' AND NOT domestic_abuse"
    ).fetchall()[0][0]
    assert unflagged_ccb == 0
    wrong = london_store.con.sql(
        f"""SELECT count(*) FROM {crimes} c
            WHERE c.offence_code IN ('8/65', '8/66', '195/12', '8/33', '195/94', '8/34')
              AND c.domestic_abuse <> EXISTS (
                SELECT 1 FROM {london_store.relation("relationships")} r
                JOIN {london_store.relation("how_known_codes")} h
                  ON h.scheme = r.how_known_scheme AND h.code = r.how_known
                WHERE r.crime_id = c.crime_id AND h.how_known_group IN
                  ('Current intimate partner', 'Former intimate partner', 'Family member'))"""
    ).fetchall()[0][0]
    assert wrong == 0


def test_crime_references_and_areas(london_store: Store) -> None:
    crimes = london_store.relation("crimes")
    refs, distinct, areas = london_store.con.sql(
        f"SELECT count(*), count(DISTINCT crime_ref), count(DISTINCT area) FROM {crimes}"
    ).fetchall()[0]
    assert refs == distinct
    assert areas == 32
    sample = london_store.con.sql(
        f"SELECT crime_ref, year(recorded_date) FROM {crimes} USING SAMPLE 50 ROWS"
    ).fetchall()
    for ref, year in sample:
        assert re.fullmatch(rf"CRIS-{year}-\d{{7}}", ref)


def test_years_outside_the_calibration_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not all calibrated"):
        generate(tmp_path / "x.duckdb", years=(2014, 2016))
    assert not (tmp_path / "x.duckdb").exists()


def test_stalking_charge_share_follows_the_published_trend(london_store: Store) -> None:
    rows = dict(
        london_store.con.sql(
            f"""SELECT year(c.recorded_date), avg((o.outcome_code = '1')::INT)
                FROM {london_store.relation("outcomes")} o
                JOIN {london_store.relation("crimes")} c USING (crime_id)
                JOIN {london_store.relation("suspects")} s USING (crime_id)
                WHERE c.offence_code IN ('8/65', '8/66', '195/12') AND o.outcome_code IS NOT NULL
                GROUP BY ALL"""
        ).fetchall()
    )
    trend = CALIBRATION["stalking_charge_share_trend"]
    assert rows[2015] == pytest.approx(trend[2015], abs=0.02)
    assert rows[2022] == pytest.approx(trend[2022], abs=0.02)

"""Synthetic London: a Metropolitan-Police-like crime-record snapshot from a calibration file.

The generator reproduces, per calendar year of the recorded date, the counts in
``london_calibration.yaml`` exactly (rounded, times ``scale``): controlling or coercive
behaviour (CCB), stalking, harassment and all domestic-abuse-flagged crime. Everything
else (days, parties, sexes, relationships, outcomes) is drawn from the calibration's
mixes with one ``numpy.random.Generator``, so a seed always gives the same snapshot.

Counting rules the generator follows:

* "da" in the calibration is every DA-flagged crime. CCB is always flagged; stalking and
  harassment are flagged when the victim knew the suspect as a current or former intimate
  partner or a family member; the rest of "da" is violence with injury, violence without
  injury and malicious communications, all flagged.
* CCB is recorded only from 29 December 2015; its committed dates never start earlier.
* From 5 April 2023 CCB pairs follow the post-reform relationship mix (more former partners).
* The June 2023 counting-rule change lowers the daily rate from 1 July 2023 while the
  year's total stays on its calibrated value.
* The relationship group is drawn per crime and shared by its pairs; each pair draws its
  own code within the group.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from foidesk.progress import ProgressCallback
from foidesk.records.reference import load_reference
from foidesk.records.schema import (
    CRIMES,
    OUTCOMES,
    RECORD_TABLES,
    RELATIONSHIPS,
    SUSPECTS,
    VICTIMS,
    CanonicalTable,
)
from foidesk.records.store import SNAPSHOT_TABLES, Snapshot, Store
from foidesk.records.store import _store_error as store_error
from foidesk.settings import CrimeStore, load_settings

CALIBRATION_FILE = Path(__file__).resolve().parent / "london_calibration.yaml"
FORCE_AREAS_FILE = Path(__file__).resolve().parent / "force_areas.yaml"

# Crimes per generated part, and parts generated at once: memory holds about
# IN_FLIGHT + 1 parts (a part of 250,000 crimes is about 60 MB of Arrow tables).
PART_CRIMES = 250_000
IN_FLIGHT = 2
# DuckDB's memory for writing the snapshot when the settings give no limit: beyond it
# DuckDB spills to disk, so a national scale stays within a few GB (DuckDB's own default
# is 80% of the machine's memory).
DEFAULT_MEMORY_LIMIT = "1GB"

OFFENCE_SCHEME = "HO"
HOW_KNOWN_SCHEME = "ILLUSTRATIVE"
CRIME_REF_PREFIX = "CRIS"

# Offence codes per generated group, with the share of the group's crimes each takes.
OFFENCE_CODES: dict[str, dict[str, float]] = {
    "ccb": {"8/67": 1.0},
    "stalking": {"195/12": 0.55, "8/66": 0.30, "8/65": 0.15},
    "harassment": {"195/94": 0.55, "8/33": 0.38, "8/34": 0.07},
    "da_other": {"105B": 0.45, "105A": 0.33, "8/20": 0.22},
}
GROUPS: tuple[str, ...] = ("ccb", "stalking", "harassment", "da_other")

# How-known codes of the illustrative list, by group, with their shares within the group.
HOW_KNOWN_CODES: dict[str, dict[str, float]] = {
    "Current intimate partner": {"SP": 0.35, "CP": 0.30, "BG": 0.35},
    "Former intimate partner": {"XS": 0.20, "XP": 0.35, "XB": 0.45},
    "Family member": {"PA": 0.30, "CH": 0.30, "SB": 0.20, "OF": 0.20},
    "Acquaintance": {"AQ": 0.40, "FR": 0.15, "NB": 0.20, "CW": 0.15, "OL": 0.10},
    "Stranger": {"ST": 1.0},
    "Not known": {"NK": 1.0},
}
DA_HOW_KNOWN_GROUPS = ("Current intimate partner", "Former intimate partner", "Family member")

# The 32 London boroughs, weighted by their approximate 2021 Census populations (thousands,
# ONS); the City of London is policed by its own force and is not an area here.
BOROUGHS: dict[str, int] = {
    "Barking and Dagenham": 219,
    "Barnet": 389,
    "Bexley": 246,
    "Brent": 339,
    "Bromley": 330,
    "Camden": 210,
    "Croydon": 391,
    "Ealing": 367,
    "Enfield": 330,
    "Greenwich": 289,
    "Hackney": 259,
    "Hammersmith and Fulham": 183,
    "Haringey": 264,
    "Harrow": 261,
    "Havering": 262,
    "Hillingdon": 306,
    "Hounslow": 288,
    "Islington": 217,
    "Kensington and Chelsea": 144,
    "Kingston upon Thames": 168,
    "Lambeth": 317,
    "Lewisham": 300,
    "Merton": 215,
    "Newham": 351,
    "Redbridge": 311,
    "Richmond upon Thames": 195,
    "Southwark": 307,
    "Sutton": 209,
    "Tower Hamlets": 310,
    "Waltham Forest": 278,
    "Wandsworth": 328,
    "Westminster": 205,
}

# June 2023 counting-rule change: daily rate from 1 July 2023 relative to before it.
# Harassment fell more than domestic abuse as a whole (calibration notes: 7-10% vs more).
RULE_CHANGE_DATE = date(2023, 7, 1)
RATE_AFTER_RULE_CHANGE: dict[str, float] = {
    "ccb": 0.92,
    "stalking": 0.92,
    "harassment": 0.80,
    "da_other": 0.92,
}

_EPOCH = np.datetime64("1970-01-01", "D")
# Outcome types that need an identified suspect: a crime without one is closed as type 18.
_OUTCOMES_NEEDING_SUSPECT = ("1", "1A", "2", "3", "6", "7", "8", "10", "15", "16", "21", "22")


def _day(d: date) -> int:
    return int((np.datetime64(d, "D") - _EPOCH).astype(np.int64))


@dataclass(frozen=True)
class Calibration:
    """The parsed calibration file: targets and mixes the generator reproduces."""

    yearly_counts: dict[int, dict[str, int]]
    force: str
    ccb_in_force_from: date
    former_partner_reform: date
    relationship_mix: dict[str, dict[str, float]]
    sex_mix: dict[str, dict[str, dict[str, float]]]
    parties: dict[str, float]
    outcome_mix: dict[str, dict[str, float]]
    stalking_charge_trend: dict[int, float]
    pending_share: dict[str, float]
    sha256: str
    path: Path

    @classmethod
    def read(cls, path: str | Path = CALIBRATION_FILE) -> Calibration:
        path = Path(path)
        raw_bytes = path.read_bytes()
        raw: dict[str, Any] = yaml.safe_load(raw_bytes)
        try:
            return cls(
                yearly_counts={int(y): dict(v) for y, v in raw["yearly_counts"].items()},
                force=str(raw["force"]),
                ccb_in_force_from=raw["ccb_in_force_from"],
                former_partner_reform=raw["living_together_requirement_removed"],
                relationship_mix=raw["relationship_mix"],
                sex_mix=raw["sex_mix"],
                parties=raw["parties_per_crime"],
                outcome_mix={
                    g: {str(k): v for k, v in m.items()} for g, m in raw["outcome_mix"].items()
                },
                stalking_charge_trend={
                    int(k): float(v) for k, v in raw["stalking_charge_share_trend"].items()
                },
                pending_share={
                    str(k): float(v) for k, v in raw["pending_share_by_recorded_year"].items()
                },
                sha256=hashlib.sha256(raw_bytes).hexdigest(),
                path=path,
            )
        except KeyError as exc:
            raise ValueError(f"{path}: calibration lacks the key {exc.args[0]!r}") from None

    def pending(self, year: int, last_year: int) -> float:
        """Share of ``year``'s crimes with no outcome yet when the data end with ``last_year``.

        The calibration names calendar years, its newest year being the extract's last; a
        year takes the share of the calibration year of the same age.
        """
        same_age = max(self.yearly_counts) - (last_year - year)
        return self.pending_share.get(str(same_age), self.pending_share["older"])

    def stalking_charge_share(self, year: int) -> float:
        """Charged share for stalking, interpolated between the published trend points."""
        xs = sorted(self.stalking_charge_trend)
        return float(np.interp(year, xs, [self.stalking_charge_trend[x] for x in xs]))


class Vocabulary:
    """A fixed list of category values; draws are small-integer positions in it.

    Categories stay integers until the Arrow table is built, where one ``take`` turns
    them into strings: far cheaper than arrays of Python strings.
    """

    def __init__(self, values: list[str] | tuple[str, ...]) -> None:
        self.values = list(values)
        self.position = {v: i for i, v in enumerate(self.values)}
        self.arrow = pa.array(self.values, pa.string())

    def choose(self, rng: np.random.Generator, mix: dict[str, float], size: int) -> np.ndarray:
        """``size`` draws from ``mix`` (value -> weight), as positions in this vocabulary."""
        positions = np.array([self.position[str(k)] for k in mix], dtype=np.int16)
        weights = np.array(list(mix.values()), dtype=float)
        return positions[rng.choice(len(positions), size=size, p=weights / weights.sum())]

    def positions(self, values: tuple[str, ...] | list[str]) -> np.ndarray:
        return np.array([self.position[v] for v in values if v in self.position], dtype=np.int16)

    def strings(self, positions: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
        indices = pa.array(positions.astype(np.int32), type=pa.int32(), mask=missing)
        return self.arrow.take(indices)


OFFENCES = Vocabulary(sorted({c for codes in OFFENCE_CODES.values() for c in codes}))
AREAS = Vocabulary(list(BOROUGHS))
SEXES = Vocabulary(("F", "M", "U"))
HOW_KNOWN_GROUPS = Vocabulary(list(HOW_KNOWN_CODES))
HOW_KNOWN = Vocabulary([c for codes in HOW_KNOWN_CODES.values() for c in codes])
PARTIES = Vocabulary(("1x1", "1x2", "2x1", "1x0"))
_VICTIMS_PER_PARTIES = np.array([1, 1, 2, 1])
_SUSPECTS_PER_PARTIES = np.array([1, 2, 1, 0])


class _Draw:
    """Arrays for the crimes of one group in one year, built without per-row loops."""

    def __init__(
        self,
        rng: np.random.Generator,
        cal: Calibration,
        outcomes: Vocabulary,
        group: str,
        year: int,
        n: int,
        extracted: date,
        boroughs: bool,
    ) -> None:
        first = date(year, 1, 1)
        if group == "ccb":
            first = max(first, cal.ccb_in_force_from)
        days = np.arange(_day(first), _day(min(date(year, 12, 31), extracted)) + 1)
        # The lower rate shapes 2023 only; later years' calibrated counts already include it.
        step = (days >= _day(RULE_CHANGE_DATE)) & (days <= _day(date(2023, 12, 31)))
        rate = np.where(step, RATE_AFTER_RULE_CHANGE[group], 1.0)
        self.recorded = np.sort(rng.choice(days, size=n, p=rate / rate.sum()))

        # Offences are reported a few days after the last act; courses of conduct run weeks.
        report_lag = rng.geometric(1 / 4, size=n) - 1
        conduct = rng.geometric(1 / 45, size=n) - 1 if group != "da_other" else np.zeros(n)
        self.committed_to = self.recorded - report_lag
        self.committed_from = self.committed_to - conduct.astype(np.int64)
        if group == "ccb":
            floor = _day(cal.ccb_in_force_from)
            self.committed_from = np.maximum(self.committed_from, floor)
            self.committed_to = np.maximum(self.committed_to, floor)

        self.offence_code = OFFENCES.choose(rng, OFFENCE_CODES[group], n)
        # Boroughs are London's; other forces' crimes have no area in the calibration.
        self.area = AREAS.choose(rng, BOROUGHS, n) if boroughs else np.full(n, -1, np.int16)

        parties = PARTIES.choose(rng, cal.parties, n)
        self.n_victims = _VICTIMS_PER_PARTIES[parties]
        self.n_suspects = _SUSPECTS_PER_PARTIES[parties]

        if group == "ccb":
            reform = self.recorded >= _day(cal.former_partner_reform)
            before = HOW_KNOWN_GROUPS.choose(rng, cal.relationship_mix["ccb_before_2023_04_05"], n)
            after = HOW_KNOWN_GROUPS.choose(rng, cal.relationship_mix["ccb_from_2023_04_05"], n)
            how_known_group = np.where(reform, after, before)
        else:
            how_known_group = HOW_KNOWN_GROUPS.choose(rng, cal.relationship_mix[group], n)

        if group in ("ccb", "da_other"):
            self.domestic_abuse = np.ones(n, dtype=bool)
        else:
            close = np.isin(how_known_group, HOW_KNOWN_GROUPS.positions(DA_HOW_KNOWN_GROUPS))
            self.domestic_abuse = close & (self.n_suspects > 0)

        sexes = cal.sex_mix[group]
        self.victim_sex = SEXES.choose(rng, sexes["victim"], int(self.n_victims.sum()))
        self.suspect_sex = SEXES.choose(rng, sexes["suspect"], int(self.n_suspects.sum()))

        mix = dict(cal.outcome_mix[group])
        if group == "stalking":
            # The published charge share replaces type 1's; the other types share the rest.
            charged = cal.stalking_charge_share(year)
            others = sum(v for k, v in mix.items() if k != "1")
            mix = {k: v * (1 - charged) / others for k, v in mix.items() if k != "1"}
            mix["1"] = charged
        outcome = outcomes.choose(rng, mix, n)
        needs_suspect = np.isin(outcome, outcomes.positions(_OUTCOMES_NEEDING_SUSPECT))
        no_suspect_outcome = outcomes.position["18"]
        self.outcome_code = np.where(
            needs_suspect & (self.n_suspects == 0), no_suspect_outcome, outcome
        )
        self.pending = rng.random(n) < cal.pending(year, extracted.year)
        outcome_lag = rng.geometric(1 / 75, size=n)
        self.outcome_date = np.minimum(self.recorded + outcome_lag, _day(extracted))

        pair_groups = np.repeat(how_known_group, self.n_victims * self.n_suspects)
        self.how_known = np.empty(len(pair_groups), dtype=np.int16)
        for name, codes in HOW_KNOWN_CODES.items():
            members = pair_groups == HOW_KNOWN_GROUPS.position[name]
            self.how_known[members] = HOW_KNOWN.choose(rng, codes, int(members.sum()))


def _age(rng: np.random.Generator, size: int, mean: float, sd: float) -> pa.Array:
    ages = np.clip(np.rint(rng.normal(mean, sd, size)), 16, 90).astype(np.int16)
    not_recorded = rng.random(size) < 0.04
    return pa.array(ages, type=pa.int16(), mask=not_recorded)


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype(np.int32), type=pa.int32()).cast(pa.date32())


@dataclass(frozen=True)
class Force:
    """One police force area: its ONS code, its name and its recorded offences by group."""

    code: str
    name: str
    violence_with_injury: int
    violence_without_injury: int
    stalking_and_harassment: int


@dataclass(frozen=True)
class ForceAreas:
    """The force areas of ``force_areas.yaml``, and the one the calibration describes."""

    forces: dict[str, Force]
    reference: str
    edition: str
    sha256: str

    @classmethod
    def read(cls, path: str | Path = FORCE_AREAS_FILE) -> ForceAreas:
        raw_bytes = Path(path).read_bytes()
        raw = yaml.safe_load(raw_bytes)
        forces = {str(code): Force(str(code), *row) for code, row in raw["forces"].items()}
        return cls(
            forces, raw["reference_force"], raw["edition"], hashlib.sha256(raw_bytes).hexdigest()
        )

    def select(self, names: str | list[str]) -> list[Force]:
        """Forces by ONS code or name (any case), or every force for ``all``."""
        wanted = [n.strip() for n in names.split(",")] if isinstance(names, str) else names
        if [n.lower() for n in wanted] == ["all"]:
            return list(self.forces.values())
        by_key = {f.code.lower(): f for f in self.forces.values()}
        by_key |= {f.name.lower(): f for f in self.forces.values()}
        chosen: list[Force] = []
        for name in wanted:
            force = by_key.get(name.lower())
            if force is None:
                close = difflib.get_close_matches(name.lower(), list(by_key), n=1)
                hint = f" (did you mean {by_key[close[0]].name!r}?)" if close else ""
                raise ValueError(f"no police force area called {name!r}{hint}; or use all")
            if force not in chosen:
                chosen.append(force)
        if not chosen:
            raise ValueError("name at least one police force area, or all")
        return chosen

    def factors(self, force: Force) -> dict[str, float]:
        """How many times the calibrated force's counts ``force`` records, per group.

        Controlling or coercive behaviour, stalking and harassment are in the ONS
        "stalking and harassment" group; the rest of domestic abuse in the two
        violence groups.
        """
        ref = self.forces[self.reference]
        harassment = force.stalking_and_harassment / ref.stalking_and_harassment
        violence = (force.violence_with_injury + force.violence_without_injury) / (
            ref.violence_with_injury + ref.violence_without_injury
        )
        return {"ccb": harassment, "stalking": harassment, "harassment": harassment, "da": violence}


@dataclass(frozen=True)
class _Part:
    """One part of the generation: a year of one force, or a slice of such a year."""

    year: int
    force: int  # position in the list of forces
    index: int  # slice within the force's year
    counts: dict[str, int]
    first_ref: int  # number of the slice's first crime reference within the year


def _parts(
    cal: Calibration,
    forces: list[tuple[str, dict[str, float]]],
    years: range,
    scale: float,
    part_crimes: int,
    extracted: date,
) -> list[_Part]:
    """Every part in id order: years, then forces, then slices of at most part_crimes."""
    parts = []
    for year in years:
        for position, (_, factor) in enumerate(forces):
            target = cal.yearly_counts[year]
            # A year the data end part-way through gets its counts cut in proportion.
            start, end = date(year, 1, 1), date(year, 12, 31)
            share = ((min(end, extracted) - start).days + 1) / ((end - start).days + 1)
            counts = {
                g: int(round(target[g] * scale * factor[g] * share))
                for g in ("da", "ccb", "stalking", "harassment")
            }
            # Every crime is DA-flagged or stalking or harassment: the two bound the total.
            size = counts["da"] + counts["stalking"] + counts["harassment"]
            slices = max(1, -(-size // part_crimes))
            first_ref = 1
            for index in range(slices):
                share = {g: n // slices + (index < n % slices) for g, n in counts.items()}
                parts.append(_Part(year, position, index, share, first_ref))
                first_ref += share["da"] + share["stalking"] + share["harassment"]
    return parts


def _check(
    cal: Calibration, scale: float, years: tuple[int, int], extracted: date | None = None
) -> date:
    """Raise ``ValueError`` on uncalibrated years or a bad scale; return the extraction
    date (default: 31 December of the last year), which must fall in the last year."""
    first_year, last_year = years
    extracted = extracted or date(last_year, 12, 31)
    if extracted.year != last_year:
        raise ValueError(
            f"extracted {extracted.isoformat()} must fall in the last year, {last_year}"
        )
    missing = [y for y in range(first_year, last_year + 1) if y not in cal.yearly_counts]
    if first_year > last_year or missing:
        known = f"{min(cal.yearly_counts)}-{max(cal.yearly_counts)}"
        raise ValueError(f"{cal.path}: years {first_year}-{last_year} not all calibrated ({known})")
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    return extracted


def generate_parts(
    *,
    scale: float = 1.0,
    years: tuple[int, int] = (2015, 2024),
    seed: int = 7,
    forces: list[Force] | None = None,
    calibration: Calibration | None = None,
    force_areas: ForceAreas | None = None,
    on_plan: Callable[[int], None] | None = None,
    part_crimes: int = PART_CRIMES,
    extracted: date | None = None,
) -> Iterator[dict[str, pa.Table]]:
    """The record tables in parts of at most about PART_CRIMES crimes, in id order.

    Parts are generated two at a time in threads (numpy releases the GIL) and yielded in
    order, so memory holds a few parts whatever the scale. Without ``forces`` the one
    force is the calibration's (London, with boroughs); with them each force's counts
    are the calibration's times its share (``ForceAreas.factors``). ``on_plan`` is told
    how many parts there will be.
    """
    cal = calibration or Calibration.read()
    extracted = _check(cal, scale, years, extracted)
    first_year, last_year = years
    outcomes = Vocabulary(
        sorted({code for mix in cal.outcome_mix.values() for code in mix} | {"18"})
    )
    if forces:
        areas = force_areas or ForceAreas.read()
        chosen = [(f.name, areas.factors(f)) for f in forces]
        refs = [f.code for f in forces]
        london = [f.code == areas.reference for f in forces]
        source = "synthetic forces"
    else:
        chosen = [(cal.force, dict.fromkeys(("da", "ccb", "stalking", "harassment"), 1.0))]
        refs, london, source = [CRIME_REF_PREFIX], [True], "synthetic London"
    force_names = Vocabulary([name for name, _ in chosen])

    def one_part(part: _Part) -> dict[str, pa.Table]:
        # Each part draws from its own stream, keyed by seed, year, force and slice, so
        # parts can be generated in parallel and none depends on another.
        rng = np.random.default_rng([seed, part.year, part.force, part.index])
        draws = []
        for group in ("ccb", "stalking", "harassment"):
            n = part.counts[group]
            draws.append(
                _Draw(rng, cal, outcomes, group, part.year, n, extracted, london[part.force])
            )
        flagged = sum(int(d.domestic_abuse.sum()) for d in draws)
        other = max(part.counts["da"] - flagged, 0)
        draws.append(
            _Draw(rng, cal, outcomes, "da_other", part.year, other, extracted, london[part.force])
        )
        return _year_tables(rng, draws, part, outcomes, source, refs[part.force], force_names)

    plan = _parts(cal, chosen, range(first_year, last_year + 1), scale, part_crimes, extracted)
    if on_plan is not None:
        on_plan(len(plan))
    offsets = {"crime_id": 0, "victim_id": 0, "suspect_id": 0}
    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        pending = deque(pool.submit(one_part, p) for p in plan[:IN_FLIGHT])
        for next_part in plan[IN_FLIGHT:] + [None] * IN_FLIGHT:
            if not pending:
                break
            tables = pending.popleft().result()
            if next_part is not None:
                pending.append(pool.submit(one_part, next_part))
            # Ids count from 1 within each part; shift them so they run on across parts.
            shifted = {}
            for name, table in tables.items():
                for column, offset in offsets.items():
                    if column in table.column_names and offset:
                        index = table.column_names.index(column)
                        moved = pc.add(table[column], pa.scalar(offset, pa.int64()))
                        table = table.set_column(index, column, moved)
                shifted[name] = table
            offsets["crime_id"] += tables[CRIMES.name].num_rows
            offsets["victim_id"] += tables[VICTIMS.name].num_rows
            offsets["suspect_id"] += tables[SUSPECTS.name].num_rows
            yield shifted


def build_tables(
    *,
    scale: float = 1.0,
    years: tuple[int, int] = (2015, 2024),
    seed: int = 7,
    forces: list[Force] | None = None,
    calibration: Calibration | None = None,
    part_crimes: int = PART_CRIMES,
    extracted: date | None = None,
) -> dict[str, pa.Table]:
    """The record tables (no reference tables) as whole Arrow tables, for small scales.

    ``extracted`` is the day the data were taken from the (imagined) crime system: nothing
    is recorded or closed after it. It must fall in the last year (default: its 31 December).
    """
    parts: dict[str, list[pa.Table]] = {t.name: [] for t in RECORD_TABLES}
    for part in generate_parts(
        scale=scale,
        years=years,
        seed=seed,
        forces=forces,
        calibration=calibration,
        part_crimes=part_crimes,
        extracted=extracted,
    ):
        for name, table in part.items():
            parts[name].append(table)
    return {name: pa.concat_tables(tables) for name, tables in parts.items()}


def _year_tables(
    rng: np.random.Generator,
    draws: list[_Draw],
    part: _Part,
    outcomes: Vocabulary,
    source: str,
    ref_prefix: str,
    forces: Vocabulary,
) -> dict[str, pa.Table]:
    """One part's record tables from its draws, with ids counted from 1."""
    year = part.year

    def cat(attr: str) -> np.ndarray:
        return np.concatenate([getattr(d, attr) for d in draws])

    recorded = cat("recorded")
    order = np.argsort(recorded, kind="stable")
    n = len(order)
    crime_id = np.arange(1, n + 1, dtype=np.int64)
    recorded = recorded[order]

    # Crime references number a force's crimes within their recorded year: CRIS-2023-0001234.
    numbers = np.arange(part.first_ref, part.first_ref + n)
    crime_ref = pc.binary_join_element_wise(
        f"{ref_prefix}-{year}-",
        pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), 7, "0"),
        "",
    )
    area = cat("area")[order]
    crimes = pa.table(
        {
            "crime_id": crime_id,
            "crime_ref": crime_ref,
            "incident_ref": pa.nulls(n, pa.string()),
            "recorded_date": _dates(recorded),
            "committed_from": _dates(cat("committed_from")[order]),
            "committed_to": _dates(cat("committed_to")[order]),
            "offence_scheme": pa.repeat(pa.scalar(OFFENCE_SCHEME), n),
            "offence_code": OFFENCES.strings(cat("offence_code")[order]),
            "domestic_abuse": cat("domestic_abuse")[order],
            "area": AREAS.strings(np.maximum(area, 0), area < 0),
            "source": pa.repeat(pa.scalar(source), n),
            "force": forces.strings(np.full(n, part.force, np.int16)),
        }
    )

    # People were drawn in draw order; a stable sort by crime puts them in crime order.
    n_victims = cat("n_victims")
    n_suspects = cat("n_suspects")
    crime_of_draw = np.empty(n, dtype=np.int64)
    crime_of_draw[order] = crime_id
    people = {}
    for role, counts, mean, sd in (
        ("victim", n_victims, 36.0, 13.0),
        ("suspect", n_suspects, 37.0, 11.0),
    ):
        person_crime = np.repeat(crime_of_draw, counts)
        by_crime = np.argsort(person_crime, kind="stable")
        size = len(by_crime)
        people[role] = pa.table(
            {
                f"{role}_id": np.arange(1, size + 1, dtype=np.int64),
                "crime_id": person_crime[by_crime],
                "sex": SEXES.strings(cat(f"{role}_sex")[by_crime]),
                "age": _age(rng, size, mean, sd),
                "age_band": pa.nulls(size, pa.string()),
            }
        )

    # Pairs: a crime has at most two on one side, so pair k takes victim k (2x1) or
    # suspect k (1x2) counted from the crime's first person.
    victims_of = n_victims[order]
    suspects_of = n_suspects[order]
    first_victim = np.cumsum(victims_of) - victims_of + 1
    first_suspect = np.cumsum(suspects_of) - suspects_of + 1
    pairs = victims_of * suspects_of
    pair_crime = np.repeat(np.arange(n), pairs)
    pair_start = np.cumsum(pairs) - pairs
    k = np.arange(len(pair_crime)) - np.repeat(pair_start, pairs)
    pair_victim = first_victim[pair_crime] + np.where(victims_of[pair_crime] == 2, k, 0)
    pair_suspect = first_suspect[pair_crime] + np.where(suspects_of[pair_crime] == 2, k, 0)
    # how-known codes were drawn in draw order too; reorder them by crime like the pairs.
    pairs_drawn = n_victims * n_suspects
    pair_draw_start = np.cumsum(pairs_drawn) - pairs_drawn
    pair_draw_index = np.repeat(pair_draw_start[order], pairs) + k
    relationships = pa.table(
        {
            "crime_id": crime_id[pair_crime],
            "victim_id": pair_victim.astype(np.int64),
            "suspect_id": pair_suspect.astype(np.int64),
            "how_known_scheme": pa.repeat(pa.scalar(HOW_KNOWN_SCHEME), len(pair_crime)),
            "how_known": HOW_KNOWN.strings(cat("how_known")[pair_draw_index]),
        }
    )

    pending = cat("pending")[order]
    outcome_days = cat("outcome_date")[order].astype(np.int32)
    outcome_table = pa.table(
        {
            "crime_id": crime_id,
            "outcome_code": outcomes.strings(cat("outcome_code")[order], pending),
            "outcome_date": pa.array(outcome_days, pa.int32(), mask=pending).cast(pa.date32()),
        }
    )
    return {
        CRIMES.name: crimes,
        VICTIMS.name: people["victim"],
        SUSPECTS.name: people["suspect"],
        RELATIONSHIPS.name: relationships,
        OUTCOMES.name: outcome_table,
    }


def generate(
    db: str | Path,
    *,
    scale: float = 1.0,
    years: tuple[int, int] = (2015, 2024),
    seed: int = 7,
    forces: str | list[str] | None = None,
    progress: ProgressCallback | None = None,
    part_crimes: int = PART_CRIMES,
    extracted: date | None = None,
    settings: CrimeStore | None = None,
) -> Snapshot:
    """Generate synthetic data into the store at ``db`` as a new snapshot; return it.

    Without ``forces``, synthetic London; with them (ONS codes or names, or ``all``),
    each force calibrated to its share of the ONS offence groups. Parts are appended to
    staging Parquet files beside the store as they are generated, in key order; the store
    then hashes and copies them itself (``Store.write_snapshot_from``), so memory stays
    flat at any scale. ``extracted`` (default 31 December of the last year) is recorded
    in the provenance as the snapshot's extraction date: no crime is recorded or closed
    after it. ``progress`` hears of each part stored (``foidesk.progress``); the last
    part holds the reference tables. The store's memory limit and threads come from
    ``settings`` (by default the settings file's ``crime_store``); with no memory limit
    set, it uses at most ``DEFAULT_MEMORY_LIMIT`` and spills beyond it.
    """
    limits = settings or load_settings().crime_store
    memory_limit = limits.memory_limit or DEFAULT_MEMORY_LIMIT
    cal = Calibration.read()
    extracted = _check(cal, scale, years, extracted)
    areas = ForceAreas.read()
    chosen = areas.select(forces) if forces else None
    provenance: dict[str, Any] = {
        "generator": "foidesk.records.synth",
        "scale": scale,
        "years": list(years),
        "seed": seed,
        "extracted": extracted.isoformat(),
        "calibration": {"file": cal.path.name, "sha256": cal.sha256},
    }
    if chosen:
        provenance["forces"] = [f.code for f in chosen]
        provenance["force_areas"] = {
            "file": FORCE_AREAS_FILE.name,
            "edition": areas.edition,
            "sha256": areas.sha256,
        }
    else:
        provenance["force"] = cal.force
    done, total = 0, 0

    def planned(n: int) -> None:
        nonlocal total
        total = n + 1  # the last part holds the reference tables

    def advance() -> None:
        nonlocal done
        done += 1
        if progress:
            progress("generating and storing", done, total)

    parts = generate_parts(
        scale=scale,
        years=years,
        seed=seed,
        forces=chosen,
        calibration=cal,
        force_areas=areas,
        on_plan=planned,
        part_crimes=part_crimes,
        extracted=extracted,
    )
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{db.name}.parts-", dir=db.parent) as work:
        staged = _stage_parts(parts, Path(work), db, advance)
        store_limits = CrimeStore(memory_limit=memory_limit, threads=limits.threads)
        with Store(db, settings=store_limits) as store:
            # The store reads the staged files itself (hashing, then copying them in
            # key order as staged): the rows never pass through Python again.
            names = {}
            for spec in SNAPSHOT_TABLES:
                names[spec.name] = f"_staged_{spec.name}"
                if spec.name in staged:
                    path = str(staged[spec.name]).replace("'", "''")
                    store.con.execute(
                        f'CREATE OR REPLACE TEMP VIEW "{names[spec.name]}" AS '
                        f"SELECT * FROM read_parquet('{path}')"
                    )
                else:
                    store.con.register(names[spec.name], _unstaged(spec))
            advance()
            try:
                return store.write_snapshot_from(
                    store.con, names, kind="synthetic", provenance=provenance
                )
            finally:
                for spec in SNAPSHOT_TABLES:
                    if spec.name in staged:
                        store.con.execute(f'DROP VIEW IF EXISTS "{names[spec.name]}"')
                    else:
                        store.con.unregister(names[spec.name])


def _stage_parts(
    parts: Iterator[dict[str, pa.Table]], work: Path, db: Path, advance: Callable[[], None]
) -> dict[str, Path]:
    """Append each part's tables to one Parquet file per record table in ``work``, in the
    order generated (key order); return the files. Parquet, compressed, is a fraction of
    the rows' size, and writing it costs a third of inserting them into a DuckDB file."""
    writers: dict[str, pq.ParquetWriter] = {}
    files: dict[str, Path] = {}
    try:
        for part in parts:
            for name, table in part.items():
                if name not in writers:
                    files[name] = work / f"{name}.parquet"
                    writers[name] = pq.ParquetWriter(files[name], table.schema, compression="zstd")
                writers[name].write_table(table.cast(writers[name].schema))
            advance()
        for writer in writers.values():
            writer.close()
    except OSError as exc:  # a full disk, most likely: say so
        for writer in writers.values():
            with contextlib.suppress(OSError):
                writer.close()
        raise store_error(db, exc) from None
    return files


def _unstaged(spec: CanonicalTable) -> pa.Table:
    """A snapshot table that is not generated: the reference lists, or no rejects."""
    reference = load_reference()
    return reference[spec.name] if spec.name in reference else spec.arrow_schema.empty_table()

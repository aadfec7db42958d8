"""Hand-described crimes written as a store snapshot, for worked examples and checks.

A ``Case`` is one crime told the way an analyst would describe it ("CCB recorded on
3 May 2023, a woman and her son as victims, one male suspect, her ex-partner"). The docs'
worked examples and the tests build their tiny stores with ``write_cases``, so what a
counting unit means can be shown on data small enough to count by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pyarrow as pa

from foidesk.records.reference import load_reference
from foidesk.records.schema import CRIMES, OUTCOMES, RELATIONSHIPS, SUSPECTS, VICTIMS
from foidesk.records.store import Snapshot, Store


@dataclass(frozen=True)
class Case:
    """One crime: its offence, dates, people and how each victim knew each suspect.

    ``pairs`` holds (victim index, suspect index, how-known code) triples, indexes into
    ``victims`` and ``suspects`` (lists of sex codes). ``outcome`` is an outcome type code,
    or None when none has been assigned yet.
    """

    recorded: date
    offence: str = "8/67"
    victims: tuple[str, ...] = ()
    suspects: tuple[str, ...] = ()
    pairs: tuple[tuple[int, int, str], ...] = ()
    outcome: str | None = None
    domestic_abuse: bool = True
    committed: date | None = None
    area: str | None = "Camden"
    force: str | None = "Metropolitan Police Service"
    ref: str | None = None
    how_known_scheme: str = "ILLUSTRATIVE"


def case_tables(cases: list[Case]) -> dict[str, pa.Table]:
    """The canonical record tables (and the shipped reference tables) for ``cases``."""
    crimes, victims, suspects, pairs, outcomes = [], [], [], [], []
    victim_id = suspect_id = 0
    for crime_id, case in enumerate(cases, start=1):
        crimes.append(
            {
                "crime_id": crime_id,
                "crime_ref": case.ref or f"CASE-{crime_id:04d}",
                "recorded_date": case.recorded,
                "committed_from": case.committed,
                "committed_to": case.committed,
                "offence_scheme": "HO",
                "offence_code": case.offence,
                "domestic_abuse": case.domestic_abuse,
                "area": case.area,
                "source": "cases",
                "force": case.force,
            }
        )
        victim_ids, suspect_ids = [], []
        for sex in case.victims:
            victim_id += 1
            victim_ids.append(victim_id)
            victims.append({"victim_id": victim_id, "crime_id": crime_id, "sex": sex})
        for sex in case.suspects:
            suspect_id += 1
            suspect_ids.append(suspect_id)
            suspects.append({"suspect_id": suspect_id, "crime_id": crime_id, "sex": sex})
        for v, s, how_known in case.pairs:
            pairs.append(
                {
                    "crime_id": crime_id,
                    "victim_id": victim_ids[v],
                    "suspect_id": suspect_ids[s],
                    "how_known_scheme": case.how_known_scheme,
                    "how_known": how_known,
                }
            )
        outcomes.append(
            {
                "crime_id": crime_id,
                "outcome_code": case.outcome,
                "outcome_date": case.recorded if case.outcome else None,
            }
        )

    def table(spec, rows: list[dict]) -> pa.Table:
        columns = {c.name: [r.get(c.name) for r in rows] for c in spec.columns}
        return pa.table(columns, schema=spec.arrow_schema)

    return {
        CRIMES.name: table(CRIMES, crimes),
        VICTIMS.name: table(VICTIMS, victims),
        SUSPECTS.name: table(SUSPECTS, suspects),
        RELATIONSHIPS.name: table(RELATIONSHIPS, pairs),
        OUTCOMES.name: table(OUTCOMES, outcomes),
        **load_reference(),
    }


def write_cases(store: Store, cases: list[Case]) -> Snapshot:
    """Write ``cases`` as one snapshot of ``store`` and return it."""
    return store.write_snapshot(case_tables(cases), kind="cases", provenance={"cases": len(cases)})

"""The seed answer as the demo writes it keeps its two headline figures shown.

Controlling or coercive behaviour was in force for three days of 2015, which held a small
count; with the yearly total shown, only another year could protect it, and the least
was 2016 (about 450 crimes). The seed's yearly tables now join those three days to 2016
(``join_first_part``), so the first period is "29 December 2015 to 31 December 2016" and
no year has to be hidden for it. The answer is audited as a reader of the Notes would
attack it: every [c] at least 1, whole numbers.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from foidesk.answers.answer import answer
from foidesk.records.synth import generate
from foidesk.stats.audit import AuditProblem, audit_answer

SEED = Path(__file__).resolve().parents[2] / "examples" / "requests" / "01.FOI.24.035331.yaml"
JOINED = "29 December 2015 to 31 December 2016"


@pytest.fixture(scope="module")
def answered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed request answered on the demo's synthetic London (scale 1, to 31 May 2024)."""
    root = tmp_path_factory.mktemp("demo")
    db = root / "london.duckdb"
    generate(db, scale=1.0, years=(2015, 2024), seed=7, extracted=date(2024, 5, 31))
    out = root / "answer"
    answer(SEED, db, out)
    return out


def rows(out: Path, table: str) -> list[list[str]]:
    with (out / f"{table}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_the_first_ccb_period_is_shown_in_tables_3_and_5(answered: Path) -> None:
    table_3 = {row[0]: row[1] for row in rows(answered, "table_3")[1:]}
    assert list(table_3)[:2] == [JOINED, "2017"]
    assert "2015" not in table_3 and "2016" not in table_3
    # Shown, and a yearly figure rather than a small count: 2016 and three days.
    assert table_3[JOINED].isdigit() and int(table_3[JOINED]) > 300
    table_5 = {row[0]: row[-1] for row in rows(answered, "table_5")[1:]}
    assert table_5[JOINED] == table_3[JOINED]  # the same crimes, shown in both
    assert "[c]" not in table_3.values()


def test_the_largest_cell_of_table_1_is_shown(answered: Path) -> None:
    header, *body = rows(answered, "table_1")
    female = header.index("Victim sex: Female")
    line = next(r for r in body if r[:2] == ["1 January to 4 April 2023", "Male"])
    assert line[female].isdigit() and int(line[female]) > 300
    shown = [int(v) for r in body if "Total" not in r[:2] for v in r[2:-1] if v.isdigit()]
    assert max(shown) > int(line[female])  # 5 April to 31 December: larger, shown too
    manifest = json.loads((answered / "manifest.json").read_text(encoding="utf-8"))
    report = manifest["disclosure_control"]
    assert report["passed"] and report["solver"]["objective"] == "value"


def test_the_answer_passes_the_audit_of_a_reader_of_the_notes(answered: Path) -> None:
    problem = AuditProblem.read(answered / "internal")
    hidden = [c for c in problem.cells if c.suppressed]
    assert hidden and all(c.at_least == 1 for c in hidden)  # every [c] is at least 1
    result = audit_answer(answered / "internal")
    assert result.passed and len(result.intervals) == len(hidden)
    for interval in result.intervals:
        assert interval.low >= 1
        assert interval.high is None or interval.high > interval.low
        if interval.requirement.upper_at_least is not None:  # a small count
            assert interval.requirement.upper_at_least == 5
            assert interval.high is None or interval.high >= 5

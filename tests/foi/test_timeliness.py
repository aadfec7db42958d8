"""s45 statistics over a small register whose timeliness was worked out by hand."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from foidesk.foi.register import Actor, Exemption, Register
from foidesk.foi.timeliness import request_timeliness, s45_statistics, write_s45_csv

S31 = Exemption(
    "s31",
    "(1)(a)",
    harm="h",
    factors_for=["accountability"],
    factors_against=["tactics revealed"],
    balance="withhold",
)


def _answer(register: Register, reference: str, on: date, decision: str, exemptions=()) -> None:
    # "Not held" always says why.
    why = "Court results are not police data." if decision == "not held" else ""
    register.decide(reference, 1, decision, list(exemptions), "olly", not_held=why)
    register.submit_for_approval(reference, "olly")
    register.approve(
        reference, Actor("rita", "reviewer"), fingerprint=register.fingerprint(reference)
    )
    register.respond(reference, on, [], "olly")


@pytest.fixture
def register(tmp_path: Path) -> Register:
    with Register(tmp_path / "r.sqlite", today=lambda: date(2024, 12, 31), migrate=True) as reg:
        for ref, received, kind in [
            ("01.FOI.24.000001", date(2024, 6, 3), "media"),
            ("01.FOI.24.000002", date(2024, 6, 3), "media"),
            ("01.FOI.24.000003", date(2024, 7, 1), "campaign group"),
            ("01.FOI.24.000004", date(2024, 7, 15), ""),
        ]:
            reg.new_request(
                ref, received, "Some figures.", [], "email", "", "olly", requester_type=kind
            )
        # Due Mon 1 Jul 2024, answered Fri 28 Jun: in time.
        _answer(reg, "01.FOI.24.000001", date(2024, 6, 28), "disclosed")
        # Due Mon 1 Jul, extended to Mon 5 Aug, answered Fri 2 Aug: within the extension.
        reg.extend(
            "01.FOI.24.000002",
            "s31",
            date(2024, 8, 5),
            "olly",
            notified_on=date(2024, 7, 1),
            override="Agreed with the requester.",
        )
        _answer(reg, "01.FOI.24.000002", date(2024, 8, 2), "withheld", [S31])
        # Due Tue 30 Jul (12 July skipped), answered Wed 31 Jul: late.
        _answer(reg, "01.FOI.24.000003", date(2024, 7, 31), "not held")
        yield reg


def test_each_request_is_judged_against_its_own_deadline(register: Register) -> None:
    detail = request_timeliness(register).set_index("reference")
    assert detail.loc["01.FOI.24.000001", "within_20_working_days"]
    assert detail.loc["01.FOI.24.000002", "within_extended_time"]
    assert detail.loc["01.FOI.24.000003", "statutory_due"] == date(2024, 7, 30)
    assert not detail.loc["01.FOI.24.000003", "within_20_working_days"]
    # The unanswered request has no outcome yet.
    assert detail["outcome"].dropna().to_dict() == {
        "01.FOI.24.000001": "granted in full",
        "01.FOI.24.000002": "withheld in full",
        "01.FOI.24.000003": "not held",
    }


def test_requests_are_counted_in_the_period_they_were_received(register: Register) -> None:
    # The s45 Code counts requests received in a period and what became of them: the
    # June requests were both answered (one in July, one in August), in June's row.
    monthly = s45_statistics(register, "month").set_index("period")
    assert list(monthly.index) == ["2024-06", "2024-07"]
    june, july = monthly.loc["2024-06"], monthly.loc["2024-07"]
    assert (june["received"], june["answered"], june["still_open"]) == (2, 2, 0)
    assert (june["answered_within_20_working_days"], june["answered_within_extended_time"]) == (
        1,
        1,
    )
    assert (june["extensions_used"], june["percent_in_time"]) == (1, 100.0)
    assert (july["received"], july["answered"], july["still_open"]) == (2, 1, 1)
    assert (july["answered_late"], july["percent_in_time"], july["not held"]) == (1, 0.0, 1)
    quarterly = s45_statistics(register, "quarter").set_index("period")
    q2, q3 = quarterly.loc["2024Q2"], quarterly.loc["2024Q3"]
    assert (q2["granted in full"], q2["withheld in full"]) == (1, 1)
    assert (q3["answered"], q3["answered_late"], q3["percent_in_time"]) == (1, 1, 0.0)


def test_requests_are_counted_by_requester_type(register: Register) -> None:
    monthly = s45_statistics(register, "month").set_index("period")
    june, july = monthly.loc["2024-06"], monthly.loc["2024-07"]
    assert (june["from media"], june["from individual"]) == (2, 0)
    assert (july["from campaign group"], july["from requester not recorded"]) == (1, 1)
    # Every request received is counted once, whatever its type.
    types = [c for c in monthly.columns if c.startswith("from ")]
    assert list(monthly[types].sum(axis=1)) == list(monthly["received"])
    # Officers record it; the public view of a request never carries it.
    assert register.get("01.FOI.24.000003").requester_type == "campaign group"
    view = register.public_view("01.FOI.24.000003")
    assert "campaign group" not in repr(view) and "requester_type" not in view


def test_an_unknown_requester_type_is_refused(register: Register) -> None:
    with pytest.raises(ValueError, match="requester type 'press' is not one of individual"):
        register.new_request(
            "01.FOI.24.000005",
            date(2024, 7, 1),
            "x",
            [],
            "email",
            "",
            "olly",
            requester_type="press",
        )
    assert not register.exists("01.FOI.24.000005")


def test_internal_reviews_are_counted_with_their_time_and_outcome(register: Register) -> None:
    register.internal_review("01.FOI.24.000001", date(2024, 7, 1), "olly")
    # 2 to 26 July 2024: 19 weekdays less 12 July (Northern Ireland), 18 working days.
    register.decide_review(
        "01.FOI.24.000001",
        date(2024, 7, 26),
        "Upheld: the figures stand.",
        Actor("ravi", "reviewer"),
    )
    register.internal_review("01.FOI.24.000003", date(2024, 8, 1), "olly")
    # 2 August to 12 September 2024 less 5 August (Scotland) and 26 August (England, Wales
    # and Northern Ireland): 28 working days.
    register.decide_review(
        "01.FOI.24.000003",
        date(2024, 9, 12),
        "Partly upheld: some data found.",
        Actor("ravi", "reviewer"),
    )
    quarterly = s45_statistics(register, "quarter").set_index("period")
    q3 = quarterly.loc["2024Q3"]
    assert (q3["internal_reviews_requested"], q3["internal_reviews_decided"]) == (2, 2)
    assert q3["internal_reviews_within_20_working_days"] == 1  # 18 days in, 28 out
    assert q3["internal_review_median_working_days"] == 23.0
    assert (q3["review upheld"], q3["review partly upheld"], q3["review overturned"]) == (1, 1, 0)
    assert quarterly.loc["2024Q2", "internal_reviews_requested"] == 0


def test_csv_reads_back(register: Register, tmp_path: Path) -> None:
    path = write_s45_csv(register, tmp_path / "s45.csv", "quarter")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["period"], r["received"], r["answered"]) for r in rows] == [
        ("2024Q2", "2", "2"),
        ("2024Q3", "2", "1"),
    ]
    with pytest.raises(ValueError, match="period must be one of"):
        s45_statistics(register, "week")

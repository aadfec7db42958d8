"""The statutory clock: every expected date below was counted by hand on a calendar.

Working days exclude weekends and a bank holiday in any part of the UK (s10(6)); day 1 is
the first working day after receipt (ICO LTT47).
"""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from foidesk.cli import app
from foidesk.foi.clock import (
    UK_CALENDAR,
    FeePause,
    WorkingCalendar,
    add_working_days,
    due_date,
    review_due,
)


def skipped_days(deadline) -> list[date]:
    return [day for day, _ in deadline.skipped]


def test_christmas_and_new_year_with_scotlands_2_january() -> None:
    # Fri 22 Dec 2023: skip 25, 26 Dec, 1 Jan (UK-wide) and Tue 2 Jan 2024 (Scotland only).
    # Day 1 Wed 27 Dec, day 3 Fri 29 Dec, day 4 Wed 3 Jan ... day 20 Thu 25 Jan 2024.
    deadline = due_date(date(2023, 12, 22))
    assert deadline.due == date(2024, 1, 25)
    reasons = dict(deadline.skipped)
    assert "Christmas Day (all of the UK)" in reasons[date(2023, 12, 25)]
    assert "Scotland" in reasons[date(2024, 1, 2)]
    assert deadline.explanation[1] == "Day 1 is Wed 2023-12-27; day 20 is Thu 2024-01-25."


def test_easter_skips_good_friday_and_easter_monday() -> None:
    # Thu 28 Mar 2024: Good Friday 29 Mar, Easter Monday 1 Apr (not a Scottish holiday,
    # but a holiday elsewhere in the UK). Day 1 Tue 2 Apr; day 20 Mon 29 Apr.
    deadline = due_date(date(2024, 3, 28))
    assert deadline.due == date(2024, 4, 29)
    reasons = dict(deadline.skipped)
    assert "Good Friday" in reasons[date(2024, 3, 29)]
    assert "England and Wales and Northern Ireland" in reasons[date(2024, 4, 1)]


def test_st_andrews_day_counts_in_england_too() -> None:
    # Mon 13 Nov 2023: Thu 30 Nov is St Andrew's Day (Scotland), so day 20 is Tue 12 Dec
    # rather than Mon 11 Dec.
    deadline = due_date(date(2023, 11, 13))
    assert deadline.due == date(2023, 12, 12)
    assert skipped_days(deadline).count(date(2023, 11, 30)) == 1
    assert "Saint Andrew's Day (Scotland)" in dict(deadline.skipped)[date(2023, 11, 30)]


def test_northern_ireland_holidays_count_everywhere() -> None:
    # Mon 1 Jul 2024: Fri 12 Jul (Battle of the Boyne, NI) is skipped: day 20 is Tue 30 Jul.
    assert due_date(date(2024, 7, 1)).due == date(2024, 7, 30)
    # Thu 16 Mar 2023: St Patrick's Day Fri 17 Mar is skipped, day 1 is Mon 20 Mar; Easter
    # 7 and 10 Apr are skipped too, so day 20 is Tue 18 Apr 2023.
    deadline = due_date(date(2023, 3, 16))
    assert deadline.due == date(2023, 4, 18)
    assert "Saint Patrick's Day (Northern Ireland)" in dict(deadline.skipped)[date(2023, 3, 17)]


@pytest.mark.parametrize(
    ("received", "due", "one_off", "name"),
    [
        # Wed 1 Jun 2022: Thu 2 (moved Spring Bank Holiday) and Fri 3 Jun (Platinum
        # Jubilee) skipped; day 1 Mon 6 Jun, day 20 Fri 1 Jul.
        (date(2022, 6, 1), date(2022, 7, 1), date(2022, 6, 3), "Platinum Jubilee"),
        # Fri 16 Sep 2022: Mon 19 Sep (State Funeral) skipped; day 1 Tue 20 Sep, day 20
        # Mon 17 Oct.
        (date(2022, 9, 16), date(2022, 10, 17), date(2022, 9, 19), "State Funeral"),
        # Fri 28 Apr 2023: May Day 1 May, the Coronation 8 May and Spring Bank Holiday
        # 29 May skipped; day 1 Tue 2 May, day 20 Wed 31 May.
        (date(2023, 4, 28), date(2023, 5, 31), date(2023, 5, 8), "Coronation"),
    ],
)
def test_one_off_bank_holidays(received: date, due: date, one_off: date, name: str) -> None:
    deadline = due_date(received)
    assert deadline.due == due
    assert name in dict(deadline.skipped)[one_off]


def test_weekend_receipt_by_default_and_by_the_next_working_day_rule() -> None:
    # Sat 6 Jan 2024. LTT47: received that day, day 1 Mon 8 Jan, day 20 Fri 2 Feb.
    assert due_date(date(2024, 1, 6)).due == date(2024, 2, 2)
    # Next-working-day rule: received Mon 8 Jan, day 1 Tue 9 Jan, day 20 Mon 5 Feb.
    deadline = due_date(date(2024, 1, 6), receipt_rule="next-working-day")
    assert deadline.due == date(2024, 2, 5)
    assert deadline.start == date(2024, 1, 8)
    with pytest.raises(ValueError, match="receipt rule"):
        due_date(date(2024, 1, 6), receipt_rule="monday")  # type: ignore[arg-type]


def test_clarification_restarts_the_count() -> None:
    # Received Mon 3 Jun 2024, clarified Mon 10 Jun: day 1 Tue 11 Jun, day 20 Mon 8 Jul.
    deadline = due_date(date(2024, 6, 3), clarified=date(2024, 6, 10))
    assert deadline.due == date(2024, 7, 8)
    assert "starts again" in deadline.explanation[1]
    with pytest.raises(ValueError, match="before receipt"):
        due_date(date(2024, 6, 3), clarified=date(2024, 6, 1))


def test_days_awaiting_a_fee_do_not_count() -> None:
    # Received Mon 3 Jun 2024, due Mon 1 Jul. Notice Thu 13 Jun, paid Tue 18 Jun: 13, 14,
    # 17 and 18 Jun (4 working days) are disregarded, so the due date is Fri 5 Jul.
    paused = due_date(date(2024, 6, 3), fee_pauses=[FeePause(date(2024, 6, 13), date(2024, 6, 18))])
    assert paused.due == date(2024, 7, 5)
    assert [d for d, why in paused.skipped if why.startswith("awaiting fee")] == [
        date(2024, 6, 13),
        date(2024, 6, 14),
        date(2024, 6, 17),
        date(2024, 6, 18),
    ]
    unpaid = due_date(date(2024, 6, 3), fee_pauses=[FeePause(date(2024, 6, 13))])
    assert unpaid.due is None
    assert "clock is stopped" in " ".join(unpaid.explanation)


def test_extensions_beyond_twenty_working_days_are_warned() -> None:
    # Due Mon 1 Jul 2024; to Fri 16 Aug is 32 working days (12 Jul and 5 Aug skipped).
    deadline = due_date(date(2024, 6, 3), extended_to=date(2024, 8, 16))
    assert (deadline.statutory_due, deadline.due) == (date(2024, 7, 1), date(2024, 8, 16))
    assert deadline.warnings == [
        "the extension adds 32 working days; the ICO expects no more than 20"
    ]


def test_internal_review_in_20_or_exceptionally_40_working_days() -> None:
    # Requested Mon 3 Jun 2024: day 20 Mon 1 Jul; day 40 Tue 30 Jul (12 Jul skipped).
    assert review_due(date(2024, 6, 3)).due == date(2024, 7, 1)
    assert review_due(date(2024, 6, 3), exceptional=True).due == date(2024, 7, 30)


def test_calendar_can_take_a_newly_proclaimed_holiday() -> None:
    calendar = WorkingCalendar({date(2024, 6, 10): "Proclaimed holiday"})
    assert UK_CALENDAR.is_working_day(date(2024, 6, 10))
    assert not calendar.is_working_day(date(2024, 6, 10))
    due, _ = add_working_days(date(2024, 6, 7), 1, calendar=calendar)
    assert due == date(2024, 6, 11)


def test_deadline_command_prints_the_date_first() -> None:
    result = CliRunner().invoke(app, ["deadline", "2023-12-22", "--explain"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "2024-01-25"
    assert lines[1] == "Received Fri 2023-12-22."
    clarified = CliRunner().invoke(app, ["deadline", "2024-06-03", "--clarified", "2024-06-10"])
    assert clarified.output.splitlines() == ["2024-07-08"]


def test_every_receipt_date_2022_to_2024_agrees_with_numpy_business_days() -> None:
    # An independent count: numpy's business-day offset over the same UK-wide holidays.
    # Rolling a non-working receipt day back to the last working day and adding 20 gives
    # the 20th working day after receipt, which is LTT47's rule.
    import numpy as np

    days = np.arange("2022-01-01", "2025-01-01", dtype="datetime64[D]")
    # Holidays run into 2025: a December receipt is due in the new year.
    span = np.arange("2022-01-01", "2025-03-01", dtype="datetime64[D]").tolist()
    holidays = [d for d in span if UK_CALENDAR.non_working_reason(d) and d.weekday() < 5]
    expected = np.busday_offset(days, 20, roll="backward", holidays=holidays)
    computed = np.array([due_date(d).due for d in days.tolist()], dtype="datetime64[D]")
    assert (computed == expected).all()

"""s12 cost estimates: the worksheet's figures, the limit, and counts from a real store."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from foidesk.foi.costs import CostEstimate, CostItem, count_records


def test_reading_free_text_exceeds_the_police_limit() -> None:
    # 2,800 records at 3 minutes is 8,400 minutes = 140 hours = £3,500 against £450.
    estimate = CostEstimate((CostItem("extract", "read free text", 2800, Decimal(3)),))
    assert (estimate.hours, estimate.cost, estimate.limit) == (
        Decimal("140.00"),
        Decimal("3500.00"),
        Decimal("450"),
    )
    assert estimate.limit_hours == 18
    assert estimate.exceeds_limit
    paragraph = estimate.s12_paragraph()
    assert "£450, which at £25 an hour is 18 hours" in paragraph
    assert "2,800 records at 3 minutes each, 140 hours" in paragraph
    assert "SI 2004/3244" in paragraph
    # 18 hours at 3 minutes a record is 360 records.
    assert "about 360 records" in estimate.s16_advice("Ask for one year.")
    assert estimate.s16_advice("Ask for one year.").endswith("Ask for one year.")


def test_central_government_has_the_600_pound_limit() -> None:
    # 1,000 records at 1.5 minutes = 25 hours = £625: over £600 (24 hours), under nothing.
    items = (CostItem("locate", "find files", 1000, Decimal("1.5")),)
    assert CostEstimate(items, authority="central government").exceeds_limit
    assert CostEstimate(items, authority="central government").limit_hours == 24
    # 400 records at 2 minutes = 13.33 hours = £333.33: within the police limit.
    within = CostEstimate((CostItem("retrieve", "pull files", 400, Decimal(2)),))
    assert within.cost == Decimal("333.33")
    assert not within.exceeds_limit
    assert "is within the appropriate limit" in within.s12_paragraph()


def test_only_regulation_4_3_activities_count() -> None:
    with pytest.raises(ValueError, match="not one of regulation 4\\(3\\)'s"):
        CostItem("redact", "redaction is not a countable activity", 10, Decimal(5))


def test_record_counts_come_from_the_store(crime_store: Path) -> None:
    store = crime_store
    period = {"recorded_from": date(2023, 4, 5), "recorded_to": date(2023, 12, 31)}
    ccb = count_records(store, offence_groups=["Controlling or coercive behaviour"], **period)
    assert ccb == 2
    both = ["Controlling or coercive behaviour", "Stalking"]
    assert count_records(store, offence_groups=both, **period) == 4
    # Only crimes flagged as domestic abuse: the unflagged stalking crime drops out.
    assert count_records(store, offence_groups=both, domestic_abuse=True, **period) == 3
    with pytest.raises(ValueError, match="offence group\\(s\\) Coercion not in the store"):
        count_records(store, offence_groups=["Coercion"], **period)
    with pytest.raises(ValueError, match="did you mean Stalking\\?"):
        count_records(store, offence_groups=["Stalkin"], **period)

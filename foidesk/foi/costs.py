"""s12 cost estimates: the worksheet, the appropriate limit, and the refusal wording.

Only the four activities of regulation 4(3) of the Freedom of Information and Data
Protection (Appropriate Limit and Fees) Regulations 2004 may be counted, at £25 an hour.
The appropriate limit is £450 (18 hours) for a police force and £600 (24 hours) for
central government. Record counts can come from the crime-record store, e.g. every
controlling or coercive behaviour crime in a period when the fact wanted is only in free
text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from foidesk.input_files import did_you_mean
from foidesk.records.store import Store

# Regulation 4(3): the only activities whose cost may be estimated.
ACTIVITIES: dict[str, str] = {
    "determine": "determining whether the information is held",
    "locate": "locating the information, or a document which may contain it",
    "retrieve": "retrieving the information, or a document which may contain it",
    "extract": "extracting the information from a document containing it",
}
HOURLY_RATE = Decimal("25")  # reg 4(4)
LIMITS: dict[str, Decimal] = {  # reg 3: Schedule 1 Part I bodies, and everyone else
    "central government": Decimal("600"),
    "police": Decimal("450"),
    "other": Decimal("450"),
}
REGULATIONS = (
    "the Freedom of Information and Data Protection (Appropriate Limit and Fees) "
    "Regulations 2004 (SI 2004/3244)"
)


# Bounds no honest estimate reaches; past them a typing slip, or a number that overflows.
MAX_RECORDS = 100_000_000
MAX_MINUTES_PER_RECORD = 24 * 60


@dataclass(frozen=True)
class CostItem:
    """One worksheet line: an activity over ``records`` records at so many minutes each."""

    activity: str
    description: str
    records: int
    minutes_per_record: Decimal
    part_number: int | None = None

    def __post_init__(self) -> None:
        if self.activity not in ACTIVITIES:
            raise ValueError(
                f"cost activity {self.activity!r} is not one of regulation 4(3)'s: "
                + ", ".join(ACTIVITIES)
            )
        minutes = Decimal(self.minutes_per_record)
        if not minutes.is_finite():
            raise ValueError(f"minutes per record must be a number, not {minutes}")
        if self.records < 0 or minutes < 0:
            raise ValueError("records and minutes per record cannot be negative")
        if self.records > MAX_RECORDS:
            raise ValueError(f"records: at most {MAX_RECORDS:,} on one line")
        if minutes > MAX_MINUTES_PER_RECORD:
            raise ValueError(f"minutes per record: at most {MAX_MINUTES_PER_RECORD} (a day)")

    @property
    def minutes(self) -> Decimal:
        return Decimal(self.records) * Decimal(self.minutes_per_record)


@dataclass(frozen=True)
class CostEstimate:
    """A whole worksheet against the appropriate limit."""

    items: tuple[CostItem, ...]
    authority: str = "police"
    hourly_rate: Decimal = HOURLY_RATE
    # References of the requests aggregated with this one (regulation 5), whose lines
    # ``items`` includes.
    aggregated_with: tuple[str, ...] = ()

    @property
    def limit(self) -> Decimal:
        if self.authority not in LIMITS:
            raise ValueError(f"authority type must be one of {', '.join(LIMITS)}")
        return LIMITS[self.authority]

    @property
    def limit_hours(self) -> Decimal:
        return self.limit / self.hourly_rate

    @property
    def minutes(self) -> Decimal:
        return sum((item.minutes for item in self.items), Decimal(0))

    @property
    def hours(self) -> Decimal:
        return (self.minutes / 60).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def cost(self) -> Decimal:
        return (self.minutes / 60 * self.hourly_rate).quantize(Decimal("0.01"), ROUND_HALF_UP)

    @property
    def exceeds_limit(self) -> bool:
        return self.cost > self.limit

    def s12_paragraph(self) -> str:
        """The s12 paragraph of a refusal notice, with its figures."""
        lines = []
        for item in self.items:
            lines.append(
                f"{ACTIVITIES[item.activity]} ({item.description}): {item.records:,} records "
                f"at {as_figure(item.minutes_per_record)} minutes each, "
                f"{as_figure(item.minutes / 60)} hours"
            )
        work = "; ".join(lines)
        together = f" {self.regulation_5()}" if self.aggregated_with else ""
        verdict = (
            "exceeds the appropriate limit, so section 12(1) of the Act applies and the "
            "force is not obliged to comply with this part of the request"
            if self.exceeds_limit
            else "is within the appropriate limit"
        )
        return (
            f"The appropriate limit for this authority is £{self.limit:,.0f}, which at "
            f"£{self.hourly_rate:,.0f} an hour is {as_figure(self.limit_hours)} hours of work "
            f"({REGULATIONS}, regulations 3 and 4). Only the time spent determining whether "
            f"the information is held, locating, retrieving and extracting it may be counted."
            f"{together} The estimate is: {work}. In total {as_figure(self.hours)} hours, or "
            f"£{self.cost:,.2f}, which {verdict}."
        )

    def regulation_5(self) -> str:
        """The sentence saying which requests the estimate aggregates, and by what right."""
        one = len(self.aggregated_with) == 1
        return (
            f"This request is aggregated with request{'' if one else 's'} "
            f"{_listed(self.aggregated_with)}: they ask for the same or similar information "
            "and were received within 60 consecutive working days (regulation 5 of "
            f"{REGULATIONS}), so the estimate is of the cost of complying with them all."
        )

    def s16_advice(self, narrowing: str = "") -> str:
        """Advice and assistance (s16) on bringing the request within the limit."""
        per_record = self.minutes / max(sum(i.records for i in self.items), 1)
        affordable = int(self.limit_hours * 60 / per_record) if per_record else 0
        text = (
            "Under section 16 of the Act we should advise how the request could be brought "
            f"within the limit. At the estimated rate, about {affordable:,} records could be "
            "examined within the appropriate limit."
        )
        return f"{text} {narrowing.strip()}" if narrowing.strip() else text


def _listed(references: tuple[str, ...]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(references) == 1:
        return references[0]
    return ", ".join(references[:-1]) + " and " + references[-1]


def as_figure(value: Decimal | float) -> str:
    """1.5 -> '1.5', 18.00 -> '18': figures as a letter writes them."""
    text = f"{Decimal(value).quantize(Decimal('0.01'), ROUND_HALF_UP):,}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def count_records(
    store_path: str | Path,
    *,
    offence_groups: Iterable[str],
    recorded_from: date,
    recorded_to: date,
    domestic_abuse: bool | None = None,
    snapshot_id: str | None = None,
) -> int:
    """How many crimes of ``offence_groups`` were recorded in the period (inclusive).

    ``domestic_abuse=True`` counts only crimes the force flagged as domestic abuse.
    """
    groups = list(offence_groups)
    if not groups:
        raise ValueError("records_from needs at least one offence group")
    with Store(store_path, read_only=True) as store:
        snapshot = store.snapshot(snapshot_id)
        crimes = store.relation("crimes", snapshot)
        offences = store.relation("offence_classification", snapshot)
        known = {
            row[0]
            for row in store.con.execute(
                f"SELECT DISTINCT offence_group FROM {offences}"
            ).fetchall()
        }
        unknown = [g for g in groups if g not in known]
        if unknown:
            hint = did_you_mean(unknown[0], known) or f" (known: {', '.join(sorted(known))})"
            raise ValueError(
                f"{store_path}: offence group(s) {', '.join(unknown)} not in the store{hint}"
            )
        placeholders = ", ".join("?" for _ in groups)
        row = store.con.execute(
            f"SELECT count(*) FROM {crimes} c JOIN {offences} o "
            "ON o.scheme = c.offence_scheme AND o.code = c.offence_code "
            f"WHERE o.offence_group IN ({placeholders}) "
            "AND c.recorded_date BETWEEN ? AND ? "
            "AND (? IS NULL OR c.domestic_abuse = ?)",
            [*groups, recorded_from, recorded_to, domestic_abuse, domestic_abuse],
        ).fetchone()
    return int(row[0]) if row else 0

"""Disclosure control: the policy set per request, and the one entry point that applies it.

``protect(cells, policy)`` takes every cell of a disclosure (and of earlier disclosures
the attacker already has), suppresses the sensitive ones and the others of least value
needed so that totals and the Notes cannot undo it, audits the result, and returns the
pattern with a JSON-able report for the manifest. Rounding to a base is the alternative
policy.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from foidesk.input_files import InputError, InputModel, validate
from foidesk.stats.audit import AuditProblem, AuditResult, LinkedCells, Requirement, audit
from foidesk.stats.suppression import (
    SuppressionResult,
    primary_cells,
    secondary_suppression,
)

Method = Literal["suppress", "round"]
SUPPRESSED = "[c]"


class DisclosureError(ValueError):
    """The tables cannot be released safely under the policy."""


class DisclosureControlInput(InputModel):
    """``disclosure_control:`` in a request file: the fields of ``DisclosurePolicy`` (whose
    defaults apply to what is left out), ``range: [low, high]`` and ``protection``."""

    method: Literal["suppress", "round"] | None = None
    range: tuple[int, int] | None = None
    protection: str | None = None  # only secondary is offered; from_mapping says why
    low: int | None = None
    high: int | None = None
    suppress_zero: bool | None = None
    protect_down_to: int | None = None
    protect_up_to: int | None = None
    objective: Literal["count", "value"] | None = None
    rounding_base: int | None = None
    time_limit: float | None = None
    # The legal basis for [c] cells; its keys are checked by the answer (publish) that reads it.
    exemption: dict[str, Any] | None = None


@dataclass(frozen=True)
class DisclosurePolicy:
    """How a request's tables are protected. The defaults are the desk's standard policy.

    - ``suppress`` (default): counts from ``low`` to ``high`` (1 to 4) are shown as [c],
      zero only if ``suppress_zero``; further cells are suppressed so that an attacker who
      also reads the Notes (every [c] is at least 1 when zeros are never hidden) and uses
      whole numbers cannot rule out ``protect_up_to`` (by default ``high + 1``, i.e. 5)
      for any small count, nor, if set, ``protect_down_to``; and no [c] is exact.
    - ``round``: every cell, totals included, is rounded independently to the nearest
      multiple of ``rounding_base``, so totals may not equal the sum of their parts.
    """

    method: Method = "suppress"
    low: int = 1
    high: int = 4
    suppress_zero: bool = False
    protect_down_to: int | None = None
    protect_up_to: int | None = None
    objective: Literal["count", "value"] = "value"
    rounding_base: int = 5
    time_limit: float = 60.0

    def __post_init__(self) -> None:
        if self.method not in ("suppress", "round"):
            raise ValueError(f"method must be 'suppress' or 'round', not {self.method!r}")
        if not 1 <= self.low <= self.high:
            raise ValueError(f"need 1 <= low <= high, not low={self.low}, high={self.high}")
        if self.objective not in ("count", "value"):
            raise ValueError(f"objective must be 'count' or 'value', not {self.objective!r}")
        if self.rounding_base < 2:
            raise ValueError(f"rounding_base must be at least 2, not {self.rounding_base}")
        if self.protect_up_to is not None and self.protect_up_to <= self.high:
            raise ValueError(f"protect_up_to must exceed high ({self.high})")
        if self.protect_down_to is not None and not (
            self.hidden_at_least <= self.protect_down_to <= self.high
        ):
            raise ValueError(
                f"protect_down_to must be from {self.hidden_at_least} to {self.high}: the "
                f"Notes tell an attacker that a [c] is at least {self.hidden_at_least}"
            )

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any] | None, source: str = "disclosure_control"
    ) -> DisclosurePolicy:
        """A policy from a request file's ``disclosure_control`` mapping.

        Besides the field names it reads ``range: [low, high]`` and ``protection:
        secondary`` (the only protection offered: suppressing small counts alone lets
        totals give them away). Unknown keys are errors.
        """
        try:
            validate(DisclosureControlInput, dict(data or {}), source)
        except InputError as exc:
            raise ValueError(str(exc)) from None
        values = dict(data or {})
        if "range" in values:
            span = values.pop("range")
            if not (isinstance(span, list | tuple) and len(span) == 2):
                raise ValueError(f"{source}: range: expected [low, high], not {span!r}")
            values["low"], values["high"] = span
        protection = values.pop("protection", "secondary")
        if protection != "secondary":
            raise ValueError(
                f"{source}: protection: only 'secondary' is offered, not {protection!r}: "
                "suppressing small counts alone lets totals give them away"
            )
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"{source}: unknown setting(s) {', '.join(unknown)}; known: range, "
                f"protection, {', '.join(sorted(known))}"
            )
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{source}: {exc}") from exc

    @property
    def sensitive_low(self) -> int:
        return 0 if self.suppress_zero else self.low

    @property
    def hidden_at_least(self) -> int:
        """What the Notes tell an attacker a [c] is at least: 1 unless zeros are hidden."""
        return 0 if self.suppress_zero else 1

    def requirement(self) -> Requirement:
        up = self.protect_up_to if self.protect_up_to is not None else self.high + 1
        return Requirement(lower_at_most=self.protect_down_to, upper_at_least=up)

    def note(self) -> str:
        """The sentence the Notes page uses to explain [c] or rounding.

        Which earlier disclosures were checked is for the answer to say: only it knows.
        """
        if self.method == "round":
            return (
                f"Figures are rounded to the nearest {self.rounding_base}. Each figure, "
                "including each total, is rounded on its own, so totals may not equal the "
                "sum of the figures they total."
            )
        zero = "0 to " if self.suppress_zero else f"{self.low} to "
        return (
            f"[c] marks a figure withheld to protect the people it counts: counts of "
            f"{zero}{self.high}, and further figures chosen so that the withheld ones cannot "
            "be worked out from totals or from the other tables of this response."
        )


@dataclass
class DisclosureOutcome:
    """What the policy did: suppressed cell ids or rounded values, with the report."""

    policy: DisclosurePolicy
    suppressed: list[str] = field(default_factory=list)
    rounded: dict[str, int] = field(default_factory=dict)
    suppression: SuppressionResult | None = None
    audit: AuditResult | None = None
    audit_problem: AuditProblem | None = None
    n_cells: int = 0
    n_atoms: int = 0
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.policy.method == "round" or (self.audit is not None and self.audit.passed)

    def report(self, internal: bool = True) -> dict[str, Any]:
        """The manifest's disclosure section.

        The internal report says which cells were primary (so, which counts are small)
        and each cell's requirement, and how long each step took; the public one gives
        only the pattern and outcome, the same for the same data.
        """
        out: dict[str, Any] = {
            "method": self.policy.method,
            "policy": asdict(self.policy),
            "cells": self.n_cells,
            "atoms": self.n_atoms,
            "suppressed": sorted(self.suppressed),
            "passed": self.passed,
            "seconds": round(self.seconds, 4),
        }
        if self.suppression is not None:
            out["solver"] = self.suppression.to_json()
        if self.audit is not None:
            out["audit"] = self.audit.to_json()
        if internal:
            if self.suppression is not None:
                out["primary"] = self.suppression.primary
                out["secondary"] = self.suppression.secondary
            return out
        # Timings differ from run to run; the public report is the same for the same data.
        out.pop("atoms")
        out.pop("seconds")
        if "audit" in out:
            out["audit"] = {
                "passed": out["audit"]["passed"],
                "status": out["audit"]["status"],
                "intervals": [
                    {k: i[k] for k in ("cell", "table", "labels", "low", "high")}
                    for i in out["audit"]["intervals"]
                ],
            }
        if "solver" in out:
            # How many cells are complementary would say how many are small counts.
            for key in ("unprotectable", "objective_value", "seconds"):
                out["solver"].pop(key, None)
        return out


def round_to(value: int, base: int) -> int:
    """``value`` to the nearest multiple of ``base``, halves up."""
    return (value + base // 2) // base * base


def protect(cells: LinkedCells, policy: DisclosurePolicy | None = None) -> DisclosureOutcome:
    """Apply ``policy`` to every cell of a disclosure and audit the result.

    Cells marked ``earlier`` belong to disclosures already published: they stay as they
    were (published, or [c]) and constrain what may be published now. Raises
    ``DisclosureError`` when a sensitive cell cannot be protected at all: when earlier
    disclosures already reveal it, or it is a zero the attacker model knows is empty.
    """
    policy = policy or DisclosurePolicy()
    started = time.perf_counter()
    if policy.method == "round":
        base = policy.rounding_base
        rounded = {c.id: round_to(c.value, base) for c in cells.cells if not c.earlier}
        return DisclosureOutcome(
            policy,
            rounded=rounded,
            n_cells=len(cells.cells),
            n_atoms=cells.n_atoms,
            seconds=time.perf_counter() - started,
        )
    primaries = primary_cells(cells, policy.sensitive_low, policy.high)
    requirements = {p: policy.requirement() for p in primaries}
    result = secondary_suppression(
        cells,
        primaries,
        requirements,
        objective=policy.objective,
        hidden_at_least=policy.hidden_at_least,
        time_limit=policy.time_limit,
    )
    if result.unprotectable:
        raise DisclosureError(
            "these counts would be revealed even with every other cell withheld (by tables "
            "published earlier, or, for a zero in linked tables, because empty cells count "
            f"as known): {', '.join(result.unprotectable)}"
        )
    hidden = [c.id for c in cells.cells if c.earlier and not c.published]
    for cell_id in hidden:
        requirements.setdefault(cell_id, Requirement(may_be_exact=True))
    suppressed = result.suppressed
    problem = cells.audit_problem(
        list(dict.fromkeys(suppressed + hidden)), requirements, policy.hidden_at_least
    )
    # The true counts, and the points the search's last check found, are whole-number
    # solutions the audit checks and then starts from.
    checked = audit(problem, points=[cells.atom_values, *result.points])
    return DisclosureOutcome(
        policy,
        suppressed=[s for s in suppressed if s not in set(hidden)],
        suppression=result,
        audit=checked,
        audit_problem=problem,
        n_cells=len(cells.cells),
        n_atoms=cells.n_atoms,
        seconds=time.perf_counter() - started,
    )

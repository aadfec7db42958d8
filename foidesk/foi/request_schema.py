"""The FOI part of a request file as a schema, and the whole request file's schema.

``FoiPart`` holds the keys the register's import reads (docs/register.md describes each);
``RequestFile`` adds the statistics part (``foidesk.answers.answer.StatisticsPart``, which
knows the FOI keys only by name). Unknown keys are errors with a suggestion.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from foidesk.answers.answer import StatisticsPart
from foidesk.input_files import InputModel


class RequestPartInput(InputModel):
    """One question of the request."""

    number: int | None = None
    text: str


class RequestTextInput(InputModel):
    """``request:``: what was asked, and its questions."""

    text: str
    parts: list[RequestPartInput] | None = None


class AuthorityInput(InputModel):
    """``authority:``: who answers, and how receipt is counted."""

    name: str | None = None
    type: str | None = None
    receipt_rule: str | None = None


class HandledByInput(InputModel):
    """``handled_by:``: the user names the audit trail records."""

    officer: str | None = None
    reviewer: str | None = None


class ClarificationInput(InputModel):
    """``clarification:``: the question put to the requester, and the answer."""

    sought: date
    question: str
    answered: date | None = None
    answer: str | None = None


class RecordedInput(InputModel):
    """``{from, to}`` of a cost line's records."""

    from_: date = Field(alias="from")
    to: date


class RecordsFromInput(InputModel):
    """``records_from:``: count a cost line's records in the crime-record store."""

    offence_groups: list[str]
    recorded: RecordedInput
    domestic_abuse: bool | None = None


class CostActivityInput(InputModel):
    """One line of the s12 worksheet."""

    activity: str
    part: int | None = None
    description: str
    minutes_per_record: float
    records: int | None = None
    records_from: RecordsFromInput | None = None


class CostEstimateInput(InputModel):
    """``cost_estimate:``: the worksheet and the s16 advice."""

    activities: list[CostActivityInput] | None = None
    advice: str | None = None


class PublicInterestInput(InputModel):
    """The public interest test of a qualified exemption."""

    for_: list[str] = Field(default_factory=list, alias="for")
    against: list[str] = Field(default_factory=list)
    balance: str | None = None


class EarlierNoticeInput(InputModel):
    """``earlier_notice:`` of a s14 refusal: the notice already given (s17(6))."""

    reference: str
    given: date


class ExemptionInput(InputModel):
    """One exemption (or s12/s14 ground) applied to a part."""

    section: str | int
    subsection: str | None = None
    applies_to: str | None = None
    reason: str | None = None
    harm: str | None = None
    public_interest: PublicInterestInput | None = None
    absolute: bool | None = None
    earlier_notice: EarlierNoticeInput | None = None


class DecisionInput(InputModel):
    """``decisions[]``: the decision on one part."""

    part: int
    decision: str
    summary: str | None = None
    not_held: str | None = None
    held_by: str | None = None  # who holds what the force does not, where known
    tables: list[str] | None = None  # the tables (ids) that answer this part
    exemptions: list[ExemptionInput] | None = None


class ResponseInput(InputModel):
    """``response:``: when the response went out."""

    responded: date | None = None
    review_window: int | None = None


class DocumentInput(InputModel):
    """``documents[]``: a document attached to the response."""

    title: str
    file: str


class FoiPart(InputModel):
    """The keys of a request file that the FOI register reads."""

    reference: str
    title: str | None = None
    subject: str | None = None
    received: date
    channel: str | None = None
    requester_contact: str | None = None
    request: RequestTextInput
    authority: AuthorityInput | None = None
    handled_by: HandledByInput | None = None
    clarification: ClarificationInput | None = None
    cost_estimate: CostEstimateInput | None = None
    decisions: list[DecisionInput] | None = None
    response: ResponseInput | None = None
    documents: list[DocumentInput] | None = None


class RequestFile(FoiPart, StatisticsPart):
    """A whole request file: the FOI part (checked here in full) and the statistics part."""

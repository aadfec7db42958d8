"""Request files: the FOI keys of a request's YAML file, in and out of the register.

A request file holds the request (reference, received, channel, text, parts) and how the
desk handled it: ``authority``, ``handled_by``, ``clarification``, ``cost_estimate``,
``decisions``, ``response`` and ``documents`` (docs/register.md describes each). The
statistics keys of the same file belong to the statistics engine and are left alone here.
Errors name the file and the field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.exc import OperationalError

from foidesk.answers.answer import check_request_file
from foidesk.answers.package import AnswerPackage
from foidesk.foi.costs import count_records
from foidesk.foi.register import Actor, Register, TransitionError
from foidesk.foi.request_schema import RequestFile
from foidesk.input_files import InputError, read_yaml
from foidesk.stats.coverage import recorded_span
from foidesk.stats.specs import TableSpec, parse_tables

STATISTICS_KEYS = ("snapshot", "disclosure_control", "notes", "tables")
DEFAULT_OFFICER = "foi.officer"
DEFAULT_REVIEWER = "disclosure.reviewer"


class RequestFileError(ValueError):
    """A request file that cannot be used, naming the file and the field."""


class AlreadyInRegister(RequestFileError):
    """The request is already in the register; the import changed nothing."""


def _field(data: Mapping[str, Any], key: str, where: str, path: Path, kind: type | tuple) -> Any:
    if key not in data or data[key] is None:
        raise RequestFileError(f"{path}: field '{where}{key}' is missing")
    value = data[key]
    if not isinstance(value, kind):
        expected = (
            kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        )
        raise RequestFileError(
            f"{path}: field '{where}{key}' should be a {expected}, not {value!r}"
        )
    return value


def _date(data: Mapping[str, Any], key: str, where: str, path: Path) -> date:
    value = data.get(key)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RequestFileError(
            f"{path}: field '{where}{key}' should be a date (YYYY-MM-DD), not {value!r}"
        ) from None


def load_request_file(path: str | Path) -> dict[str, Any]:
    """The request file as a mapping, with the fields every request needs checked."""
    path = Path(path)
    try:
        data = read_yaml(path)
    except InputError as error:
        raise RequestFileError(str(error)) from None
    if not isinstance(data, dict):
        raise RequestFileError(f"{path}: expected a mapping of fields at the top level")
    try:
        check_request_file(path, data, RequestFile)
    except InputError as error:
        raise RequestFileError(str(error)) from None
    _field(data, "reference", "", path, str)
    _date(data, "received", "", path)
    request = _field(data, "request", "", path, dict)
    _field(request, "text", "request.", path, str)
    for i, part in enumerate(request.get("parts") or [], start=1):
        if not isinstance(part, dict) or "text" not in part:
            raise RequestFileError(f"{path}: field 'request.parts[{i}].text' is missing")
    return data


def _records(line: Mapping[str, Any], where: str, path: Path, store: Path | None) -> int:
    source = line.get("records_from")
    if source and store is not None:
        recorded = _field(source, "recorded", f"{where}records_from.", path, dict)
        return count_records(
            store,
            offence_groups=_field(source, "offence_groups", f"{where}records_from.", path, list),
            recorded_from=_date(recorded, "from", f"{where}records_from.recorded.", path),
            recorded_to=_date(recorded, "to", f"{where}records_from.recorded.", path),
            domestic_abuse=source.get("domestic_abuse"),
        )
    if line.get("records") is None:
        raise RequestFileError(
            f"{path}: field '{where}records' is missing (give it, or records_from and a store)"
        )
    return int(line["records"])


# "Table 3 counts ...", "Tables 2 and 6": a part's summary describing its tables by hand.
_TABLE_MENTION = re.compile(r"\bTables?\s+\d", re.IGNORECASE)


def _check_summary(decision: Mapping[str, Any], where: str, path: Path) -> None:
    """A table is described from its specification, never by hand in a part's summary."""
    found = _TABLE_MENTION.search(str(decision.get("summary") or ""))
    if found:
        raise RequestFileError(
            f"{path}: field '{where}summary' describes {found.group(0).strip()!r} by hand; the "
            "letter describes each table from its specification: list the table's id in "
            f"'{where}tables' and keep the summary to what is not a table"
        )


def _file_tables(data: Mapping[str, Any], path: Path) -> dict[str, TableSpec]:
    if not data.get("tables"):
        return {}
    return {spec.id: spec for spec in parse_tables(data["tables"], str(path))}


def _check_estimate_scope(data: Mapping[str, Any], path: Path) -> None:
    """An estimate counts the records of the part it refuses, not a wider set.

    A cost line for part N that counts its records in the store (``records_from``) must
    stay within what part N asks about, as the tables answering part N define it: their
    offence groups, their recorded dates and their domestic-abuse flag.
    """
    lines = (data.get("cost_estimate") or {}).get("activities") or []
    decisions = {d.get("part"): d for d in data.get("decisions") or [] if isinstance(d, dict)}
    specs: dict[str, TableSpec] | None = None
    for i, line in enumerate(lines, start=1):
        source = line.get("records_from")
        part = line.get("part")
        decision = decisions.get(part)
        if not source or decision is None or not decision.get("tables"):
            continue
        specs = specs if specs is not None else _file_tables(data, path)
        tables = [specs[t] for t in decision["tables"] if t in specs]
        if not tables:
            continue
        where = f"cost_estimate.activities[{i}].records_from"
        named = ", ".join(t.id for t in tables)
        groups = [set(t.population.offence_groups) for t in tables]
        if all(groups):
            allowed = set().union(*groups)
            outside = [g for g in source.get("offence_groups") or [] if g not in allowed]
            if outside:
                raise RequestFileError(
                    f"{path}: field '{where}.offence_groups': {', '.join(outside)} "
                    f"{'is' if len(outside) == 1 else 'are'} outside part {part}, whose tables "
                    f"({named}) count {', '.join(sorted(allowed))}: an estimate counts the "
                    "records of the part it refuses"
                )
        spans = [recorded_span(t) for t in tables]
        recorded = source.get("recorded") or {}
        first = min((s for s, _ in spans if s), default=None) if all(s for s, _ in spans) else None
        last = max((e for _, e in spans if e), default=None) if all(e for _, e in spans) else None
        start, end = (
            _date(recorded, "from", f"{where}.recorded.", path),
            _date(recorded, "to", f"{where}.recorded.", path),
        )
        if (first and start < first) or (last and end > last):
            raise RequestFileError(
                f"{path}: field '{where}.recorded': {start} to {end} reaches outside part "
                f"{part}, whose tables ({named}) cover crimes recorded {first or 'from the start'}"
                f" to {last or 'the latest'}"
            )
        flags = {t.population.domestic_abuse for t in tables}
        flag = source.get("domestic_abuse")
        if None not in flags and flag is not None and {flag} != flags:
            raise RequestFileError(
                f"{path}: field '{where}.domestic_abuse' is {flag}, but part {part}'s tables "
                f"({named}) count only crimes with the flag {flags.pop()}"
            )


def _check_authority(data: Mapping[str, Any], register: Register, path: Path) -> None:
    """A request file's ``authority`` name and type must be this installation's."""
    authority = data.get("authority") or {}
    settings = register.settings.authority
    source = register.settings.source or "the built-in defaults"
    for key, ours in (("name", settings.name), ("type", register.authority)):
        theirs = authority.get(key)
        if theirs is not None and str(theirs) != ours:
            raise RequestFileError(
                f"{path}: field 'authority.{key}' is {theirs!r}, but this installation's "
                f"settings ({source}) say {ours!r}"
            )


def _with_withheld_cells(
    decision: Mapping[str, Any],
    data: Mapping[str, Any],
    answer: AnswerPackage | None,
    where: str,
    path: Path,
) -> Mapping[str, Any]:
    """The decision on a part, with the exemption for the [c] cells of its ``tables``.

    Withheld cells are withheld information: a part whose tables hold them is at best
    partly disclosed, and cites the exemption (s40(2) unless the request file's
    ``disclosure_control.exemption`` says otherwise) for them.
    """
    tables = decision.get("tables") or []
    if not isinstance(tables, list):
        raise RequestFileError(f"{path}: field '{where}tables' should be a list of table ids")
    known = [str(t.get("id")) for t in data.get("tables") or [] if isinstance(t, dict)]
    for table in tables:
        if str(table) not in known:
            close = difflib.get_close_matches(str(table), known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (tables: {', '.join(known)})"
            raise RequestFileError(
                f"{path}: field '{where}tables': no table {table!r} in this file{hint}"
            )
    control = answer.manifest.disclosure_control if answer is not None else None
    if control is None or control.exemption is None:
        return decision
    counts = answer.withheld_per_table() if answer is not None else {}
    holding = [str(t) for t in tables if counts.get(str(t))]
    if not holding:
        return decision
    withheld = sum(counts[t] for t in holding)
    names = {t.id: t.sheet or t.id for t in answer.manifest.tables} if answer else {}
    listed = [names.get(t, t) for t in holding]
    in_tables = listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"
    exemption = control.exemption.model_dump(exclude_defaults=True)
    exemption["applies_to"] = f"the {withheld} figures shown as [c] in {in_tables}"
    cited = {
        (str(e.get("section")), str(e.get("subsection") or ""))
        for e in decision.get("exemptions") or []
    }
    updated = dict(decision)
    if (control.exemption.section, control.exemption.subsection) not in cited:
        updated["exemptions"] = [*(decision.get("exemptions") or []), exemption]
    if decision.get("decision") == "disclosed":
        updated["decision"] = "partly disclosed"
    return updated


def import_request_file(
    path: str | Path,
    register: Register,
    *,
    store: str | Path | None = None,
    attachments: Sequence[Mapping[str, Any]] | None = None,
    answer: AnswerPackage | None = None,
    importer: Actor | None = None,
) -> str:
    """Put a request file's request and its handling into the register; return the reference.

    With ``answer`` (the request's answer package), a part whose ``tables`` hold [c] cells
    is at best "partly disclosed", and relies on the exemption the package gives for them.

    The import is one transaction: afterwards the request is wholly in the register or
    not at all, even if the process is killed part-way. A request already in the register
    (imported earlier, or by another process at the same moment) raises
    ``AlreadyInRegister`` and nothing is changed. Record counts of the cost estimate come
    from ``store`` when its lines say ``records_from``. ``attachments`` (title, file,
    sha256) are those the response goes out with; by default the file's ``documents``.

    ``importer`` is who imports it (by default the file's officer): the trail shows every
    step as theirs, and the file's officer and reviewer as approvals declared in the file,
    never as a reviewer who approved in this register.
    """
    path = Path(path)
    data = load_request_file(path)
    reference = data["reference"]
    authority = data.get("authority") or {}
    handled = data.get("handled_by") or {}
    declared_officer = str(handled.get("officer") or DEFAULT_OFFICER)
    declared_reviewer = str(handled.get("reviewer") or DEFAULT_REVIEWER)
    officer = importer or Actor(declared_officer, "officer")
    request = data["request"]
    with _import_errors(path, reference), register.transaction():
        if register.exists(reference):
            raise AlreadyInRegister(f"{path}: request {reference} is already in the register")
        _check_authority(data, register, path)
        _check_estimate_scope(data, path)
        register.new_request(
            reference,
            _date(data, "received", "", path),
            request["text"],
            [
                {"number": p.get("number", i), "text": p["text"]}
                for i, p in enumerate(request.get("parts") or [], 1)
            ],
            data.get("channel", "email"),
            str(data.get("requester_contact") or ""),
            officer,
            title=data.get("title", ""),
            subject=data.get("subject", ""),
            receipt_rule=authority.get("receipt_rule", "as-received"),
        )
        clarification = data.get("clarification")
        if clarification:
            where = "clarification."
            register.clarify(
                reference,
                _date(clarification, "sought", where, path),
                _field(clarification, "question", where, path, str),
                officer,
            )
            if clarification.get("answered") is not None:
                register.answer_clarification(
                    reference,
                    _date(clarification, "answered", where, path),
                    _field(clarification, "answer", where, path, str),
                    officer,
                )
        estimate = data.get("cost_estimate") or {}
        for i, line in enumerate(estimate.get("activities") or [], start=1):
            where = f"cost_estimate.activities[{i}]."
            register.add_cost_line(
                reference,
                _field(line, "activity", where, path, str),
                _field(line, "description", where, path, str),
                _records(line, where, path, Path(store) if store else None),
                _field(line, "minutes_per_record", where, path, (int, float)),
                officer,
                part_number=line.get("part"),
            )
        if estimate.get("advice"):
            register.advise(reference, estimate["advice"], officer)
        for i, decision in enumerate(data.get("decisions") or [], start=1):
            where = f"decisions[{i}]."
            _check_summary(decision, where, path)
            decision = _with_withheld_cells(decision, data, answer, where, path)
            # A s12 refusal's estimate is the worksheet's, for the part it refuses: the
            # letter writes it from the cost lines, so no reason stands in for the figures.
            register.decide(
                reference,
                int(_field(decision, "part", where, path, int)),
                _field(decision, "decision", where, path, str),
                [dict(e) for e in decision.get("exemptions") or []],
                officer,
                summary=decision.get("summary") or "",
                not_held=decision.get("not_held") or "",
                held_by=decision.get("held_by") or "",
                tables=[str(t) for t in decision.get("tables") or []],
            )
        response = data.get("response") or {}
        if response.get("responded") is not None:
            register.declare_approvals(
                reference,
                officer,
                submitted_by=declared_officer,
                approved_by=declared_reviewer,
                source=path.name,
            )
            files = attachments if attachments is not None else data.get("documents") or []
            register.respond(
                reference, _date(response, "responded", "response.", path), files, officer
            )
    return reference


@contextmanager
def _import_errors(path: Path, reference: str) -> Iterator[None]:
    """Errors of the register's steps as ``RequestFileError`` naming the file."""
    try:
        yield
    except RequestFileError:
        raise
    except TransitionError as error:
        # Another import committed the same request first: its unique reference refused ours.
        if "already in the register" in str(error):
            raise AlreadyInRegister(
                f"{path}: request {reference} is already in the register"
            ) from error
        raise RequestFileError(f"{path}: {error}") from error
    except (ValueError, KeyError, LookupError, OSError) as error:
        raise RequestFileError(f"{path}: {error}") from error
    except OperationalError as error:
        # e.g. SQLite still locked by another import after the busy timeout.
        raise RequestFileError(
            f"{path}: the register could not be written ({error.orig}); nothing was changed"
        ) from error


def export_request_file(register: Register, reference: str, path: str | Path) -> Path:
    """Write what the register holds about a request as a request file.

    The requester's contact is left out: request files are shared and published.
    """
    request = register.get(reference)
    data: dict[str, Any] = {
        "reference": request.reference,
        "title": request.title,
        "subject": request.subject,
        "received": request.received,
        "channel": request.channel,
        "request": {
            "text": request.text,
            "parts": [{"number": p.number, "text": p.text} for p in request.parts],
        },
        "authority": {
            "name": register.settings.authority.name,
            "type": register.authority,
            "receipt_rule": request.receipt_rule,
        },
    }
    if request.clarifications:
        c = request.clarifications[-1]
        data["clarification"] = {"sought": c.sought_on, "question": c.question}
        if c.answered_on:
            data["clarification"].update({"answered": c.answered_on, "answer": c.answer})
    if request.cost_lines:
        data["cost_estimate"] = {
            "activities": [
                {
                    "activity": c.activity,
                    "part": c.part_number,
                    "description": c.description,
                    "records": c.records,
                    "minutes_per_record": float(c.minutes_per_record),
                }
                for c in request.cost_lines
            ]
        }
        if request.advice:
            data["cost_estimate"]["advice"] = request.advice
    decisions = []
    for part in request.parts:
        if part.decision is None:
            continue
        entry: dict[str, Any] = {"part": part.number, "decision": part.decision}
        if part.summary:
            entry["summary"] = part.summary
        if part.not_held:
            entry["not_held"] = part.not_held
        if part.held_by:
            entry["held_by"] = part.held_by
        if part.exemptions:
            entry["exemptions"] = [_exemption_entry(e) for e in part.exemptions]
        decisions.append(entry)
    if decisions:
        data["decisions"] = decisions
    if request.responded_on:
        data["response"] = {"responded": request.responded_on}
        if request.attachments:
            data["documents"] = [
                {"title": a["title"], "file": a["file"]} for a in request.attachments
            ]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=92),
        encoding="utf-8",
    )
    return path


class _BlockDumper(yaml.SafeDumper):
    """Writes text with line breaks as a literal block, as people write request files."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _text)


def _exemption_entry(e: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"section": e.section}
    for key in ("subsection", "applies_to", "reason", "harm"):
        if getattr(e, key):
            entry[key] = getattr(e, key)
    if e.earlier_reference:
        entry["earlier_notice"] = {"reference": e.earlier_reference, "given": e.earlier_notice_on}
    if e.factors_for or e.factors_against or e.balance:
        entry["public_interest"] = {
            "for": list(e.factors_for),
            "against": list(e.factors_against),
            "balance": e.balance,
        }
    return entry

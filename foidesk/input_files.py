"""Input files: YAML read safely and checked against the schema of the package that reads it.

Request files, mapping files, table specifications and disclosure settings are all read
the same way. ``read_yaml`` parses with libyaml's safe loader, refuses more than
``MAX_ALIASES`` aliases (a few nested aliases can expand to gigabytes: the "billion laughs"
attack), reads only true and false as booleans (YAML 1.2) and keeps dates as the text
written, so that a date such as 2024-02-30 is reported by the schema with its field
instead of failing inside the YAML parser. Each
package declares its part of a file as pydantic models (``InputModel``: unknown keys are
errors); ``validate`` turns pydantic's errors into one ``InputError`` naming the file, the
line, the field and, for a misspelt key or value, the nearest valid ones.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_args, get_origin

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

# Request files use aliases rarely, if ever; a bomb needs dozens.
MAX_ALIASES = 20
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Model = TypeVar("Model", bound=BaseModel)


class InputError(ValueError):
    """An input file that cannot be used: the message names file, line, field and why."""


class InputModel(BaseModel):
    """A section of an input file: every key is declared, so a misspelt one is an error."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def did_you_mean(value: object, choices: Iterable[str]) -> str:
    """' (did you mean X?)' for the nearest of ``choices`` to ``value``, or ''."""
    options = [str(c) for c in choices]
    near = difflib.get_close_matches(str(value), options, n=2, cutoff=0.6)
    if not near:
        lowered = {o.lower(): o for o in options}
        near = [lowered[m] for m in difflib.get_close_matches(str(value).lower(), lowered, n=2)]
    return f" (did you mean {' or '.join(near)}?)" if near else ""


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """libyaml's safe loader with dates left as text, for the schema to check."""


# Booleans are true and false only, as in YAML 1.2 and JSON Schema: YAML 1.1 also reads
# yes, no, on and off, which turned a mapping file's `on:` key into true.
_BOOL = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", _BOOL)
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF")


def _count_aliases(text: str, source: str) -> None:
    if "*" not in text:  # no alias can be written without one
        return
    aliases = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise InputError(
                    f"{source}: line {event.start_mark.line + 1}: more than {MAX_ALIASES} "
                    "YAML aliases (*name); write the values out instead"
                )


def parse_yaml(text: str, source: str) -> Any:
    """The YAML document in ``text``; ``source`` names it in errors."""
    try:
        _count_aliases(text, source)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: not valid YAML: {exc}") from None


def read_yaml(path: str | Path) -> Any:
    """A YAML file's contents, loaded safely (no arbitrary objects, few aliases)."""
    path = Path(path)
    return parse_yaml(path.read_text(encoding="utf-8"), str(path))


def _line(text: str | None, loc: Sequence[str | int]) -> int | None:
    """The line (from 1) of the YAML node at ``loc``, or of the deepest part of it found."""
    if not text:
        return None
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    line = None
    for step in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(step):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int):
            if step >= len(node.value):
                break
            node = node.value[step]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _field(loc: Sequence[str | int]) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _allowed(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys the model declares at ``loc`` (the parent of an unknown key)."""
    current: Any = model
    for step in loc:
        if isinstance(step, int):
            current = _member(current, list)
            current = get_args(current)[0] if current is not None else None
        elif (mapping := _member(current, dict)) is not None:
            current = get_args(mapping)[1]
        elif (found := _member(current, BaseModel)) is not None:
            fields = found.model_fields
            field = fields.get(step) or next((f for f in fields.values() if f.alias == step), None)
            current = field.annotation if field is not None else None
        else:
            return []
        if current is None:
            return []
    found = _member(current, BaseModel)
    return [f.alias or name for name, f in found.model_fields.items()] if found else []


def _member(annotation: Any, kind: type) -> Any:
    """The part of ``annotation`` (a union, Optional, Annotated) that is a ``kind``."""
    if isinstance(annotation, type) and issubclass(annotation, kind):
        return annotation
    if get_origin(annotation) is kind:
        return annotation
    for arg in get_args(annotation):
        found = _member(arg, kind)
        if found is not None:
            return found
    return None


def describe(
    error: ValidationError, model: type[BaseModel], source: str, text: str | None = None
) -> str:
    """Pydantic's errors as lines naming the file, line, field, problem and a suggestion."""
    lines = []
    seen: set[tuple] = set()
    for item in error.errors():
        loc = [step for step in item["loc"] if not _is_branch(step)]
        key = (tuple(loc), item["type"])
        if key in seen:
            continue
        seen.add(key)
        line = _line(text, loc)
        where = f"{source}: " + (f"line {line}: " if line else "")
        if item["type"] == "extra_forbidden":
            allowed = _allowed(model, loc[:-1])
            hint = did_you_mean(loc[-1], allowed)
            known = f"; known keys: {', '.join(sorted(allowed))}" if allowed and not hint else ""
            lines.append(f"{where}{_field(loc)}: unknown key{hint}{known}")
            continue
        message = item["msg"]
        if item["type"] == "literal_error":
            expected = re.findall(r"'([^']*)'", message)
            message = f"{item['input']!r} is not one of {', '.join(expected)}"
            message += did_you_mean(item["input"], expected)
        elif item["type"].startswith("date_") and isinstance(item.get("input"), str):
            reason = message.split(", ", 1)[-1]
            message = f"{item['input']!r} is not a date (use YYYY-MM-DD; {reason})"
        elif item["type"] in ("value_error", "assertion_error"):
            message = message.removeprefix("Value error, ")
        elif "input" in item and not isinstance(item["input"], dict | list):
            message = f"{message}, not {item['input']!r}"
        lines.append(f"{where}{_field(loc) or 'top level'}: {message}")
    return "\n".join(lines)


def _is_branch(step: str | int) -> bool:
    # Pydantic names the union member it tried ("str", "function-after[...]", tagged
    # union tags); those are not keys of the file.
    return isinstance(step, str) and (
        step in ("str", "int", "float", "bool", "date")
        or step[:1].isupper()  # a model's class name: keys in files are lower case
        or "[" in step
        or step.startswith("function-")
    )


def validate(model: type[Model], data: Any, source: str, text: str | None = None) -> Model:
    """``data`` checked against ``model``; ``InputError`` lists every problem found."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputError(describe(error, model, source, text)) from None


def json_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    """The model's JSON Schema (draft 2020-12) as editors and CI validators read it."""
    schema = model.model_json_schema(by_alias=True)
    return {"$schema": JSON_SCHEMA_DIALECT, **schema, "title": title}

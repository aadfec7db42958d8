"""The schema of a mapping file: which keys each section takes (docs/records.md).

``foidesk.records.mapping.Mapping`` checks a mapping file against ``MappingFile`` before
it resolves sources, columns and references, so a misspelt key is refused with the
nearest valid one. Which canonical columns a table takes is checked there, against the
canonical schema.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

from foidesk.input_files import InputModel

Files = str | list[str]
CanonicalName = Literal["crimes", "victims", "suspects", "relationships", "outcomes"]


class SourceInput(InputModel):
    """``sources.<name>``: source files and how to read them."""

    files: str
    one_per: list[str] | None = None
    delimiter: str | None = None
    encoding: str | None = None
    max_lines: int | None = None
    max_rejected: str | None = None  # a percentage, e.g. 1%


def _on_key(value: Any) -> Any:
    # A file written by a YAML 1.1 dumper may hold the key `on` as `true`.
    if isinstance(value, dict) and True in value:
        value = {("on" if k is True else k): v for k, v in value.items()}
    return value


class JoinInput(InputModel):
    """``join[]``: another source joined on {left column: right column}."""

    source: str
    on: dict[str, str]


class SkipInput(InputModel):
    """``skip[]``: rows set aside on purpose, with the reason counted."""

    column: str
    empty: bool | None = None
    in_: list[Any] | None = Field(None, alias="in")
    not_in: list[Any] | None = None
    reason: str


class ColumnInput(InputModel):
    """How one canonical column is made (exactly one of column, constant, first, derive)."""

    column: str | None = None
    constant: Any = None
    date_format: str | None = None
    map: dict[Any, Any] | None = None
    otherwise: Any = None
    default: Any = None
    first: list[ColumnRule] | None = None
    derive: str | None = None
    groups: list[str] | None = None
    null_if: list[str | int] | None = None


def _constant(value: Any) -> Any:
    # A bare value is a constant.
    return value if isinstance(value, dict) else {"constant": value}


ColumnRule = Annotated[
    ColumnInput,
    BeforeValidator(_constant, json_schema_input_type=str | int | float | bool | ColumnInput),
]
ColumnInput.model_rebuild()


class TableMapInput(InputModel):
    """``tables.<canonical table>``: where its rows come from and how columns are made."""

    from_: str = Field(alias="from")
    join: list[Annotated[JoinInput, BeforeValidator(_on_key)]] | None = None
    key: list[str] | None = None
    crime: list[str] | None = None
    victim: list[str] | None = None
    suspect: list[str] | None = None
    skip: list[SkipInput] | None = None
    columns: dict[str, ColumnRule] | None = None
    latest: str | None = None


class ReferenceInput(InputModel):
    """``reference:``: code lists replacing the shipped ones."""

    offence_classification: Files | None = None
    how_known_codes: Files | None = None
    outcome_types: Files | None = None
    sexes: Files | None = None


class MappingFile(InputModel):
    """A whole mapping file."""

    mapping: Literal[1]
    name: str | None = None
    description: str | None = None
    # The force of every crime of a single-force extract (crimes.columns.force overrides).
    force: str | None = None
    source_dir: str | None = None
    reference: ReferenceInput | None = None
    sources: dict[str, SourceInput]
    tables: dict[
        Literal["crimes", "victims", "suspects", "relationships", "outcomes"], TableMapInput
    ]

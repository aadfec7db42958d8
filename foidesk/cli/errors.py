"""How the command line reports an error: one message format and one exit code per kind.

Every command runs under ``ReportingGroup``: an error of a kind below is printed as
``error: <message>`` on stderr and ends the command with that kind's code, so commands
raise the library's errors and never print them themselves. Any other exception is a
defect and keeps its traceback.

=====  ==========================================================================
code   meaning
=====  ==========================================================================
0      done
1      a check found a problem: ``audit`` (an exposed cell), ``inspect`` (hidden
       content), ``redact`` (text survived), ``request letter`` (a template that
       does not show an element its kind requires)
2      bad input or usage: a file, option or value that cannot be used, or names
       something that does not exist (a request, snapshot, policy or file)
3      refused: the workflow does not allow the step now, or your account (token,
       roles, password) does not allow it
=====  ==========================================================================
"""

from __future__ import annotations

import os
import sys
from enum import IntEnum
from typing import Any

import typer
from typer.core import TyperGroup


class ExitCode(IntEnum):
    """The command line's exit codes, one per kind of outcome (table above)."""

    DONE = 0
    CHECK_FAILED = 1
    BAD_INPUT = 2
    REFUSED = 3


class Refused(Exception):
    """The workflow or the acting account does not allow what was asked."""


class BadInput(ValueError):
    """A value the command line itself cannot use (the library raises its own errors)."""


# Library errors by kind, as (module, class name). A class is looked up only once its
# module is imported: an error of that class can have been raised only then, and the
# command line need not import the register or the redaction to start.
_REFUSED = (("foidesk.foi.register", "TransitionError"),)
_CHECK_FAILED = (
    ("foidesk.documents.redaction", "RedactionFailed"),
    ("foidesk.foi.letter_kinds", "TemplateMissesElement"),
)
_BAD_INPUT = (("foidesk.records.store", "StoreError"),)


def _classes(names: tuple[tuple[str, str], ...]) -> tuple[type[BaseException], ...]:
    found = (getattr(sys.modules.get(module), name, None) for module, name in names)
    return tuple(cls for cls in found if isinstance(cls, type))


def exit_code(error: BaseException) -> ExitCode | None:
    """The exit code for ``error``, or None if it is not an error the user can act on."""
    if isinstance(error, (Refused, *_classes(_REFUSED))):
        return ExitCode.REFUSED
    if isinstance(error, _classes(_CHECK_FAILED)):
        return ExitCode.CHECK_FAILED
    # Every input error of the library is a ValueError; LookupError covers a reference,
    # snapshot or table that does not exist; OSError a file that cannot be read or written.
    if isinstance(error, (ValueError, LookupError, OSError, *_classes(_BAD_INPUT))):
        return ExitCode.BAD_INPUT
    return None


def message(error: BaseException) -> str:
    """The error's own words (a KeyError's str() would quote them; an OSError's leads with
    its errno, "[Errno 2] ...", where a reader wants the file first)."""
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)


class ReportingGroup(TyperGroup):
    """The root command: reports the errors of every command beneath it the same way."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except typer.TyperException as error:  # usage errors
            # An unknown --db on a store command is an old script's name for --store (the
            # store had it before the register did), so say which option it wants.
            ctx = getattr(error, "ctx", None)
            if getattr(error, "option_name", None) == "--db" and _takes(ctx, "--store"):
                from foidesk.cli.options import STORE_NOT_REGISTER

                # answer takes the register too, as --log: --db may have meant that.
                log = "; the register is its --log" if _takes(ctx, "--log") else ""
                raise typer.BadParameter(STORE_NOT_REGISTER + log, ctx=ctx) from None
            raise
        except (typer.Exit, typer.Abort):
            raise
        except BrokenPipeError:
            # The reader stopped reading (`| head`): nothing went wrong, and nothing more can
            # be written, not even at exit, so the rest goes nowhere.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(ExitCode.DONE) from None
        except Exception as error:
            code = exit_code(error)
            if code is None:
                raise
            typer.echo(f"error: {message(error)}", err=True)
            raise typer.Exit(code) from None


def _takes(ctx: typer.Context | None, option: str) -> bool:
    """Whether the command being parsed takes ``option``."""
    return ctx is not None and any(option in param.opts for param in ctx.command.params)

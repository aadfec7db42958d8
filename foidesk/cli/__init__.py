"""The ``foidesk`` command line: a thin layer over the Python API, one module per concern.

Every command calls one public function of a concern's module and prints its result;
tests call those functions directly. ``root`` holds the application and its global
options; importing each concern's module below adds its commands, in the order ``--help``
lists them.
"""

from __future__ import annotations

from foidesk.cli.root import app

# isort: off
# Each import adds a concern's commands; their order is the order --help lists them in.
from foidesk.cli import records, answer, request, documents, web, user, db  # noqa: F401
# isort: on

from foidesk.cli.records import print_summary

__all__ = ["app", "print_summary"]

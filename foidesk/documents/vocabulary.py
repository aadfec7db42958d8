"""The word lists the personal-data suggester reads: people's names, common words, places.

The lists are built once, at build time, from kept packages' data and shipped with
foidesk, so a web process loads a few hundred kilobytes instead of a name database:

- ``person_names.csv``: first names and surnames from Faker's English-language person
  providers (MIT licence; Faker's British lists come from ONS baby-name tables).
- ``common_words.txt``: the 30,000 most frequent English words from wordfreq (its data is
  CC BY-SA 4.0), used to tell "Home Office" from "Wei Zhang".
- ``places.txt``: written for foidesk: the London boroughs, the police force areas of the
  UK and other places that requesters name and that are also people's names (Chelsea,
  Reading, Victoria); a place is never suggested as a name.

``python -m foidesk.documents.vocabulary`` rebuilds the first two (``make vocabulary``,
which installs the ``vocabulary`` extra); the licences are in ``reference/NOTICE.md``.
"""

from __future__ import annotations

import csv
import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REFERENCE = Path(__file__).parent / "reference"
NAMES_FILE = REFERENCE / "person_names.csv"
WORDS_FILE = REFERENCE / "common_words.txt"
PLACES_FILE = REFERENCE / "places.txt"
FAKER_LOCALES = ("en", "en_GB", "en_US", "en_IE", "en_IN", "en_NZ")
COMMON_WORDS = 30_000


@dataclass(frozen=True)
class Vocabulary:
    """The suggester's word lists, each a set for constant-time look-ups."""

    first_names: frozenset[str]
    surnames: frozenset[str]
    common_words: frozenset[str]
    places: tuple[str, ...]

    def is_name(self, word: str) -> bool:
        """Whether ``word`` is a known first name or surname (exact capitalisation)."""
        return word in self.first_names or word in self.surnames

    def is_common(self, word: str) -> bool:
        """Whether ``word`` is an everyday English word (any capitalisation)."""
        return word.casefold() in self.common_words


@cache
def vocabulary() -> Vocabulary:
    """The shipped lists, read once per process."""
    first: set[str] = set()
    last: set[str] = set()
    with NAMES_FILE.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            (first if row["kind"] == "first" else last).add(row["name"])
    words = WORDS_FILE.read_text(encoding="utf-8").split()
    places = [
        line.strip()
        for line in PLACES_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    # Longest first, so "Kensington and Chelsea" is found before "Chelsea".
    return Vocabulary(
        frozenset(first),
        frozenset(last),
        frozenset(words),
        tuple(sorted(set(places), key=len, reverse=True)),
    )


def build(reference: Path = REFERENCE) -> tuple[Path, Path]:
    """Write ``person_names.csv`` and ``common_words.txt`` from Faker and wordfreq."""
    import wordfreq

    first: set[str] = set()
    last: set[str] = set()
    for locale in FAKER_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in ("first_names_male", "first_names_female", "first_names_nonbinary"):
            first.update(getattr(provider, attribute, ()) or ())
        last.update(getattr(provider, "last_names", ()) or ())
    names = reference / "person_names.csv"
    with names.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", "kind"])
        writer.writerows((name, "first") for name in sorted(first) if name.isalpha())
        writer.writerows((name, "last") for name in sorted(last) if name.replace("-", "").isalpha())
    words = reference / "common_words.txt"
    common = sorted({w for w in wordfreq.top_n_list("en", COMMON_WORDS) if w.isalpha()})
    words.write_text("\n".join(common) + "\n", encoding="utf-8")
    return names, words


if __name__ == "__main__":
    for path in build():
        print(path)

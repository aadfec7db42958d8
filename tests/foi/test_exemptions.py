"""The exemption catalogue and the s17 checks a response must pass."""

from __future__ import annotations

import pytest

from foidesk.foi.exemptions import catalogue, lookup, s17_problems

ISSUE_SECTIONS = {"s12", "s14", "s21", "s22", "s23", "s24", "s30", "s31", "s38", "s40", "s41"}


def test_catalogue_holds_every_section_the_desk_uses() -> None:
    assert ISSUE_SECTIONS | {"s42", "s43", "s44"} == set(catalogue())


@pytest.mark.parametrize(
    ("section", "absolute", "basis"),
    [
        ("s21", True, "class"),  # s2(3) lists s21 as absolute
        ("s23", True, "class"),
        ("s41", True, "class"),
        ("s44", True, "class"),
        ("s31", False, "prejudice"),
        ("s43", False, "prejudice"),
        ("s30", False, "class"),
        ("s22", False, "class"),
    ],
)
def test_types_follow_the_act(section: str, absolute: bool, basis: str) -> None:
    entry = lookup(section)
    assert (entry.absolute, entry.basis) == (absolute, basis)


def test_sections_are_found_however_they_are_written() -> None:
    assert lookup("Section 31").section == "s31"
    assert lookup("31").description == "a prejudice-based qualified exemption"
    with pytest.raises(KeyError, match="not in the exemption catalogue"):
        lookup("s99")


def test_s17_names_what_is_missing() -> None:
    parts = [
        {"number": 1, "decision": "disclosed", "exemptions": []},
        {"number": 2, "decision": None, "exemptions": []},
        {"number": 3, "decision": "withheld", "exemptions": []},
        {
            "number": 4,
            "decision": "withheld",
            "exemptions": [{"section": "s31", "subsection": "(1)(a)", "harm": "h"}],
        },
        {"number": 5, "decision": "partly disclosed", "not_held": "Sentences.", "exemptions": []},
        {"number": 6, "decision": "withheld", "exemptions": [{"section": "s21", "reason": "ONS"}]},
    ]
    assert s17_problems(parts, rights_given=False) == [
        "part 2: no decision recorded",
        "part 3 is 'withheld': name the exemption relied on (s17(1)(b))",
        "part 4: s31(1)(a) is a qualified exemption: the public interest test needs factors "
        "favouring disclosure, factors favouring non-disclosure, the balance (s17(3))",
        "the response must give internal review and ICO (s50) rights",
    ]


def test_a_prejudice_based_exemption_needs_its_harm() -> None:
    parts = [
        {
            "number": 1,
            "decision": "withheld",
            "exemptions": [
                {
                    "section": "s43",
                    "reason": "A supplier's prices.",
                    "factors_for": ["a"],
                    "factors_against": ["b"],
                    "balance": "c",
                }
            ],
        }
    ]
    assert s17_problems(parts) == [
        "part 1: s43 is prejudice-based: state the harm disclosure would cause"
    ]


def test_a_qualified_limb_of_s40_needs_its_public_interest_test() -> None:
    limb = {"section": "s40", "subsection": "(2)", "reason": "Personal data of a third party."}
    part = {"number": 1, "decision": "withheld", "exemptions": [limb]}
    assert s17_problems([part]) == []  # s40(2), first condition: absolute
    part["exemptions"] = [{**limb, "absolute": False}]
    assert "s40(2) is a qualified exemption" in s17_problems([part])[0]

"""The exemption catalogue and the s17 checks a response must pass."""

from __future__ import annotations

import pytest

from foidesk.foi.exemptions import catalogue, decision_problems, lookup, s17_problems

ISSUE_SECTIONS = {"s12", "s14", "s21", "s22", "s23", "s24", "s30", "s31", "s38", "s40", "s41"}
# Every section with a neither-confirm-nor-deny limb, and the limb (s2(1), Part II).
NCND_LIMBS = {
    "s12": ("s12(2)",), "s22": ("s22(2)",), "s23": ("s23(5)",), "s24": ("s24(2)",),
    "s26": ("s26(3)",), "s27": ("s27(4)",), "s28": ("s28(3)",), "s29": ("s29(2)",),
    "s30": ("s30(3)",), "s31": ("s31(3)",), "s32": ("s32(3)",), "s33": ("s33(3)",),
    "s34": ("s34(2)",), "s35": ("s35(3)",), "s36": ("s36(3)",), "s37": ("s37(2)",),
    "s38": ("s38(2)",), "s39": ("s39(2)",), "s40": ("s40(5A)", "s40(5B)"),
    "s41": ("s41(2)",), "s42": ("s42(2)",), "s43": ("s43(3)",), "s44": ("s44(2)",),
}  # fmt: skip


def test_catalogue_holds_every_section_the_desk_uses() -> None:
    assert ISSUE_SECTIONS | set(NCND_LIMBS) <= set(catalogue())


def test_every_ncnd_limb_is_in_the_catalogue() -> None:
    limbs = {s: e.ncnd_limbs for s, e in catalogue().items() if e.ncnd_limbs}
    assert limbs == NCND_LIMBS
    assert lookup("s14").ncnd_limbs == lookup("s21").ncnd_limbs == ()


def test_ncnd_must_cite_the_ncnd_limb() -> None:
    s31 = {"section": "s31", "subsection": "(1)(a)"}
    assert decision_problems(2, "neither confirm nor deny", [s31]) == [
        "part 2 neither confirms nor denies, but s31(1)(a) is not a neither-confirm-nor-deny "
        "limb: cite s31(3)"
    ]
    assert decision_problems(2, "neither confirm nor deny", [{**s31, "subsection": "(3)"}]) == []
    # A limb within the NCND subsection is that limb.
    s40 = {"section": "s40", "subsection": "(5B)(a)(i)"}
    assert decision_problems(1, "neither confirm nor deny", [s40]) == []
    assert decision_problems(1, "neither confirm nor deny", [{**s40, "subsection": "(2)"}]) == [
        "part 1 neither confirms nor denies, but s40(2) is not a neither-confirm-nor-deny "
        "limb: cite s40(5A) or s40(5B)"
    ]
    assert decision_problems(1, "neither confirm nor deny", [{"section": "s21"}]) == [
        "part 1 neither confirms nor denies, but s21 has no neither-confirm-nor-deny limb"
    ]
    # Saying what is not held would deny holding it.
    assert "cannot say what is not held" in " ".join(
        decision_problems(
            1, "neither confirm nor deny", [{**s31, "subsection": "(3)"}], not_held="None."
        )
    )


def test_an_ncnd_limb_cannot_withhold_what_the_response_confirms_is_held() -> None:
    found = decision_problems(3, "withheld", [{"section": "s30", "subsection": "(3)"}])
    assert found == [
        "part 3 is 'withheld', which confirms the information is held, but s30(3) is a "
        "neither-confirm-nor-deny limb: decide 'neither confirm nor deny', or cite the limb "
        "of s30 that exempts the information itself"
    ]


def test_s14_refuses_and_never_withholds() -> None:
    s14 = {"section": "s14", "subsection": "(1)"}
    assert decision_problems(1, "refused", [s14]) == []
    assert decision_problems(1, "withheld", [s14]) == [
        "part 1: s14 is not an exemption, and refuses the request rather than withholding "
        "information: decide 'refused', not 'withheld'"
    ]
    assert decision_problems(1, "refused", [{"section": "s31", "subsection": "(1)(a)"}]) == [
        "part 1 is 'refused', which is for s12 and s14, but s31(1)(a) is an exemption: "
        "decide 'withheld' or 'partly disclosed'"
    ]
    # s14 is a refusal of the request: every part, or none, and no public interest test.
    parts = [
        {"number": 1, "decision": "refused", "exemptions": [s14]},
        {"number": 2, "decision": "disclosed", "exemptions": []},
    ]
    assert s17_problems(parts) == [
        "s14 applies to a request as a whole, not to some of its parts: refuse every part "
        "under it, or none (part 2 does not rely on it)"
    ]
    parts[1] = {"number": 2, "decision": "refused", "exemptions": [s14]}
    assert s17_problems(parts) == []
    bare = [{"number": 1, "decision": "refused", "exemptions": [{"section": "s14"}]}]
    assert s17_problems(bare) == [
        "part 1: s14: say which limb applies, s14(1) (vexatious) or s14(2) (repeated)"
    ]


def test_s12_alone_is_refused_not_withheld() -> None:
    assert decision_problems(1, "withheld", [{"section": "s12"}]) == [
        "part 1: s12 is not an exemption: a part refused on cost is 'refused', not 'withheld'"
    ]
    assert decision_problems(1, "refused", [{"section": "s12"}]) == []
    # The worksheet gives the estimate: no reason is asked for in its place.
    assert (
        s17_problems([{"number": 1, "decision": "refused", "exemptions": [{"section": "s12"}]}])
        == []
    )


def test_not_held_says_why() -> None:
    assert decision_problems(4, "not held", []) == [
        "part 4 is 'not held': say why the force does not hold it (e.g. that the courts "
        "record sentences, not the police)"
    ]
    assert decision_problems(4, "not held", [], not_held="Court data.") == []


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

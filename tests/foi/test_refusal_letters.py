"""The hard refusals end to end, as a desk officer does them from a shell.

Neither confirm nor deny, s12 (cost), s14 (vexatious) and not held: each request is logged,
decided, approved and answered through the CLI, acting through account tokens, and its
letter's PDF is read back with pdfminer (not the library that wrote it) for the wording
the Act requires and for the wording each case must never use.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from cli_desk import CliDesk
from pdfminer.high_level import extract_text

# Phrases that say or imply the force holds (or does not hold) what was asked for.
EXISTENCE = [
    "decided not to disclose",
    "withheld",
    "does not hold",
    "not held",
    "exempt from disclosure",
    "the information requested is held",
    "Evidence of harm",
    "Factors favouring disclosure",
]


class Desk(CliDesk):
    """A register with an officer's and a reviewer's account, driven through the CLI."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path)
        self.tmp = tmp_path
        self.account("olly", "officer")
        self.account("rita", "reviewer")

    def refused(self, who: str | None, *args: str) -> str:
        return " ".join(super().refused(who, *args).split())

    def grounds(self, name: str, entries: list[dict]) -> str:
        path = self.tmp / name
        path.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
        return str(path)

    def answer(self, reference: str, on: str) -> str:
        """Submit, approve (as the reviewer who saw it), respond and write the letter; the
        letter's PDF as text, read back by pdfminer."""
        self.run("olly", "request", "submit", reference)
        shown = self.run("rita", "request", "show", reference)
        fingerprint = shown.split("fingerprint: ")[1].split()[0]
        self.run("rita", "request", "approve", reference, "--fingerprint", fingerprint)
        self.run("olly", "request", "respond", reference, "--on", on)
        exported = self.tmp / f"{reference}.yaml"
        self.run(None, "request", "export", reference, str(exported))
        out = self.tmp / reference
        self.run(None, "request", "letter", str(exported), "--out", str(out))
        return " ".join(extract_text(out / "response.pdf").split())


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    return Desk(tmp_path)


def _absent(text: str, phrases: list[str]) -> list[str]:
    return [p for p in phrases if p.lower() in text.lower()]


def test_neither_confirm_nor_deny(desk: Desk) -> None:
    ref = "01.FOI.24.000701"
    desk.run(
        "olly", "request", "new", ref, "--received", "2024-03-04",
        "--text", "Is Councillor A. Example being investigated for stalking?",
        "--part", "Whether the councillor is being investigated.",
    )  # fmt: skip
    pit = {
        "for": ["Openness about how allegations against office holders are handled."],
        "against": ["Confirming or denying would undermine any investigation."],
        "balance": "The public interest favours neither confirming nor denying.",
    }
    s31 = {
        "section": "s31",
        "subsection": "(1)(a)",
        "harm": "Confirming or denying would alert anyone under investigation.",
        "public_interest": pit,
    }
    # Citing the exemption's disclosure limb for NCND is refused, naming the NCND limb.
    wrong = desk.grounds("s31_1a.yaml", [s31])
    refused = desk.refused(
        "olly", "request", "decide", ref, "--part", "1",
        "--decision", "neither confirm nor deny", "--exemptions", wrong,
    )  # fmt: skip
    assert "s31(1)(a) is not a neither-confirm-nor-deny limb: cite s31(3)" in refused
    limbs = desk.grounds(
        "ncnd.yaml",
        [
            {**s31, "subsection": "(3)"},
            {
                "section": "s40",
                "subsection": "(5B)",
                "reason": "Confirming or denying would disclose personal data of a living "
                "person, which would breach the data protection principles.",
            },
        ],
    )
    desk.run(
        "olly", "request", "decide", ref, "--part", "1",
        "--decision", "neither confirm nor deny", "--exemptions", limbs,
    )  # fmt: skip
    text = desk.answer(ref, "2024-03-28")
    for wording in [
        "The force neither confirms nor denies whether it holds the information you asked for.",
        "This letter is a refusal notice under section 17 of the Act",
        "This response neither confirms nor denies that the force holds information of the "
        "kind described in part 1. Nothing in it should be taken as an indication either that "
        "such information exists or that it does not.",
        "Section 31(3) – Law enforcement",
        "Section 40(5B) – Personal information",
        "relieves the force of the duty to confirm or deny",
        "Harm in confirming or denying",
        "Factors favouring neither confirming nor denying",
        "section 50 of the Act",
    ]:
        assert wording in text, wording
    assert _absent(text, EXISTENCE) == []
    assert "Section 31(1)(a)" not in text


def test_s12_takes_its_estimate_from_the_worksheet(desk: Desk) -> None:
    ref = "01.FOI.24.000702"
    desk.run(
        "olly", "request", "new", ref, "--received", "2024-06-03",
        "--text", "Stalking crimes where the parties had separated, and your stalking policy.",
        "--part", "Stalking crimes where the parties had separated.",
        "--part", "Your stalking policy.",
    )  # fmt: skip
    desk.run(
        "olly", "request", "cost", ref, "--activity", "extract", "--part", "1",
        "--description", "reading the free text of each stalking crime of 2023",
        "--records", "2800", "--minutes", "3",
    )  # fmt: skip
    desk.run(
        "olly", "request", "advise", ref,
        "--advice", "You may ask for a single month, or for crimes by former partners.",
    )  # fmt: skip
    s12 = desk.grounds(
        "s12.yaml", [{"section": "s12", "subsection": "(1)", "applies_to": "part 1"}]
    )
    # s12 is not an exemption: "withheld" is refused, with the word to use.
    refused = desk.refused(
        "olly", "request", "decide", ref, "--part", "1", "--decision", "withheld",
        "--exemptions", s12,
    )  # fmt: skip
    assert "s12(1) is not an exemption: a part refused on cost is 'refused'" in refused
    # No free-text reason is asked for: the worksheet on file is the estimate.
    desk.run(
        "olly", "request", "decide", ref, "--part", "1", "--decision", "refused",
        "--exemptions", s12,
    )  # fmt: skip
    desk.run("olly", "request", "decide", ref, "--part", "2", "--decision", "disclosed")
    text = desk.answer(ref, "2024-06-28")
    for wording in [
        "The force is not obliged to comply with part 1, because the cost of complying would "
        "exceed the appropriate limit (section 12 of the Act).",
        "Section 12(1) – Cost of compliance exceeds the appropriate limit",
        "The appropriate limit for this authority is £450, which at £25 an hour is 18 hours",
        "Appropriate Limit and Fees) Regulations 2004",
        "reading the free text of each stalking crime of 2023): 2,800 records at 3 minutes "
        "each, 140 hours",
        "In total 140 hours, or £3,500.00, which exceeds the appropriate limit",
        "Advice and assistance",
        "about 360 records could be examined within the appropriate limit",
        "You may ask for a single month, or for crimes by former partners.",
    ]:
        assert wording in text, wording
    assert _absent(text, ["withheld", "exempt from disclosure", "Evidence of harm"]) == []


def test_an_estimate_for_another_part_supports_no_s12_refusal(desk: Desk) -> None:
    ref = "01.FOI.24.000703"
    desk.run(
        "olly", "request", "new", ref, "--received", "2024-06-03", "--text", "Two questions.",
        "--part", "Stalking by former partners.", "--part", "Every crime's free text.",
    )  # fmt: skip
    desk.run(
        "olly", "request", "cost", ref, "--activity", "extract", "--part", "2",
        "--description", "reading every crime report", "--records", "90000", "--minutes", "3",
    )  # fmt: skip
    s12 = desk.grounds("s12.yaml", [{"section": "s12", "subsection": "(1)"}])
    for part in ("1", "2"):
        desk.run(
            "olly", "request", "decide", ref, "--part", part, "--decision", "refused",
            "--exemptions", s12,
        )  # fmt: skip
    refused = desk.refused("olly", "request", "submit", ref)
    assert (
        "part 1 relies on s12 but the cost estimate has no line for it (its lines are for "
        "part 2)" in refused
    )


def test_s14_is_refused_never_withheld(desk: Desk) -> None:
    ref, later = "01.FOI.24.000704", "01.FOI.24.000705"
    for reference in (ref, later):
        desk.run(
            "olly", "request", "new", reference, "--received", "2024-06-03",
            "--text", "The same twelve questions again.",
            "--part", "Questions 1 to 6.", "--part", "Questions 7 to 12.",
        )  # fmt: skip
    s14 = {
        "section": "s14",
        "subsection": "(1)",
        "reason": "This is the fortieth request on the same matter this year, each answered; "
        "together they impose a burden out of all proportion to their value.",
    }
    grounds = desk.grounds("s14.yaml", [s14])
    refused = desk.refused(
        "olly", "request", "decide", ref, "--part", "1", "--decision", "withheld",
        "--exemptions", grounds,
    )  # fmt: skip
    assert "s14 is not an exemption" in refused and "decide 'refused', not 'withheld'" in refused
    desk.run(
        "olly", "request", "decide", ref, "--part", "1", "--decision", "refused",
        "--exemptions", grounds,
    )  # fmt: skip
    desk.run("olly", "request", "decide", ref, "--part", "2", "--decision", "disclosed")
    # s14 refuses the request, not a part of it.
    refused = desk.refused("olly", "request", "submit", ref)
    assert "s14 applies to a request as a whole" in refused
    desk.run(
        "olly", "request", "decide", ref, "--part", "2", "--decision", "refused",
        "--exemptions", grounds,
    )  # fmt: skip
    text = desk.answer(ref, "2024-06-10")
    for wording in [
        "I have today decided to refuse your request under Section 14(1) of the Act, because "
        "it is vexatious.",
        "Section 14 is not an exemption",
        "given as section 17(5) requires",
        "This is the notice section 17(5) of the Act requires",
        "Why the request is refused",
        "the fortieth request on the same matter",
    ]:
        assert wording in text, wording
    # Once, though both parts are refused under it.
    assert text.count("Section 14(1) – Vexatious or repeated requests") == 2  # list, notice
    assert _absent(text, ["withheld", "Factors favouring", "Balance test", "exempt from"]) == []

    # The next request on the matter: the notice already given spares another (s17(6)).
    earlier = desk.grounds(
        "s14_again.yaml",
        [{**s14, "earlier_notice": {"reference": ref, "given": "2024-06-10"}}],
    )
    for part in ("1", "2"):
        desk.run(
            "olly", "request", "decide", later, "--part", part, "--decision", "refused",
            "--exemptions", earlier,
        )  # fmt: skip
    text = desk.answer(later, "2024-06-11")
    assert "so under section 17(6) of the Act no further notice is required" in text
    assert "section 17(5) requires" not in text
    assert (
        f"On 10 June 2024 the force gave you a notice refusing request {ref} under section 14. "
        "Under section 17(6) of the Act the force is not obliged to give a further refusal notice"
        in text
    )
    assert _absent(text, ["withheld", "Factors favouring"]) == []


def test_not_held_says_why_and_who_holds_it(desk: Desk) -> None:
    ref = "01.FOI.24.000706"
    desk.run(
        "olly", "request", "new", ref, "--received", "2024-06-03",
        "--text", "The sentences given for stalking in 2023.",
    )  # fmt: skip
    refused = desk.refused(
        "olly", "request", "decide", ref, "--part", "1", "--decision", "not held"
    )
    assert "part 1 is 'not held': say why the force does not hold it" in refused
    desk.run(
        "olly", "request", "decide", ref, "--part", "1", "--decision", "not held",
        "--not-held", "Sentences are passed by the courts and are not recorded by the police.",
        "--held-by", "The Ministry of Justice, which publishes sentencing statistics.",
    )  # fmt: skip
    text = desk.answer(ref, "2024-06-20")
    for wording in [
        "The force does not hold the information asked for in part 1, as explained below.",
        "Information not held. Sentences are passed by the courts and are not recorded by the "
        "police.",
        "Who holds it. The Ministry of Justice, which publishes sentencing statistics.",
    ]:
        assert wording in text, wording
    assert _absent(text, ["withheld", "refusal notice", "neither confirms"]) == []

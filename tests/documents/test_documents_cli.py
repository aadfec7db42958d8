"""The documents commands are thin wrappers: exit codes and output of foidesk redact/policy."""

from __future__ import annotations

from pathlib import Path

from document_builders import html_pdf
from pdfminer.high_level import extract_text
from typer.testing import CliRunner

from foidesk.cli import app

runner = CliRunner()


def test_redact_pairs_phrases_with_labels_and_writes_the_log(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "in.pdf", "<p>Operation Nightjar is led by DS Smith.</p>")
    out = tmp_path / "out.pdf"
    result = runner.invoke(
        app,
        [
            "redact",
            str(source),
            "--out",
            str(out),
            "--phrase",
            "Operation Nightjar",
            "--label",
            "s31(1)(a)",
            "--phrase",
            "DS Smith",
            "--label",
            "s40(2)",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 redactions, verified by pdfminer.six and pdftotext" in result.output
    text = extract_text(out)
    assert "Nightjar" not in text and "Smith" not in text
    assert "s31(1)(a)" in text and "s40(2)" in text
    assert (tmp_path / "out.redaction-log.json").exists()


def test_redact_warns_of_a_phrase_it_found_nowhere(tmp_path: Path) -> None:
    # A misspelt phrase removes nothing and the rest still verifies: say so, not silently.
    source = html_pdf(tmp_path / "in.pdf", "<p>Operation Nightjar is led by DS Smith.</p>")
    result = runner.invoke(
        app,
        ["redact", str(source), "--out", str(tmp_path / "out.pdf"),
         "--phrase", "Operation Nightjar", "--phrase", "DS Smyth", "--label", "s31"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 redactions, verified" in result.output
    assert "warning: phrase: DS Smyth matched nothing in the document" in result.output
    assert "Nightjar matched nothing" not in result.output


def test_redact_exits_non_zero_when_verification_fails(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "in.pdf", "<p>Kestrel</p><p>The Kestrel post.</p>")
    out = tmp_path / "out.pdf"
    result = runner.invoke(
        app, ["redact", str(source), "--out", str(out), "--pages", "1", "--label", "s31(1)(a)"]
    )
    # The whole page is boxed, so nothing survives and it succeeds ...
    assert result.exit_code == 0, result.output
    out.unlink()
    result = runner.invoke(
        app,
        ["redact", str(source), "--out", str(out), "--area", "1:0,0,600,90", "--label", "s31"],
    )
    # ... but a box over only the first "Kestrel" leaves the second readable: refused.
    assert result.exit_code == 1
    assert "failed verification; nothing was written" in result.output
    assert not out.exists()


def test_redact_explains_mismatched_labels(tmp_path: Path) -> None:
    source = html_pdf(tmp_path / "in.pdf", "<p>Text.</p>")
    result = runner.invoke(
        app,
        [
            "redact",
            str(source),
            "--out",
            str(tmp_path / "o.pdf"),
            "--phrase",
            "a",
            "--phrase",
            "b",
            "--phrase",
            "c",
            "--label",
            "s31",
            "--label",
            "s40(2)",
        ],
    )
    assert result.exit_code == 2
    assert "2 labels for 3 rules" in result.output


def test_policy_commands(tmp_path: Path) -> None:
    db = str(tmp_path / "register.sqlite")
    added = runner.invoke(
        app,
        [
            "policy",
            "add",
            "domestic-abuse",
            "--number",
            "12.1",
            "--effective",
            "2024-04-01",
            "--owner",
            "Commander, Public Protection",
            "--amendments",
            "Minor amendments",
            "--title",
            "Domestic Abuse Policy",
            "--db",
            db,
        ],
    )
    assert added.exit_code == 0, added.output
    runner.invoke(
        app,
        [
            "policy",
            "add",
            "domestic-abuse",
            "--number",
            "9.1",
            "--effective",
            "2020-06-01",
            "--owner",
            "DCS",
            "--db",
            db,
        ],
    )
    history = runner.invoke(app, ["policy", "history", "domestic-abuse", "--db", db])
    assert history.output.splitlines() == [
        "9.1\t2020-06-01\tDCS\t(amendments not recorded)",
        "12.1\t2024-04-01\tCommander, Public Protection\tMinor amendments",
    ]
    listed = runner.invoke(app, ["policy", "list", "--db", db])
    assert "domestic-abuse\tDomestic Abuse Policy\t2 versions\tcurrent 12.1" in listed.output
    control = runner.invoke(
        app, ["policy", "version-control", "domestic-abuse", "--out", str(tmp_path), "--db", db]
    )
    assert control.exit_code == 0, control.output
    assert (tmp_path / "domestic-abuse-policy-version-control.pdf").stat().st_size > 1000
    missing = runner.invoke(app, ["policy", "history", "nope", "--db", db])
    assert missing.exit_code == 2 and "not registered" in missing.output


def test_a_file_that_is_not_a_pdf_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    source = tmp_path / "letter.pdf"
    source.write_text("not a PDF at all")
    out = tmp_path / "published" / "letter.pdf"
    result = runner.invoke(
        app, ["redact", str(source), "--out", str(out), "--phrase", "x", "--label", "s40(2)"]
    )
    assert result.exit_code == 2
    assert f"{source}: not a readable PDF" in result.output
    assert not out.parent.exists()


def test_inspect_reports_hidden_content_and_exits_one(tmp_path: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(tmp_path / "tables.xlsx"))
    book.add_worksheet("Table 1").write(0, 0, "Year")
    book.add_worksheet("Working").hide()
    book.close()

    result = runner.invoke(app, ["inspect", str(tmp_path / "tables.xlsx")])

    assert result.exit_code == 1
    assert "xl/worksheets/sheet2.xml\tWorking\thidden sheet\t0 cells with content" in result.output
    assert "1 findings" in result.output

"""Bad input gets one line naming the file and the problem, from the library and from `bulletsmith extract`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bulletsmith.cli import app  # registers every command, extract among them
from bulletsmith.documents import MAX_FILE_BYTES, DocumentError, load_document

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "sample-resume.md"
runner = CliRunner()


def _big(p: Path) -> None:
    with p.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # 50 MB, sparse: refused from its size, never read


BAD = [
    # (file name, how to make it, words the message must contain)
    ("resume.xyz", lambda p: p.write_text("- Built a model for labeling"), "unsupported file type '.xyz'"),
    ("resume", lambda p: p.write_text("- Built a model for labeling"), "unsupported file without an extension"),
    ("missing.md", None, "no such file"),
    ("folder.md", lambda p: p.mkdir(), "is a folder"),
    ("folder", lambda p: p.mkdir(), "is a folder, not a file"),  # no extension: still a folder first
    ("folder.xyz", lambda p: p.mkdir(), "is a folder, not a file"),
    ("missing", None, "no such file"),
    ("binary.md", lambda p: p.write_bytes(b"\x00\x01\x02\x03binary\x00" * 10), "binary data"),
    ("latin1.txt", lambda p: p.write_bytes("- Réduit les coûts de 30 %\n".encode("latin-1")), "not UTF-8"),
    ("zip.md", lambda p: p.write_bytes(b"PK\x03\x04rest-of-a-zip"), "ZIP or DOCX"),
    ("corrupt.docx", lambda p: p.write_bytes(b"this is not a zip file at all"), "not a valid .docx"),
    ("empty-zip.docx", lambda p: __import__("zipfile").ZipFile(p, "w").close(), "not a valid .docx"),
    ("corrupt.pdf", lambda p: p.write_bytes(b"%PDF-1.4\n1 0 obj garbage\n%%EOF"), "PDF"),
    ("notpdf.pdf", lambda p: p.write_text("hello"), "not a valid PDF"),
    ("corrupt.json", lambda p: p.write_text('{"work": [{"highlights": ["a",]}'), "not valid JSON (line 1"),
    ("list.json", lambda p: p.write_text('["Built a model"]'), "not a JSON Resume"),
    ("empty.json", lambda p: p.write_text(""), "is empty"),
    ("huge.md", _big, "too large (50 MB; the limit is 10 MB)"),
    ("nobullets.md", lambda p: p.write_text("# Alex\n\nJust a paragraph about me.\n"), "no bullets found"),
    ("skills-only.md", lambda p: p.write_text("## Skills\n\n- Python, SQL, Spark\n"), "no bullets found"),
    (
        "nobullets.json",
        lambda p: p.write_text('{"basics": {"name": "A"}, "work": [{"summary": "x"}]}'),
        "no bullets found",
    ),
    ("nobullets.tex", lambda p: p.write_text("\\begin{document}Hello\\end{document}"), "no bullets found"),
    ("nobullets.txt", lambda p: p.write_text("SAM LEE\nData scientist in Oakland.\n"), "no bullets found"),
    ("empty.md", lambda p: p.write_text(""), "empty.md: is empty"),
    ("blank.txt", lambda p: p.write_text(" \n\t\n\n"), "blank.txt: is empty (only whitespace)"),
    ("empty.pdf", lambda p: p.write_bytes(b""), "empty.pdf: is empty"),
]


def _make(tmp_path: Path, name: str, maker) -> Path:
    path = tmp_path / name
    if maker is not None:
        maker(path)
    return path


@pytest.mark.parametrize(("name", "maker", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_naming_the_file(tmp_path, name, maker, words):
    path = _make(tmp_path, name, maker)
    with pytest.raises(DocumentError) as e:
        load_document(path)
    message = str(e.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    assert words in message


@pytest.mark.parametrize(("name", "maker", "words"), BAD, ids=[b[0] for b in BAD])
def test_extract_bad_input_exits_2_without_traceback(tmp_path, name, maker, words):
    path = _make(tmp_path, name, maker)
    result = runner.invoke(app, ["extract", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"bulletsmith: error: {path}: ")
    assert words in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_size_limit_is_10_mb():
    assert MAX_FILE_BYTES == 10 * 1024 * 1024


def test_unknown_format_argument(tmp_path):
    with pytest.raises(DocumentError, match="unknown format 'rtf'"):
        load_document(SAMPLE, format="rtf")


# --- bulletsmith extract ----------------------------------------------------------------------------


def test_extract_json_shape():
    result = runner.invoke(app, ["extract", str(SAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"file", "format", "bullets"}
    assert data["file"] == str(SAMPLE) and data["format"] == "markdown"
    assert data["bullets"][0] == {"text": "Built a classification model for image labeling", "location": "line 15"}
    assert all(set(b) == {"text", "location"} for b in data["bullets"])
    assert len(data["bullets"]) == len(load_document(SAMPLE).bullets)


def test_extract_plain_is_location_tab_text():
    result = runner.invoke(app, ["extract", str(SAMPLE)])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "line 15\tBuilt a classification model for image labeling"
    assert all(line.count("\t") == 1 for line in lines)
    assert not any("Python, SQL" in line for line in lines)


def test_extract_pdf_says_output_is_markdown(tmp_path):
    from test_documents_generated import make_pdf

    path = make_pdf(tmp_path / "resume.pdf")
    result = runner.invoke(app, ["extract", str(path), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["format"] == "pdf"
    assert "Markdown" in result.stderr and "resume.bulletsmith.md" in result.stderr  # what rewrite writes


def test_extract_help_shows_examples():
    result = runner.invoke(app, ["extract", "--help"])
    assert result.exit_code == 0
    assert "bulletsmith extract resume.md" in result.stdout

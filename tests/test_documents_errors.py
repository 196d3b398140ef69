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


# --- the exact messages, and the limits at their edge -------------------------------------------

RESUME_JSON = json.dumps(
    {
        "basics": {"name": "Maya Okonkwo"},
        "work": [{"highlights": ["Cut local test-suite runtime by 35% by parallelizing integration fixtures"]}],
    }
)


def _error(path: Path, **kwargs) -> str:
    with pytest.raises(DocumentError) as e:
        load_document(path, **kwargs)
    message = str(e.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message.removeprefix(f"{path}: ")


def test_exact_messages_for_files_that_are_not_there_or_not_resumes(tmp_path):
    (tmp_path / "resume.md").mkdir()
    assert _error(tmp_path / "resume.md") == "is a folder, not a file"
    assert _error(tmp_path / "missing.md") == "no such file"
    (tmp_path / "resume.rtf").write_text("- Built a model for labeling")
    assert _error(tmp_path / "resume.rtf") == (
        "unsupported file type '.rtf'; use one of .md, .markdown, .txt, .text, .json, .tex, .docx, .pdf"
    )
    assert (
        _error(SAMPLE, format="rtf") == "unknown format 'rtf'; use one of markdown, text, jsonresume, latex, docx, pdf"
    )
    (tmp_path / "empty.md").write_bytes(b"")
    assert _error(tmp_path / "empty.md") == "is empty"
    (tmp_path / "bom-only.md").write_bytes(b"\xef\xbb\xbf\n")
    assert _error(tmp_path / "bom-only.md") == "is empty (only whitespace)"


def test_a_link_to_a_moved_resume_and_a_link_loop(tmp_path):
    (tmp_path / "resume.md").symlink_to(tmp_path / "moved-away.md")
    assert _error(tmp_path / "resume.md") == "no such file"
    (tmp_path / "a.md").symlink_to(tmp_path / "b.md")
    (tmp_path / "b.md").symlink_to(tmp_path / "a.md")
    assert _error(tmp_path / "a.md") == "cannot read (Too many levels of symbolic links)"


def test_read_bytes_refuses_a_folder(tmp_path):
    from bulletsmith.documents.base import read_bytes

    with pytest.raises(DocumentError) as e:
        read_bytes(tmp_path)
    assert str(e.value) == f"{tmp_path}: is a folder, not a file"


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        (
            "utf16-le.md",
            b"\xff\xfe" + "- Built a model for labeling\n".encode("utf-16-le"),
            "is UTF-16 text; save it as UTF-8",
        ),
        (
            "utf16-be.txt",
            b"\xfe\xff" + "- Built a model for labeling\n".encode("utf-16-be"),
            "is UTF-16 text; save it as UTF-8",
        ),
        ("nul.md", b"- Built a model\x00 for labeling\n", "looks like binary data, not text"),
        (
            "cp1252.md",
            b"\xef\xbb\xbf- Built the \x93smart\x94 labeling model\n",
            "is not UTF-8 text (byte 0x93 at offset 15); save it as UTF-8",
        ),
        ("png.md", b"\x89PNG\r\n\x1a\n", "looks like a PNG image, not text; check the file extension"),
    ],
    ids=["utf16-le", "utf16-be", "nul", "cp1252-after-a-bom", "png"],
)
def test_text_that_is_not_utf8(tmp_path, name, data, expected):
    (tmp_path / name).write_bytes(data)
    assert _error(tmp_path / name) == expected


def test_a_nul_byte_past_the_first_64_kb_is_not_taken_for_binary(tmp_path):
    """Binary files are told by a NUL in their first 64 kB; one stray NUL later is read as text."""
    head = b"# Maya Okonkwo\n\n## Experience\n\n- Built a classification model for image labeling\n\n"
    data = head + b"x" * (65536 - len(head)) + b"\x00\n"
    assert data.index(b"\x00") == 65536
    (tmp_path / "resume.md").write_bytes(data)
    assert [b.text for b in load_document(tmp_path / "resume.md").bullets] == [
        "Built a classification model for image labeling"
    ]


def test_a_json_resume_saved_with_a_byte_order_mark_reads_and_keeps_it(tmp_path):
    """Notepad saves UTF-8 with a BOM: json.loads alone would refuse the file."""
    path = tmp_path / "resume.json"
    path.write_bytes(b"\xef\xbb\xbf" + RESUME_JSON.encode())
    doc = load_document(path)
    assert [b.location for b in doc.bullets] == ["work[0].highlights[0]"]
    out = doc.render({"work[0].highlights[0]": "Cut test-suite runtime 35%"})
    assert out == b"\xef\xbb\xbf" + RESUME_JSON.replace(doc.bullets[0].text, "Cut test-suite runtime 35%").encode()


def test_size_limit_of_a_text_resume_at_its_edge(tmp_path):
    """A text format may have 1 MB (a JSON Resume padded with whitespace here), not a byte more."""
    from bulletsmith.limits import MAX_TEXT_BYTES

    path = tmp_path / "resume.json"
    path.write_text(RESUME_JSON + " " * (MAX_TEXT_BYTES - len(RESUME_JSON)))
    assert len(load_document(path).bullets) == 1
    path.write_text(RESUME_JSON + " " * (MAX_TEXT_BYTES + 200 * 1024 - len(RESUME_JSON)))
    assert _error(path) == "is too large for a jsonresume resume (1,224 kB; the limit is 1,024 kB)"
    md = tmp_path / "resume.md"
    md.write_text("# Alex\n\n- Built a model for labeling\n" + "x" * MAX_TEXT_BYTES)
    assert _error(md).startswith("is too large for a markdown resume (1,024 kB;")


@pytest.mark.parametrize(
    ("newline", "lines", "refused"),
    [
        ("\n", 20_000, False),
        ("\n", 20_001, True),
        ("\r\n", 12_000, False),
        ("\r\n", 20_001, True),
        ("\r", 20_001, True),
    ],
    ids=["lf-at-the-limit", "lf-over", "crlf-under", "crlf-over", "cr-over"],
)
def test_line_limit_counts_each_kind_of_line_break_once(tmp_path, newline, lines, refused):
    path = tmp_path / "resume.json"
    path.write_bytes((RESUME_JSON + newline * lines).encode())
    if refused:
        assert _error(path) == f"{lines:,} lines (at most 20,000); is this a resume?"
    else:
        assert len(load_document(path).bullets) == 1


def test_bullet_count_limit_at_its_edge(tmp_path, monkeypatch):
    """At most MAX_DOCUMENT_BULLETS (10,000; 3 here, so the test is quick) bullets, not one more."""
    import bulletsmith.documents

    monkeypatch.setattr(bulletsmith.documents, "MAX_DOCUMENT_BULLETS", 3)

    def resume(n: int) -> str:
        return json.dumps({"work": [{"highlights": [f"Built labeling pipeline number {i}" for i in range(n)]}]})

    path = tmp_path / "resume.json"
    path.write_text(resume(3))
    assert len(load_document(path).bullets) == 3
    path.write_text(resume(4))
    assert _error(path) == "4 bullets (at most 3); is this a resume?"


def test_bullet_length_limit_at_its_edge(tmp_path):
    """A 10,000-character item is still judged like any other (a skills list is no bullet); one
    character more and the file is refused, naming the item."""
    skills = ", ".join(f"Skill{i:04d}" for i in range(910))[:10_000].rstrip(", ")
    skills += "x" * (10_000 - len(skills))
    assert len(skills) == 10_000
    bullet = "Built a classification model for image labeling"
    path = tmp_path / "resume.md"
    path.write_text(f"# Alex\n\n## Experience\n\n- {skills}\n- {bullet}\n")
    assert [b.text for b in load_document(path).bullets] == [bullet]
    longest = ("Built a classification model for image labeling and " * 200)[:10_000]
    path.write_text(f"# Alex\n\n## Experience\n\n- {longest}\n- {bullet}\n")
    assert [len(b.text) for b in load_document(path).bullets] == [10_000, len(bullet)]
    long = ("Built a classification model for image labeling and " * 200)[:10_001]
    path.write_text(f"# Alex\n\n## Experience\n\n- {long}\n- {bullet}\n")
    assert _error(path) == (
        "line 5: the bullet is 10,001 characters long (at most 10,000); is it several bullets pasted as one, or not a resume?"
    )


# --- a bad replacement, and what a notebook shows --------------------------------------------------


def test_a_replacement_for_no_bullet_or_not_a_text_is_refused():
    doc = load_document(SAMPLE)
    with pytest.raises(KeyError) as e:
        doc.render({"line 99": "Built a classification model for image labeling"})
    assert e.value.args == ("line 99",)
    with pytest.raises(ValueError, match=r"^replacement for line 15 is int, not str$"):
        doc.render({"line 15": 42})
    with pytest.raises(ValueError, match=r"^replacement for line 15 is empty$"):
        doc.render({"line 15": " \n "})


def test_a_document_and_its_bullets_in_a_notebook():
    doc = load_document(SAMPLE)
    assert repr(doc) == f"<MarkdownDocument {str(SAMPLE)!r} format=markdown bullets={len(doc.bullets)}>"
    start, end = doc.source_range("line 15")
    assert doc.source[start:end] == "Built a classification model for image labeling"
    cell = "text-align:left;vertical-align:top;padding:2px 8px"
    two = type(doc.bullets)(doc.bullets[:1] + [doc.bullets[0].__class__("Cut costs <30%> & more", "line 40")])
    assert two._repr_html_() == (
        f'<table style="border-collapse:collapse"><thead><tr><th style="{cell}">location</th>'
        f'<th style="{cell}">bullet</th></tr></thead><tbody>'
        f'<tr><td style="{cell}">line 15</td><td style="{cell}">Built a classification model for image labeling</td></tr>'
        f'<tr><td style="{cell}">line 40</td><td style="{cell}">Cut costs &lt;30%&gt; &amp; more</td></tr>'
        "</tbody></table>"
    )


# --- which sections hold bullets -------------------------------------------------------------------


def test_a_company_heading_after_skills_at_the_same_level_holds_bullets(tmp_path):
    """A heading closes the one of its level above it: a job under "### Acme" is no skill."""
    path = tmp_path / "resume.md"
    path.write_text(
        "# Maya Okonkwo\n\n### Skills\n\n- Python and SQL for analytics work\n\n"
        "### Acme Robotics, Data Engineer\n\n- Built a classification model for image labeling\n"
    )
    assert [b.text for b in load_document(path).bullets] == ["Built a classification model for image labeling"]


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Programming Languages and Technical Skills", "excluded"),  # five section words
        ("Other Technical Skills and Programming Languages", None),  # six: a sentence, not a heading
        ("Relevant Coursework and Other Technical Skills Summary", None),
        ("", None),
    ],
)
def test_a_section_heading_has_at_most_five_words(heading, kind):
    from bulletsmith.documents.filters import section_kind

    assert section_kind(heading) == kind

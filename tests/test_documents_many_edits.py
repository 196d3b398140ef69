"""Every writer with many edits in one render: all bullets of a real file, a mix of changed and
unchanged, and (Hypothesis) any subset of bullets with any new texts.

What must hold, for every format: reading the new file back gives the new texts for exactly the
changed bullets and the old texts for the others, in the same order; and the new file is the
old one with each changed bullet's bytes replaced as a one-bullet render replaces them, every
other byte identical. (PDF is read-only: its render writes Markdown, checked the same way.)
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.paths import REPO, SHARED
from test_documents_generated import make_docx, make_pdf, paragraphs_c14n

from bulletsmith.documents import Document, load_document
from bulletsmith.documents.base import normalize_space

REAL = sorted((SHARED / "realdata" / "resumes").glob("*")) if (SHARED / "realdata" / "resumes").is_dir() else []
TEXT_FILES = [
    REPO / "examples" / "sample-resume.md",
    REPO / "tests" / "fixtures" / "documents" / "tricky.tex",
    *[p for p in REAL if p.suffix in (".tex", ".json")],
]


def _text_copy(tmp: Path) -> Path:
    """The Markdown example as a plain-text resume (the text format reads the same bullets)."""
    path = tmp / "sample-resume.txt"
    path.write_bytes((REPO / "examples" / "sample-resume.md").read_bytes())
    return path


def _reread(doc: Document, data: bytes, suffix: str | None = None) -> Document:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"again{suffix or doc.output_suffix}"
        path.write_bytes(data)
        return load_document(path)


def _spliced(original: bytes, singles: list[bytes]) -> bytes:
    """`original` with each one-bullet render's changed bytes put in: what all the edits at once must give."""
    regions = []
    for single in singles:
        limit = min(len(original), len(single))
        p = 0
        while p < limit and original[p] == single[p]:
            p += 1
        s = 0
        while s < limit - p and original[-1 - s] == single[-1 - s]:
            s += 1
        if p == len(original) == len(single):
            continue  # this edit changed nothing
        regions.append((p, len(original) - s, single[p : len(single) - s]))
    regions.sort()
    for (_, end, _), (start, _, _) in zip(regions, regions[1:]):
        assert end <= start, "two one-bullet renders changed the same bytes"
    out = original
    for start, end, new in reversed(regions):
        out = out[:start] + new + out[end:]
    return out


def check_many_edits(doc: Document, original: bytes, replacements: dict[str, str]) -> None:
    out = doc.render(replacements)
    singles = [doc.render({loc: text}) for loc, text in replacements.items()]
    assert out == _spliced(original, singles)
    again = _reread(doc, out)
    expected = [normalize_space(replacements.get(b.location, b.text)) for b in doc.bullets]
    assert [b.text for b in again.bullets] == expected


def new_text(i: int, text: str) -> str:
    return f"Rewrote bullet {i}: cut label errors 40% by {text.split(' ', 1)[0].lower()} checks"


# --------------------------------------------------------------------------- the text formats (real files)


@pytest.fixture(params=[*TEXT_FILES, "text"], ids=lambda p: p if isinstance(p, str) else p.name)
def text_doc(request, tmp_path):
    path = _text_copy(tmp_path) if request.param == "text" else request.param
    return load_document(path), path.read_bytes()


def test_the_real_files_cover_every_text_format():
    formats = {load_document(p).format for p in TEXT_FILES}
    assert {"markdown", "latex"} <= formats
    if REAL:
        assert {"jsonresume", "latex"} <= formats


def test_every_bullet_rewritten_in_one_render(text_doc):
    doc, original = text_doc
    assert len(doc.bullets) >= 5
    check_many_edits(doc, original, {b.location: new_text(i, b.text) for i, b in enumerate(doc.bullets)})


def test_a_mix_of_changed_unchanged_and_left_out(text_doc):
    doc, original = text_doc
    replacements = {}
    for i, b in enumerate(doc.bullets):
        if i % 3 == 0:
            replacements[b.location] = new_text(i, b.text)
        elif i % 3 == 1:
            replacements[b.location] = b.text  # given back as it was: its bytes stay
    check_many_edits(doc, original, replacements)


def test_two_changed_neighbours_both_land(text_doc):
    """The bug this file exists for: a writer that drops one of two changed bullets next to each other."""
    doc, original = text_doc
    first, second = doc.bullets[0], doc.bullets[1]
    out = _reread(doc, doc.render({first.location: "Rewrote the first one", second.location: "Rewrote the second one"}))
    assert [b.text for b in out.bullets[:2]] == ["Rewrote the first one", "Rewrote the second one"]
    assert [b.text for b in out.bullets[2:]] == [b.text for b in doc.bullets[2:]]


# Words a rewrite may hold, with the characters each format must escape (%, $, &, _, #, *, quotes…).
WORDS = st.sampled_from(
    [
        "Cut",
        "label",
        "errors",
        "40%",
        "$1.2M",
        "R&D",
        "p95",
        "under_score",
        "#1",
        "C++",
        "a*b",
        '"quoted"',
        "it's",
        "café",
        "—",
        "→",
        "x<y",
        "[draft]",
        "(v2)",
        "50/50",
        "~3x",
        "Kafka",
        "F1",
        "0.84",
        "2023–2024",
        "AT&T",
        "100%",
    ]
)
# Each new text reads as an achievement bullet, so reading the file back finds it again.
TEXTS = st.lists(WORDS, min_size=1, max_size=14).map(lambda words: "Built the pipeline that moved " + " ".join(words))


@st.composite
def edits(draw, doc: Document) -> dict[str, str]:
    chosen = draw(st.sets(st.sampled_from([b.location for b in doc.bullets]), max_size=len(doc.bullets)))
    return {loc: draw(TEXTS) for loc in sorted(chosen)}


@pytest.mark.parametrize("path", [*TEXT_FILES, "text"], ids=lambda p: p if isinstance(p, str) else p.name)
def test_any_subset_changed_changes_exactly_those_bytes(path, tmp_path_factory):
    path = _text_copy(tmp_path_factory.mktemp("text")) if path == "text" else path
    doc, original = load_document(path), path.read_bytes()

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(edits(doc))
    def prop(replacements):
        check_many_edits(doc, original, replacements)
        if not replacements:
            assert doc.render(replacements) == original

    prop()


# --------------------------------------------------------------------------- DOCX: paragraphs, and the other parts


def _docx_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist() if name != "word/document.xml"}


def check_docx(doc: Document, original: bytes, replacements: dict[str, str]) -> None:
    out = doc.render(replacements)
    assert _docx_parts(out) == _docx_parts(original)
    paragraphs, before = paragraphs_c14n(out), paragraphs_c14n(original)
    assert len(paragraphs) == len(before)
    changed = doc.changed(replacements)
    for loc in changed:  # each changed paragraph is what a one-bullet render makes of it
        n = int(loc.split()[-1]) - 1
        assert paragraphs[n] == paragraphs_c14n(doc.render({loc: replacements[loc]}))[n]
    changed_numbers = {int(loc.split()[-1]) - 1 for loc in changed}
    assert [p for i, p in enumerate(paragraphs) if i not in changed_numbers] == [
        p for i, p in enumerate(before) if i not in changed_numbers
    ]
    again = _reread(doc, out)
    assert [b.text for b in again.bullets] == [
        normalize_space(replacements.get(b.location, b.text)) for b in doc.bullets
    ]


@pytest.fixture(scope="module")
def docx_doc(tmp_path_factory):
    path = make_docx(tmp_path_factory.mktemp("docx") / "resume.docx")
    return load_document(path), path.read_bytes()


def test_docx_every_bullet_rewritten_in_one_render(docx_doc):
    doc, original = docx_doc
    check_docx(doc, original, {b.location: new_text(i, b.text) for i, b in enumerate(doc.bullets)})


def test_docx_a_mix_of_changed_and_unchanged(docx_doc):
    doc, original = docx_doc
    check_docx(doc, original, {b.location: new_text(i, b.text) if i % 2 else b.text for i, b in enumerate(doc.bullets)})


def test_docx_any_subset_changed(docx_doc):
    doc, original = docx_doc

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(edits(doc))
    def prop(replacements):
        check_docx(doc, original, replacements)

    prop()


# --------------------------------------------------------------------------- PDF: its render is Markdown


@pytest.fixture(scope="module")
def pdf_doc(tmp_path_factory):
    path = make_pdf(tmp_path_factory.mktemp("pdf") / "resume.pdf", pages=2)
    doc = load_document(path)
    return doc, doc.render({})


def test_pdf_every_bullet_rewritten_in_one_markdown(pdf_doc):
    doc, unchanged = pdf_doc
    assert doc.output_suffix == ".md" and len(doc.bullets) >= 6
    check_many_edits(doc, unchanged, {b.location: new_text(i, b.text) for i, b in enumerate(doc.bullets)})


def test_pdf_any_subset_changed(pdf_doc):
    doc, unchanged = pdf_doc

    @settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(edits(doc))
    def prop(replacements):
        check_many_edits(doc, unchanged, replacements)

    prop()


# --- a wrapped bullet, rewritten: laid out like the original, every other byte kept -------------

WRAPPED = (
    "- Redesigned the labeling taxonomy for pedestrian edge cases after mislabels{nl}"
    "  leaked into training, raising annotator agreement from 0.68 to 0.84{nl}"
    "- Worked on the AV data pipeline"
)
NEW_WRAPPED = (
    "Redesigned the state-of-the-art labeling taxonomy for pedestrian edge-cases documented at "
    "https://wiki.example.com/labeling/taxonomy/pedestrian-edge-cases-2023/decisions-and-examples "
    "raising agreement from 0.68 to 0.84"
)
# Wrapped at the original's widest line (76), never inside a word: not at a hyphen, not in the URL.
NEW_WRAPPED_SOURCE = (
    "Redesigned the state-of-the-art labeling taxonomy for pedestrian{nl}"
    "  edge-cases documented at{nl}"
    "  https://wiki.example.com/labeling/taxonomy/pedestrian-edge-cases-2023/decisions-and-examples{nl}"
    "  raising agreement from 0.68 to 0.84"
)


@pytest.mark.parametrize("suffix", [".md", ".txt"])
@pytest.mark.parametrize("nl", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
@pytest.mark.parametrize(
    "head", ["{nl}", "# Maya Okonkwo{nl}{nl}## Experience{nl}{nl}"], ids=["after-a-blank-first-line", "under-headings"]
)
def test_a_wrapped_bullet_is_rewrapped_like_the_original(tmp_path, suffix, nl, head):
    original = (head + WRAPPED).format(nl=nl)
    path = tmp_path / f"resume{suffix}"
    path.write_bytes(original.encode())
    doc = load_document(path)
    first = doc.bullets[0]
    out = doc.render({first.location: NEW_WRAPPED}).decode()
    old_source = doc.source[slice(*doc.source_range(first.location))]
    assert old_source.startswith("Redesigned") and old_source.endswith("0.84")
    assert out == original.replace(old_source, NEW_WRAPPED_SOURCE.format(nl=nl))
    path.write_bytes(out.encode())
    assert [b.text for b in load_document(path).bullets] == [NEW_WRAPPED, "Worked on the AV data pipeline"]


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_a_wrapped_last_bullet_without_a_final_newline(tmp_path, suffix):
    original = "## Experience\n\n- Worked on the AV data pipeline\n" + WRAPPED.format(nl="\n").rsplit("\n", 1)[0]
    path = tmp_path / f"resume{suffix}"
    path.write_bytes(original.encode())
    doc = load_document(path)
    assert [b.location for b in doc.bullets] == ["line 3", "line 4"]
    out = doc.render({"line 4": NEW_WRAPPED}).decode()
    assert out == original.split("- Redesigned")[0] + "- " + NEW_WRAPPED_SOURCE.format(nl="\n")


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_a_list_pasted_without_a_heading_starts_at_line_1(tmp_path, suffix):
    path = tmp_path / f"bullets{suffix}"
    path.write_text("- Built a classification model for image labeling\n- Worked on the AV data pipeline\n")
    assert [b.location for b in load_document(path).bullets] == ["line 1", "line 2"]


def test_markup_is_carried_onto_the_whole_word_not_into_a_longer_one(tmp_path):
    """`Spark` goes around Spark, not into PySpark or SparkSQL; a one-letter `R` is found too; **OS**
    is not the OS of iOS."""
    path = tmp_path / "resume.md"
    original = (
        "## Experience\n\n- Moved the nightly jobs to `Spark`\n- Built churn dashboards in `R` and Shiny\n"
        "- Ported the sync engine to the **OS** update flow\n"
    )
    path.write_text(original)
    doc = load_document(path)
    new = {
        "line 3": "Moved the PySpark jobs to Spark 3 with SparkSQL views, cutting runtime 40%",
        "line 4": "Rebuilt the churn dashboards in R and Shiny for 12 teams",
        "line 5": "iOS sync engine moved to the OS update flow, reaching 2M devices",
    }
    assert doc.render(new).decode() == (
        "## Experience\n\n- Moved the PySpark jobs to `Spark` 3 with SparkSQL views, cutting runtime 40%\n"
        "- Rebuilt the churn dashboards in `R` and Shiny for 12 teams\n"
        "- iOS sync engine moved to the **OS** update flow, reaching 2M devices\n"
    )
    assert doc.dropped_markup(new) == {}


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_a_new_text_with_a_control_character_is_kept_whole_on_one_line(tmp_path, suffix):
    """The wrapper marks its own glue and reserved room with \\x00 and \\x01: a text pasted with one
    of them (from a PDF, say) is written as it is, unwrapped, rather than mixed up with those."""
    path = tmp_path / f"resume{suffix}"
    path.write_text(WRAPPED.format(nl="\n") + "\n")
    doc = load_document(path)
    new = "Redesigned the labeling taxonomy for pedestrian edge cases after mislabels leaked into training \x01"
    assert doc.render({"line 1": new}).decode() == f"- {new}\n- Worked on the AV data pipeline\n"


def test_two_marks_side_by_side_are_both_carried(tmp_path):
    """**40%** ends where _(from 300 ms)_ starts: touching is no overlap."""
    path = tmp_path / "resume.md"
    path.write_text(
        "## Experience\n\n- Cut p99 latency by **40%**_(from 300 ms)_ on the search API\n"
        "- Wrote the [labelkit](https://github.com/maya/labelkit)**(v2)** migration guide for 12 teams\n"
    )
    doc = load_document(path)
    new = {
        "line 3": "Cut search API p99 latency by 40%(from 300 ms) in one quarter",
        "line 4": "Wrote the labelkit(v2) migration guide, adopted by 12 teams",
    }
    assert doc.render(new).decode() == (
        "## Experience\n\n- Cut search API p99 latency by **40%**_(from 300 ms)_ in one quarter\n"
        "- Wrote the [labelkit](https://github.com/maya/labelkit)**(v2)** migration guide, adopted by 12 teams\n"
    )
    assert doc.dropped_markup(new) == {}


@pytest.mark.parametrize("suffix", [".md", ".txt"])
def test_a_line_never_ends_with_a_backslash(tmp_path, suffix):
    """A backslash at the end of a Markdown line is a hard line break: the word after it stays with it."""
    path = tmp_path / f"resume{suffix}"
    path.write_text(WRAPPED.format(nl="\n") + "\n")
    doc = load_document(path)
    new = "Moved the nightly labeling exports off the shared Windows drive at D:\\ onto S3, cutting export time 90%"
    assert doc.render({"line 1": new}).decode() == (
        "- Moved the nightly labeling exports off the shared Windows drive at\n"
        "  D:\\ onto S3, cutting export time 90%\n- Worked on the AV data pipeline\n"
    )

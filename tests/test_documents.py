"""The document layer on real resumes and on small hand-written ones: what counts as a bullet,
where it is, and that writing back changes the changed bullet and not one byte more.

The real resumes live in ../shared/realdata/resumes (CI lays shared/ beside the clone). Their
expected counts were made by reading each file: achievement bullets only, no skills lists,
coursework, education lines, contact lines or commented-out items.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.paths import shared_path

from bulletsmith.documents import SUPPORTED_SUFFIXES, Bullet, DocumentError, load_document
from bulletsmith.documents.filters import is_achievement, section_kind
from bulletsmith.documents.latex_text import latex_to_text, text_to_latex

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "examples" / "sample-resume.md"


def real(name: str) -> Path:
    return shared_path("realdata", "resumes", name)


# name -> (format, count, a few (location, text start) pairs that must be found)
REAL = {
    "jakegut_resume.tex": ("latex", 20, [
        ("line 142", "Developed a REST API using FastAPI and PostgreSQL"),
        ("line 170", "Explored methods to generate video game dungeons based off of The Legend of Zelda"),
        ("line 198", "Collaborated with Minecraft server administrators"),
    ]),
    "sb2nov_sourabh-bajaj_resume.tex": ("latex", 19, [
        # \resumeItem{Label}<newline>{Text}: the bullet is the text, and its line is the text's (122), not the label's
        ("line 122", "TensorFlow is an open source software library"),
        ("line 176", "Research on machine learning for portfolio hedging and replication algorithms. Modeling low-risk & continuous-return"),
        ("line 194", "Book that gives step-by-step instructions"),  # \resumeSubItem{..}{..}
    ]),
    "awesome-cv_byungjin-park_resume.tex": ("latex", 30, [
        ("line 140", "Led service mesh technology research"),
        ("line 153", "Everything that matters."),
        ("line 157", "Saved over 30% of the overall AWS costs"),
        ("line 244", "Implemented overall Android application logic"),
    ]),
    "opensorceror_harsh-gadgil_ml-data-engineer.tex": ("latex", 13, [
        ("line 83", "Focused on developing machine learning models"),
        ("line 101", "In a team of 2, raised $8,000 in funding"),
        ("line 128", "Primarily developed test automation libraries using Java and C#, scripts"),
        ("line 152", "Prepared a longitudinal dataset"),
    ]),
    "jsonresume_sample.resume.json": ("jsonresume", 7, [
        ("work[0].highlights[2]", "Optimized an algorithm that holds the current world record"),
        ("volunteer[0].highlights[0]", "Awarded 'Teacher of the Month'"),
        ("projects[0].highlights[0]", "Won award at AIHacks 2016"),
    ]),
    "jsonresume-org_new-grad.resume.json": ("jsonresume", 10, [
        ("work[0].highlights[1]", "Cut local test-suite runtime by 35%"),
        ("projects[1].highlights[0]", "Open-sourced with 120+ GitHub stars"),
    ]),
    "jsonresume-org_career-changer.resume.json": ("jsonresume", 11, [
        ("work[1].highlights[0]", "Grew annual revenue 28% over three years"),
        ("volunteer[1].highlights[0]", "Ran weekly Excel workshops for groups of 8-10 learners"),  # an inline array
    ]),
    "jsonresume-org_senior-engineer.resume.json": ("jsonresume", 11, [
        ("work[0].highlights[2]", "Cut p99 produce latency 40%"),
        ("projects[0].highlights[1]", "Includes a fault-injection harness"),
    ]),
}  # fmt: skip

# Things in the real files that look like items but are not achievement bullets.
NOT_BULLETS = {
    "jakegut_resume.tex": ["Languages", "Frameworks", "Southwestern University", "Apache Beam"],
    "sb2nov_sourabh-bajaj_resume.tex": ["Georgia Institute of Technology", "Scala, Python"],
    "awesome-cv_byungjin-park_resume.tex": ["Chun Shin-Il Scholarship", "DEFCON", "Seasoned SRE"],
    "opensorceror_harsh-gadgil_ml-data-engineer.tex": ["Projects: SMS spam detection", "Tools: R, Python"],
    "jsonresume_sample.resume.json": ["Pied Piper is a multi-platform", "Richard hails from Tulsa"],
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_resume_bullet_count(name):
    fmt, count, _ = REAL[name]
    doc = load_document(real(name))
    assert doc.format == fmt
    assert len(doc.bullets) == count, "\n".join(f"{b.location}: {b.text}" for b in doc.bullets)
    assert len({b.location for b in doc.bullets}) == count  # locations are unique


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_resume_known_bullets_and_locations(name):
    _, _, expected = REAL[name]
    by_location = {b.location: b.text for b in load_document(real(name)).bullets}
    for location, start in expected:
        assert location in by_location, sorted(by_location)
        assert by_location[location].startswith(start), by_location[location]


@pytest.mark.parametrize("name", sorted(NOT_BULLETS))
def test_real_resume_non_bullets_are_left_out(name):
    texts = [b.text for b in load_document(real(name)).bullets]
    for fragment in NOT_BULLETS[name]:
        assert not any(t.startswith(fragment) or fragment in t[:40] for t in texts), fragment


def test_latex_bullet_text_is_plain():
    texts = {b.location: b.text for b in load_document(real("opensorceror_harsh-gadgil_ml-data-engineer.tex")).bullets}
    assert texts["line 102"].startswith("In a team of 3, built hybrid mobile & web apps")  # \&
    assert "Microsoft Dynamics CRM. Earned monetary award & client appreciation." in texts["line 129"]  # \href
    assert "save $4K annually" in texts["line 130"]  # \$
    for text in texts.values():
        assert "\\" not in text and "{" not in text and "$" not in text.replace("$8,000", "").replace("$4K", "")


# --- writing back -----------------------------------------------------------------------------

# A new text with the characters each format must escape: Markdown markup, LaTeX specials, JSON quotes.
TRICKY = 'Cut p99 latency 40% & saved $1.2k — "fast" *path* [v2] under_score {x} #1 ~50 C++ 0.68 -> 0.84 \\o/'

ALL_FILES = [*sorted(REAL), "sample"]


def path_of(name: str) -> Path:
    return SAMPLE if name == "sample" else real(name)


@pytest.mark.parametrize("name", ALL_FILES)
def test_writing_every_bullet_back_unchanged_is_byte_identical(name):
    path = path_of(name)
    doc = load_document(path)
    assert doc.render({b.location: b.text for b in doc.bullets}) == path.read_bytes()
    assert doc.render({}) == path.read_bytes()


def _changed_region(old: bytes, new: bytes) -> tuple[int, int]:
    """The range of ``old`` that differs from ``new`` (common prefix and suffix removed)."""
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    return p, len(old) - s


@pytest.mark.parametrize("name", ALL_FILES)
def test_replacing_one_bullet_changes_only_that_bullet(name, tmp_path):
    path = path_of(name)
    doc = load_document(path)
    original = path.read_bytes()
    for index in (0, len(doc.bullets) // 2, len(doc.bullets) - 1):
        target = doc.bullets[index]
        out = doc.render({target.location: TRICKY})
        # Read back: that bullet says the new text, every other bullet is as it was.
        copy = tmp_path / path.name
        copy.write_bytes(out)
        again = [b.text for b in load_document(copy).bullets]
        expected = [b.text for b in doc.bullets]
        expected[index] = TRICKY
        assert again == expected
        # Bytes: only the region of this bullet's source changed.
        start, end = _changed_region(original, out)
        if doc.format == "jsonresume":
            token = json.dumps(target.text, ensure_ascii=False).encode()
            token_at = original.find(token)
            assert original.count(token) == 1 and token_at <= start and end <= token_at + len(token)
            resume = json.loads(original)
            section, rest = target.location.split("[", 1)
            i = int(rest.split("]")[0])
            j = int(target.location.rsplit("[", 1)[1].rstrip("]"))
            resume[section][i]["highlights"][j] = TRICKY
            assert json.loads(out) == resume
        else:
            lines = original.splitlines(keepends=True)
            first_line = int(target.location.split()[1])
            next_line = (
                int(doc.bullets[index + 1].location.split()[1]) if index + 1 < len(doc.bullets) else len(lines) + 1
            )
            region_start = sum(len(line) for line in lines[: first_line - 1])
            region_end = sum(len(line) for line in lines[: next_line - 1])
            assert region_start <= start and end <= region_end, (start, end, region_start, region_end)


def test_json_resume_keeps_its_formatting(tmp_path):
    """Prettier-style inline arrays, key order and indentation survive a rewrite."""
    path = real("jsonresume-org_career-changer.resume.json")
    doc = load_document(path)
    out = doc.render({"volunteer[1].highlights[0]": "Ran 40 weekly Excel workshops"}).decode()
    assert '"highlights": ["Ran 40 weekly Excel workshops"]' in out
    assert '"keywords": ["SQL", "Python", "pandas", "dbt", "Excel"]' in out
    assert (
        out.replace("Ran 40 weekly Excel workshops", "Ran weekly Excel workshops for groups of 8-10 learners")
        == path.read_text()
    )


@pytest.mark.parametrize(
    ("name", "location", "new", "expected_source"),
    [
        ("jakegut_resume.tex", "line 172", "Contributed 50K+ lines & cut build time 30%",
         r"\resumeItem{Contributed 50K+ lines \& cut build time 30\%}"),
        ("sb2nov_sourabh-bajaj_resume.tex", "line 122", "Sped up TPU training 2x for 100% of models",
         "\\resumeItem{TensorFlow}\n          {Sped up TPU training 2x for 100\\% of models}"),
        ("awesome-cv_byungjin-park_resume.tex", "line 153", "Saved $2M — 30% of AWS spend",
         r"\item {Saved \$2M --- 30\% of AWS spend}"),
        ("opensorceror_harsh-gadgil_ml-data-engineer.tex", "line 90", "Interviewed 40+ candidates_x",
         r"\item Interviewed 40+ candidates\_x"),
        ("jakegut_resume.tex", "line 172", "Cut CI time to ~3 minutes", r"\resumeItem{Cut CI time to $\sim$3 minutes}"),
    ],
)  # fmt: skip
def test_latex_write_back_escapes_and_keeps_the_macro(name, location, new, expected_source):
    out = load_document(real(name)).render({location: new}).decode()
    assert expected_source in out


TRICKY_TEX = REPO / "tests" / "fixtures" / "documents" / "tricky.tex"


def test_latex_items_macros_headings_and_hidden_code():
    """Heading macros and \\item headings (\\hfill dates) are not bullets; commented, \\iffalse'd and
    comment-environment items are not there; nested lists and bullet macros defined in the file are."""
    assert load_document(TRICKY_TEX).bullets == [
        Bullet("Built a classification model for image labeling", "line 11"),
        Bullet("Raised annotator agreement from 0.68 to 0.84 across 3M frames (a wrapped item)", "line 12"),
        Bullet("Cut the relabel rate by 60% with consensus checks", "line 15"),
        Bullet("Labeled 40k AV frames with a new taxonomy", "line 16"),
        Bullet("Parent item about the gold questions", "line 17"),
        Bullet("Nested item in an enumerate list", "line 19"),
        Bullet("Wrote labelcheck, a library for label errors", "line 30"),
    ]


def test_a_labelled_resume_item_is_located_at_its_text(tmp_path):
    """sb2nov's \\resumeItem{Label}{Text}: the bullet is the text, and its line is where the text starts."""
    path = tmp_path / "resume.tex"
    path.write_text(
        "\\section{Experience}\n"
        "\\resumeItem{TensorFlow}\n"
        "  {Sped up TPU training 2x for 100 models}\n"  # line 3: the text under its label
        "\\resumeItem{Beam}{Built batch and streaming pipelines for 40 teams}\n"  # line 4: both on one line
    )
    assert load_document(path).bullets == [
        Bullet("Sped up TPU training 2x for 100 models", "line 3"),
        Bullet("Built batch and streaming pipelines for 40 teams", "line 4"),
    ]


def test_latex_write_back_keeps_comments_labels_and_line_breaks_around_the_item():
    source = TRICKY_TEX.read_text()
    out = (
        load_document(TRICKY_TEX)
        .render(
            {"line 11": "[v2] model & more", "line 12": "Raised agreement to 0.84", "line 16": "Labeled 50k frames"}
        )
        .decode()
    )
    assert "\\item {[}v2] model \\& more % a comment that stays\n" in out
    assert "\\item[--] Raised agreement to 0.84\n    \\item \\textbf{Acme Labs}" in out
    assert "\\achievement{Labeled 50k frames}" in out
    assert out.count("\n") == source.count("\n") - 1  # the wrapped item now takes one line


def test_unknown_location_is_a_key_error():
    doc = load_document(SAMPLE)
    with pytest.raises(KeyError):
        doc.render({"line 9999": "x y z"})


def test_empty_replacement_is_refused():
    doc = load_document(SAMPLE)
    with pytest.raises(ValueError, match="empty"):
        doc.render({doc.bullets[0].location: "   "})


# --- LaTeX escapes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"50\% faster \& cheaper", "50% faster & cheaper"),
        (r"raised \$8,000 for C\# tools", "raised $8,000 for C# tools"),
        (r"Aug 2018 -- May 2021 --- done", "Aug 2018 – May 2021 — done"),
        (r"\textbf{Gitlytics} $|$ \emph{Python}", "Gitlytics | Python"),
        (r"\href{https://x.io}{Microsoft Dynamics CRM}", "Microsoft Dynamics CRM"),
        (r"``quoted'' text", "“quoted” text"),
        (r"cut latency $\sim$40\% $\times$ 3", "cut latency ~40% × 3"),
        (r"snake\_case and \{braces\}", "snake_case and {braces}"),
        (r"\'ecole na\"{\i}ve", "école naïve"),
        (r"Tools: R \vspace{2mm}", "Tools: R"),
        (r"user’s repositories", "user’s repositories"),
        (r"caf\é au lait", "café au lait"),  # a non-ASCII letter after "\" is a control symbol
    ],
)
def test_latex_to_text(latex, text):
    assert latex_to_text(latex) == text


@pytest.mark.parametrize(
    "text",
    [
        "50% faster & cheaper",
        "Saved $1.2M (30%) on #infra_costs with {templating}",
        "A--B and C---D, ''quotes'' and `ticks`",
        "agreement 0.68 -> 0.84, p99 < 200ms, ≥ 3× faster, ~5K, x^2, a|b, back\\slash",
        "[bracket] first",
        "“curly” ‘single’ – en — em … • ≈ → ≤ ± ·",
        "- leading hyphen and trailing --",
    ],
)
def test_latex_escape_round_trip(text):
    assert latex_to_text(text_to_latex(text)) == text


def test_latex_escape_of_the_classic():
    assert text_to_latex("50% faster & cheaper") == r"50\% faster \& cheaper"


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        # "~3 hours" means about 3 hours: a math tilde, not the raised \textasciitilde
        ("Cut the nightly run to ~3 hours", r"Cut the nightly run to $\sim$3 hours"),
        ("~40% fewer relabels", r"$\sim$40\% fewer relabels"),
        # anywhere else a tilde is a tilde
        ("Moved ~/data to S3, a ~ b", r"Moved \textasciitilde{}/data to S3, a \textasciitilde{} b"),
    ],
)
def test_a_tilde_before_a_number_means_about(text, latex):
    assert text_to_latex(text) == latex
    assert latex_to_text(latex) == text


# --- Markdown and plain text ----------------------------------------------------------------------

MARKDOWN = """\
# Sam Lee
sam@example.com | github.com/samlee

## Experience

### Data Scientist, Acme (2021–2024)

- Built a **classification** model for
  image labeling with `PyTorch`
* Cleaned the [feedback](https://x.io) data for the LLM team
+ Deduplicated 2.4M prompts with MinHash
1. Cut relabel rate from 11% to 4%
2) Raised agreement from 0.68 to 0.84

• Glyph bullet written with a bullet character
  and wrapped onto a second line
• Second glyph bullet in the same paragraph

- Parent item about the annotation queue
  - Nested item about the gold questions

```
- not a bullet: inside a code block
```

**Skills**

- Python, SQL, Spark, Airflow, dbt

## Education

- M.S. Statistics, University of Washington
"""


def test_markdown_list_items_of_every_kind(tmp_path):
    path = tmp_path / "resume.md"
    path.write_text(MARKDOWN)
    doc = load_document(path)
    assert doc.format == "markdown" and doc.writable and doc.output_suffix == ".md"
    assert doc.bullets == [
        Bullet("Built a classification model for image labeling with PyTorch", "line 8"),
        Bullet("Cleaned the feedback data for the LLM team", "line 10"),
        Bullet("Deduplicated 2.4M prompts with MinHash", "line 11"),
        Bullet("Cut relabel rate from 11% to 4%", "line 12"),
        Bullet("Raised agreement from 0.68 to 0.84", "line 13"),
        Bullet("Glyph bullet written with a bullet character and wrapped onto a second line", "line 15"),
        Bullet("Second glyph bullet in the same paragraph", "line 17"),
        Bullet("Parent item about the annotation queue", "line 19"),
        Bullet("Nested item about the gold questions", "line 20"),
    ]


def test_markdown_job_lines_over_sub_bullets_are_headings(tmp_path):
    path = tmp_path / "resume.md"
    path.write_text(
        "## Experience\n"
        "- **Data Scientist**, Acme\n"
        "  - Built a labeling pipeline for LLM data\n"
        "- Data Scientist at Beta Corp, 2019 – Present\n"
        "  - Cleaned feedback data for reward models\n"
        "- Grew revenue 28% from 2018 to 2021\n"
    )
    assert [b.text for b in load_document(path).bullets] == [
        "Built a labeling pipeline for LLM data",
        "Cleaned feedback data for reward models",
        "Grew revenue 28% from 2018 to 2021",
    ]


def test_markdown_wrapped_item_replaced_by_a_short_text_takes_one_line(tmp_path):
    path = tmp_path / "resume.md"
    path.write_text(MARKDOWN)
    out = load_document(path).render({"line 8": "Built an image-labeling classifier", "line 15": "New glyph text here"})
    lines = out.decode().splitlines()
    assert lines[7] == "- Built an image-labeling classifier"
    assert lines[8] == "* Cleaned the [feedback](https://x.io) data for the LLM team"
    assert lines[13] == "• New glyph text here"
    assert lines[14] == "• Second glyph bullet in the same paragraph"


# --- wrapped bullets keep their wrapping ----------------------------------------------------------

LONGER = (
    "Redesigned the labeling taxonomy for pedestrian edge cases, raising annotator agreement "
    "from 0.68 to 0.84 across 3M lidar frames"
)


def test_wrapped_markdown_bullet_is_rewrapped_at_the_same_width_and_indent(tmp_path):
    path = tmp_path / "resume.md"
    path.write_text(
        "## Experience\n"
        "\n"
        "- Built a classification model for image labeling\n"  # 49 characters: the widest line
        "  with PyTorch\n"
        "- Cleaned the feedback data\n"
    )
    out = load_document(path).render({"line 3": LONGER}).decode()
    assert out == (
        "## Experience\n"
        "\n"
        "- Redesigned the labeling taxonomy for pedestrian\n"  # 49
        "  edge cases, raising annotator agreement from\n"  # "0.68" would make 51
        "  0.68 to 0.84 across 3M lidar frames\n"
        "- Cleaned the feedback data\n"
    )


def test_one_line_bullet_stays_on_one_line_however_long(tmp_path):
    path = tmp_path / "resume.md"
    path.write_text("## Experience\n\n- Built a model\n- Cleaned the feedback data\n")
    out = load_document(path).render({"line 3": LONGER}).decode()
    assert out == f"## Experience\n\n- {LONGER}\n- Cleaned the feedback data\n"


def test_wrapped_nested_and_quoted_markdown_bullets_keep_their_continuation_indent(tmp_path):
    path = tmp_path / "resume.md"
    path.write_text(
        "## Experience\n"
        "\n"
        "- Led the annotation team\n"
        "  - Nested item about the gold questions that\n"  # 45 wide
        "    wraps onto a second line\n"
        "\n"
        "> • Quoted glyph bullet that wraps over\n"  # 38 wide
        ">   two lines of the quote\n"
    )
    doc = load_document(path)
    out = doc.render({"line 4": LONGER, "line 7": LONGER}).decode()
    assert out == (
        "## Experience\n"
        "\n"
        "- Led the annotation team\n"
        "  - Redesigned the labeling taxonomy for\n"
        "    pedestrian edge cases, raising annotator\n"
        "    agreement from 0.68 to 0.84 across 3M\n"
        "    lidar frames\n"
        "\n"
        "> • Redesigned the labeling taxonomy\n"
        ">   for pedestrian edge cases, raising\n"
        ">   annotator agreement from 0.68 to\n"
        ">   0.84 across 3M lidar frames\n"
    )
    again = tmp_path / "again.md"
    again.write_text(out)
    assert [b.text for b in load_document(again).bullets] == ["Led the annotation team", LONGER, LONGER]


@pytest.mark.parametrize("word", ["- a dash", "# not a heading", "1. not a list", "> not a quote", "=====", "• glyph"])
def test_a_wrapped_line_never_starts_with_markup(tmp_path, word):
    """A word that would read as a list marker, heading, quote or underline at the start of a line
    stays on the line before, wherever the break falls."""
    path = tmp_path / "resume.md"
    path.write_text("## Experience\n\n- Built a model for\n  image labeling\n")  # width 18
    doc = load_document(path)
    for n in range(1, 6):
        new = " ".join(["Cut cost"] + ["x" * n] * 3 + [word, "in the pipeline"])
        out = tmp_path / "out.md"
        out.write_bytes(doc.render({"line 3": new}))
        assert [b.text for b in load_document(out).bullets] == [new], out.read_text()
        assert len(out.read_text().splitlines()) > 3  # it was wrapped


def test_wrapped_plain_text_bullet_keeps_width_indent_and_crlf(tmp_path):
    path = tmp_path / "resume.txt"
    path.write_bytes(
        b"EXPERIENCE\r\n"
        b"  * Built a classification model for image labeling\r\n"
        b"      with a wrapped continuation line\r\n"
        b"  * Cleaned the feedback data\r\n"
    )
    out = load_document(path).render({"line 2": LONGER})
    assert out == (
        b"EXPERIENCE\r\n"
        b"  * Redesigned the labeling taxonomy for pedestrian\r\n"  # 51, as wide as the original
        b"      edge cases, raising annotator agreement from\r\n"
        b"      0.68 to 0.84 across 3M lidar frames\r\n"
        b"  * Cleaned the feedback data\r\n"
    )


def test_wrapped_latex_item_keeps_width_and_continuation_indent():
    out = load_document(TRICKY_TEX).render({"line 12": LONGER + " & 30% cheaper"}).decode()
    assert (  # the original's widest line is "    \\item[--] Raised annotator agreement from 0.68 to 0.84": 56
        "    \\item[--] Redesigned the labeling taxonomy for\n"
        "      pedestrian edge cases, raising annotator agreement\n"
        "      from 0.68 to 0.84 across 3M lidar frames \\& 30\\%\n"
        "      cheaper\n"
        "    \\item \\textbf{Acme Labs}"
    ) in out


def test_wrapped_latex_macro_argument_keeps_room_for_what_follows_it(tmp_path):
    path = tmp_path / "resume.tex"
    path.write_text(
        "\\begin{document}\n\\section{Experience}\n\\begin{itemize}\n"
        "  \\resumeItem{Built a classification model for image labeling with\n"
        "    a wrapped line inside the braces} % a note\n"
        "\\end{itemize}\n\\end{document}\n"
    )
    out = load_document(path).render({"line 4": LONGER}).decode()
    assert (
        "  \\resumeItem{Redesigned the labeling taxonomy for pedestrian edge\n"
        "    cases, raising annotator agreement from 0.68 to 0.84 across 3M\n"
        "    lidar frames} % a note\n"
    ) in out
    widest = max(len(line) for line in path.read_text().splitlines())
    assert max(len(line) for line in out.splitlines()) <= widest


@pytest.mark.parametrize(
    "new",
    [
        "# not a heading",
        "1. not a nested list",
        "*not emphasis* and _not_ either",
        "a <b>tag</b> & &amp; entity",
        "- a dash",
    ],
)
def test_markdown_replacement_reads_back_as_written(tmp_path, new):
    path = tmp_path / "resume.md"
    path.write_text(MARKDOWN)
    out = tmp_path / "out.md"
    out.write_bytes(load_document(path).render({"line 11": new + " in the pipeline"}))
    assert load_document(out).bullets[2] == Bullet(new + " in the pipeline", "line 11")


def test_markdown_crlf_and_bom_are_kept(tmp_path):
    path = tmp_path / "resume.md"
    path.write_bytes(
        b"\xef\xbb\xbf## Experience\r\n\r\n- Built a labeling model\r\n- Cleaned the LLM feedback data\r\n"
    )
    doc = load_document(path)
    assert [b.location for b in doc.bullets] == ["line 3", "line 4"]
    out = doc.render({"line 3": "Built a better labeling model"})
    assert (
        out
        == b"\xef\xbb\xbf## Experience\r\n\r\n- Built a better labeling model\r\n- Cleaned the LLM feedback data\r\n"
    )


TEXT = """\
SAM LEE
sam@example.com

EXPERIENCE
Data Scientist, Acme
  • Built a classification model for image labeling
    with a wrapped continuation line
  - Cleaned the feedback data for the LLM team
  * Deduplicated 2.4M prompts with MinHash
  1. Cut relabel rate from 11% to 4%
  ------------------------------
SKILLS
  • Python, SQL, Spark, Airflow
  • Languages: English, Spanish
"""


def test_plain_text_bullets(tmp_path):
    path = tmp_path / "resume.txt"
    path.write_text(TEXT)
    doc = load_document(path)
    assert doc.format == "text"
    assert doc.bullets == [
        Bullet("Built a classification model for image labeling with a wrapped continuation line", "line 6"),
        Bullet("Cleaned the feedback data for the LLM team", "line 8"),
        Bullet("Deduplicated 2.4M prompts with MinHash", "line 9"),
        Bullet("Cut relabel rate from 11% to 4%", "line 10"),
    ]
    out = doc.render({"line 6": "Redesigned the labeling taxonomy"}).decode()
    assert out == TEXT.replace(
        "Built a classification model for image labeling\n    with a wrapped continuation line",
        "Redesigned the labeling taxonomy",
    )


# --- the example resume ---------------------------------------------------------------------------


def test_example_resume_has_weak_and_strong_bullets_and_no_skills():
    doc = load_document(SAMPLE)
    texts = [b.text for b in doc.bullets]
    assert len(texts) == 11
    assert "Built a classification model for image labeling" in texts
    assert any("0.68 to 0.84" in t for t in texts)
    assert not any(t.startswith(("Python", "Labeling tools", "Machine learning", "M.S.", "Relevant")) for t in texts)


# --- the rule: what is an achievement bullet ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Built a classification model for image labeling", True),
        ("Cut p99 latency 40% by reworking the replication fetch path", True),
        ("Everything that matters.", True),
        ("Built with Next.js, PostgreSQL, and Prisma on Vercel", True),
        ("labelcheck (open source): wrote a Python library that flags label errors, found 3.1% mislabels", True),
        ("Cloud migration: moved 40 services to GKE, cutting cost by 30% in a quarter", True),
        ("Python, SQL, PySpark, dbt, Airflow", False),
        ("Languages: English (native), Spanish", False),
        ("Tech stack: Python", False),
        ("Relevant coursework: Bayesian statistics, experimental design, causal inference", False),
        ("Tools: Kafka, Flume, Spark, Hive, Solr", False),
        ("alex@example.com · github.com/alex", False),
        ("Email: alex@example.com | Phone: +1 (555) 123-4567", False),
        ("Python", False),
        ("Team lead", False),
    ],
)
def test_is_achievement(text, expected):
    assert is_achievement(text) is expected


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Experience", "included"), ("Work Experience", "included"), ("PROJECTS", "included"),
        ("Projects & Publications", "included"), ("Honors & Awards", "included"),
        ("Technical Skills", "excluded"), ("Skills", "excluded"), ("Relevant Coursework", "excluded"),
        ("Education", "excluded"), ("Contact Information", "excluded"), ("Tools & Technologies", "excluded"),
        ("Skills Summary", "excluded"),
        ("Programming Languages", "excluded"), ("Licenses & Certifications", "excluded"),
        ("Open Source Projects", "included"), ("Research Experience", "included"), ("WORK EXPERIENCE", "included"),
        ("Data Scientist, Acme (2021–2024)", None), ("Data Engineer, Education Team", None),
        ("Education Data Analyst at Coursera", None), ("Machine Learning Engineer", None), ("Alex Rivera", None),
    ],
)  # fmt: skip
def test_section_kind(heading, kind):
    assert section_kind(heading) == kind


def test_supported_suffixes():
    assert set(SUPPORTED_SUFFIXES) == {".md", ".markdown", ".txt", ".text", ".json", ".tex", ".docx", ".pdf"}


def test_format_argument_overrides_the_extension(tmp_path):
    path = tmp_path / "resume.notes"
    path.write_text("- Built a labeling pipeline for LLM feedback\n")
    with pytest.raises(DocumentError, match="unsupported file type"):
        load_document(path)
    doc = load_document(path, format="markdown")
    assert doc.format == "markdown" and doc.output_suffix == ".notes"
    assert doc.bullets == [Bullet("Built a labeling pipeline for LLM feedback", "line 1")]

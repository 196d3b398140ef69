"""DOCX and PDF resumes made at test time (python-docx, fpdf2), read and written back."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import docx
import docx.enum.style
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from bulletsmith.documents import Bullet, DocumentError, Markup, load_document
from bulletsmith.documents.pdf import _garbled

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


# --- DOCX -----------------------------------------------------------------------------------------


def _numbering(paragraph, num_id: str, ilvl: str | None = "0") -> None:
    ppr = paragraph._p.get_or_add_pPr()
    num_pr = OxmlElement("w:numPr")
    if ilvl is not None:
        level = OxmlElement("w:ilvl")
        level.set(qn("w:val"), ilvl)
        num_pr.append(level)
    nid = OxmlElement("w:numId")
    nid.set(qn("w:val"), num_id)
    num_pr.append(nid)
    ppr.append(num_pr)


def make_docx(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Alex Rivera", 0)  # 1
    d.add_paragraph("alex@example.com · github.com/alexrivera")  # 2
    d.add_heading("Experience", 1)  # 3
    d.add_paragraph("Data Scientist — Northwind Robotics, 2022–present")  # 4
    d.add_paragraph(
        "Built a classification model for image labeling", style="List Bullet"
    )  # 5: numbering from the style
    p = d.add_paragraph()  # 6: numbering on the paragraph itself, formatted runs
    first = p.add_run("Redesigned")
    first.bold = True
    first.font.size = docx.shared.Pt(10.5)
    p.add_run(" the labeling taxonomy, raising agreement from ")
    p.add_run("0.68 to 0.84").italic = True
    _numbering(p, "1")
    q = d.add_paragraph("Styled as a list but numbering switched off here", style="List Bullet")  # 7: numId=0
    _numbering(q, "0", ilvl=None)
    d.add_paragraph("• Typed a bullet glyph by hand before this annotation bullet")  # 8
    d.add_paragraph("Cut the relabel rate from 11% to 4% with consensus checks", style="List Number")  # 9
    table = d.add_table(rows=1, cols=1)
    cell = table.cell(0, 0).paragraphs[0]  # 10: a list paragraph inside a table
    cell.text = "Deduplicated 2.4M prompts with MinHash before training"
    cell.style = d.styles["List Bullet"]
    d.add_heading("Skills", 1)  # 11
    d.add_paragraph("Python, SQL, Spark, Airflow", style="List Bullet")  # 12
    d.add_heading("Projects", 1)  # 13
    d.add_paragraph("Wrote labelcheck, a library that flags likely label errors", style="List Bullet")  # 14
    custom = d.styles.add_style("Achievement", docx.enum.style.WD_STYLE_TYPE.PARAGRAPH)
    custom.base_style = d.styles["List Bullet"]  # numbering two styles up
    d.add_paragraph("Published a labeled AV dataset of 40k frames", style="Achievement")  # 15
    d.save(path)
    return path


DOCX_BULLETS = [
    Bullet("Built a classification model for image labeling", "paragraph 5"),
    Bullet("Redesigned the labeling taxonomy, raising agreement from 0.68 to 0.84", "paragraph 6"),
    Bullet("Typed a bullet glyph by hand before this annotation bullet", "paragraph 8"),
    Bullet("Cut the relabel rate from 11% to 4% with consensus checks", "paragraph 9"),
    Bullet("Deduplicated 2.4M prompts with MinHash before training", "paragraph 10"),
    Bullet("Wrote labelcheck, a library that flags likely label errors", "paragraph 14"),
    Bullet("Published a labeled AV dataset of 40k frames", "paragraph 15"),
]


def document_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml")


def paragraphs_c14n(data: bytes) -> list[bytes]:
    root = etree.fromstring(document_xml(data))
    return [etree.tostring(p, method="c14n") for p in root.iter(qn("w:p"))]


def test_docx_list_paragraphs_are_the_bullets(tmp_path):
    doc = load_document(make_docx(tmp_path / "resume.docx"))
    assert doc.format == "docx" and doc.writable and doc.output_suffix == ".docx"
    assert doc.bullets == DOCX_BULLETS


def test_docx_unchanged_write_back_is_identical(tmp_path):
    path = make_docx(tmp_path / "resume.docx")
    doc = load_document(path)
    out = doc.render({b.location: b.text for b in doc.bullets})
    assert document_xml(out) == document_xml(path.read_bytes())
    assert out == path.read_bytes()


@pytest.mark.parametrize("index", range(len(DOCX_BULLETS)))
def test_docx_replacing_one_bullet_changes_only_that_paragraph(tmp_path, index):
    path = make_docx(tmp_path / "resume.docx")
    doc = load_document(path)
    target = doc.bullets[index]
    new = "Raised annotator agreement from 0.68 to 0.84 across 3M frames & 12 annotators"
    out = doc.render({target.location: new})

    before, after = paragraphs_c14n(path.read_bytes()), paragraphs_c14n(out)
    assert len(before) == len(after)
    n = int(target.location.split()[1]) - 1
    for k, (a, b) in enumerate(zip(before, after, strict=True)):
        if k != n:
            assert a == b, f"paragraph {k + 1} changed"
    assert before[n] != after[n]

    copy = tmp_path / "out.docx"
    copy.write_bytes(out)
    again = load_document(copy)
    expected = list(DOCX_BULLETS)
    expected[index] = Bullet(new, target.location)
    assert again.bullets == expected


def test_docx_write_back_keeps_style_numbering_and_the_body_texts_look(tmp_path):
    """The new text looks like the paragraph's body text, not like its bold lead-in word; formatting
    the new text has no words for is reported, not silently lost."""
    path = make_docx(tmp_path / "resume.docx")
    doc = load_document(path)
    replacements = {"paragraph 6": "Cut relabel rate from 11% to 4%", "paragraph 5": "Built an image classifier"}
    paragraphs = docx.Document(io.BytesIO(doc.render(replacements))).paragraphs
    formatted = next(p for p in paragraphs if p.text == "Cut relabel rate from 11% to 4%")
    assert formatted._p.pPr.numPr.numId.val == 1
    assert len(formatted.runs) == 1 and not formatted.runs[0].bold and not formatted.runs[0].italic
    styled = next(p for p in paragraphs if p.text == "Built an image classifier")
    assert styled.style.name == "List Bullet"
    assert doc.dropped_markup(replacements) == {
        "paragraph 6": [Markup("Redesigned", "bold", "bold, 10.5 pt"), Markup("0.68 to 0.84", "italic", "italic")]
    }


def test_docx_bold_and_italic_runs_stay_on_the_words_the_rewrite_kept(tmp_path):
    path = make_docx(tmp_path / "resume.docx")
    doc = load_document(path)
    new = "Redesigned the taxonomy with 12 annotators, raising agreement from 0.68 to 0.84 on 3M frames"
    paragraph = docx.Document(io.BytesIO(doc.render({"paragraph 6": new}))).paragraphs[5]
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in paragraph.runs] == [
        ("Redesigned", True, False),
        (" the taxonomy with 12 annotators, raising agreement from ", False, False),
        ("0.68 to 0.84", False, True),
        (" on 3M frames", False, False),
    ]
    assert paragraph.runs[0].font.size == docx.shared.Pt(10.5)
    assert doc.dropped_markup({"paragraph 6": new}) == {}


def _hyperlink(paragraph, url: str, text: str) -> None:
    """Append a hyperlink run (python-docx has no API for one)."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True))
    run = paragraph.add_run(text, style="Hyperlink" if "Hyperlink" in paragraph.part.document.styles else None)
    run.font.underline = True
    paragraph._p.remove(run._r)
    link.append(run._r)
    paragraph._p.append(link)


def make_linked_docx(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Projects", 1)
    p = d.add_paragraph("Cleaned the ", style="List Bullet")
    p.add_run("feedback").bold = True
    p.add_run(" data with ")
    _hyperlink(p, "https://github.com/cleanlab/cleanlab", "cleanlab")
    p.add_run(" and ")
    p.add_run("pandas").italic = True
    d.save(path)
    return path


def test_docx_hyperlink_is_carried_with_its_address(tmp_path):
    path = make_linked_docx(tmp_path / "resume.docx")
    doc = load_document(path)
    assert doc.bullets == [Bullet("Cleaned the feedback data with cleanlab and pandas", "paragraph 2")]
    new = "Cleaned the feedback data with cleanlab; cut label noise 30% in 2 weeks"
    out = docx.Document(io.BytesIO(doc.render({"paragraph 2": new})))
    paragraph = out.paragraphs[1]
    assert paragraph.text == new
    [link] = paragraph.hyperlinks
    assert (link.text, link.address) == ("cleanlab", "https://github.com/cleanlab/cleanlab")
    assert [r.text for r in paragraph.runs if r.bold] == ["feedback"]
    # the italic "pandas" is not in the new text: the caller is told
    assert doc.dropped_markup({"paragraph 2": new}) == {"paragraph 2": [Markup("pandas", "italic", "italic")]}


def test_docx_hyperlink_whose_words_went_is_reported_with_its_address(tmp_path):
    doc = load_document(make_linked_docx(tmp_path / "resume.docx"))
    new = "Cleaned the feedback data with a label-error library, cutting noise 30%"
    assert doc.dropped_markup({"paragraph 2": new}) == {
        "paragraph 2": [
            Markup("cleanlab", "link", "link to https://github.com/cleanlab/cleanlab"),
            Markup("pandas", "italic", "italic"),
        ]
    }
    assert not docx.Document(io.BytesIO(doc.render({"paragraph 2": new}))).paragraphs[1].hyperlinks


def test_docx_typed_glyph_is_kept(tmp_path):
    path = make_docx(tmp_path / "resume.docx")
    out = load_document(path).render({"paragraph 8": "Replaced the hand-typed bullet text"})
    texts = [p.text for p in docx.Document(io.BytesIO(out)).paragraphs]
    assert "• Replaced the hand-typed bullet text" in texts


# --- PDF ------------------------------------------------------------------------------------------


def make_pdf(path: Path, glyph: str = "-", font: Path | None = None, pages: int = 1) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(False)
    if font is not None:
        pdf.add_font("Body", "", str(font))
        family = "Body"
    else:
        family = "helvetica"
    for page in range(pages):
        pdf.add_page()
        pdf.set_font(family, size=16)
        pdf.cell(text=f"Alex Rivera{'' if page == 0 else ' (continued)'}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=11)
        pdf.cell(text="alex@example.com | github.com/alexrivera", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(text="EXPERIENCE", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(text="Data Scientist, Northwind Robotics    2022-2024", new_x="LMARGIN", new_y="NEXT")
        for text in PDF_TEXTS:
            pdf.cell(w=6, text=glyph)
            pdf.multi_cell(w=150, text=text, new_x="LMARGIN", new_y="NEXT")
        pdf.cell(text="SKILLS", new_x="LMARGIN", new_y="NEXT")
        pdf.cell(w=6, text=glyph)
        pdf.multi_cell(w=150, text="Python, SQL, Spark, Airflow, dbt", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


PDF_TEXTS = [
    "Built a classification model for image labeling",
    "Redesigned the labeling taxonomy for pedestrian edge cases after mislabels leaked into training, raising "
    "annotator agreement from 0.68 to 0.84 across 3M lidar frames and lifting pedestrian recall by 4 points",
    "Deduplicated 2.4M prompts with MinHash before training",
]


def test_pdf_bullets_with_wrapped_lines_rejoined(tmp_path):
    doc = load_document(make_pdf(tmp_path / "resume.pdf"))
    assert doc.format == "pdf" and not doc.writable and doc.output_suffix == ".md"
    assert [b.text for b in doc.bullets] == PDF_TEXTS
    assert [b.location for b in doc.bullets] == ["page 1 line 5", "page 1 line 6", "page 1 line 9"]


@pytest.mark.parametrize("glyph", ["•", "●", "▪", "◦", "–", "‣", "∙", "○"])
def test_pdf_bullet_glyphs(tmp_path, glyph):
    if not DEJAVU.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("DejaVu Sans is missing: .ci/run installs fonts-dejavu-core")
        pytest.skip("DejaVu Sans is not installed (apt-get install fonts-dejavu-core)")
    doc = load_document(make_pdf(tmp_path / "resume.pdf", glyph=glyph, font=DEJAVU))
    assert [b.text for b in doc.bullets] == PDF_TEXTS


def test_pdf_pages_are_counted(tmp_path):
    doc = load_document(make_pdf(tmp_path / "resume.pdf", pages=2))
    assert [b.location for b in doc.bullets][3:] == ["page 2 line 5", "page 2 line 6", "page 2 line 9"]


def test_pdf_renders_markdown_that_says_where_it_came_from(tmp_path):
    doc = load_document(make_pdf(tmp_path / "resume.pdf"))
    out = doc.render({"page 1 line 5": "Built an image-labeling classifier *v2*"}).decode()
    first_line = out.splitlines()[0]
    assert first_line.startswith("<!--") and "resume.pdf" in first_line and "PDF" in first_line
    assert "## Experience" in out
    assert "- Built an image-labeling classifier \\*v2\\*" in out
    md = tmp_path / "resume.md"
    md.write_text(out)
    assert [b.text for b in load_document(md).bullets] == ["Built an image-labeling classifier *v2*", *PDF_TEXTS[1:]]
    # unchanged: the bullets as they are
    md.write_bytes(doc.render({}))
    assert [b.text for b in load_document(md).bullets] == PDF_TEXTS


def test_pdf_without_text_layer_is_refused(tmp_path):
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).text((10, 10), "• Built a classification model for image labeling", fill="black")
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    pdf.rect(10, 100, 50, 20)
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(DocumentError) as e:
        load_document(path)
    assert str(e.value) == f"{path}: has no text layer (scanned image?); export a text PDF or use .md/.docx"


def test_garbled_text_layer_is_detected():
    assert _garbled("\ufffd\ufffd\ufffd abc \ue001\ue002\ue003")
    assert _garbled("(cid:12)(cid:13)(cid:14)(cid:15)(cid:16)(cid:17) text")
    assert not _garbled("• Built a model \uf0b7 with Word's private-use bullet")


def test_docx_zip_bomb_is_refused(tmp_path, monkeypatch):
    from bulletsmith.documents import word

    path = make_docx(tmp_path / "resume.docx")
    monkeypatch.setattr(word, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(DocumentError, match="too large for a resume"):
        load_document(path)


@pytest.mark.parametrize(("user_password", "readable"), [("secret", False), ("", True)])
def test_pdf_encryption(tmp_path, user_password, readable):
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password=user_password)
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.cell(text="EXPERIENCE", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="- Built a classification model for image labeling", new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "locked.pdf"
    pdf.output(str(path))
    if readable:  # an owner password alone: anyone may read it
        assert load_document(path).bullets == [
            Bullet("Built a classification model for image labeling", "page 1 line 2")
        ]
    else:
        with pytest.raises(DocumentError, match="password-protected"):
            load_document(path)


def test_pdf_without_layout_mode_still_rejoins_wrapped_lines(tmp_path, monkeypatch):
    """Older or odd PDFs where pypdf's layout mode fails fall back to plain extraction."""
    from pypdf import PageObject

    plain = PageObject.extract_text

    def no_layout(self, *args, extraction_mode="plain", **kwargs):
        if extraction_mode == "layout":
            raise ValueError("layout mode unavailable")
        return plain(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", no_layout)
    doc = load_document(make_pdf(tmp_path / "resume.pdf"))
    assert [b.text for b in doc.bullets] == PDF_TEXTS


# --- two-column PDF -------------------------------------------------------------------------------

SIDEBAR = [
    ("heading", "SKILLS"),
    ("bullet", "Python, SQL, Spark"),
    ("bullet", "Airflow, dbt, Kafka and streaming systems at scale"),  # wraps in the sidebar
    ("bullet", "PyTorch, scikit-learn"),
    ("heading", "EDUCATION"),
    ("text", "M.S. Statistics"),
    ("text", "University of Washington, 2016"),
    ("heading", "LANGUAGES"),
    ("text", "English, Spanish"),
]
MAIN_COLUMN = [
    ("heading", "EXPERIENCE"),
    ("text", "Data Scientist, Northwind Robotics 2022-2024"),
    ("bullet", "Built a classification model for image labeling that shipped to production in six weeks"),
    (
        "bullet",
        "Redesigned the labeling taxonomy for pedestrian edge cases after mislabels leaked into training, "
        "raising annotator agreement from 0.68 to 0.84 across 3M lidar frames",
    ),
    ("bullet", "Deduplicated 2.4M prompts with MinHash before training"),
    ("text", "Analyst, Acme Corp 2019-2022"),
    ("bullet", "Cut the relabel rate from 11% to 4% with consensus checks and gold questions in the queue"),
    ("bullet", "Wrote labelcheck, a library that flags likely label errors"),
    ("heading", "PROJECTS"),
    ("bullet", "Published a labeled AV dataset of 40k frames used by three university labs"),
]
MAIN_BULLETS = [text for kind, text in MAIN_COLUMN if kind == "bullet"]


def _column(pdf, items, x: float, width: float, y: float, line_height: float, glyph: str) -> None:
    pdf.set_xy(x, y)
    for kind, text in items:
        pdf.set_x(x)
        if kind == "bullet":
            pdf.cell(w=5, h=line_height, text=glyph)
            width_left = width - 5
        else:
            width_left = width
        # Left-aligned: fpdf2 justifies with word spacing (Tw) inside q/Q, and pypdf's layout mode
        # does not restore Tw at Q, so later lines would come out wider than they are drawn.
        pdf.multi_cell(w=width_left, h=line_height, text=text, align="L", new_x="LEFT", new_y="NEXT")


def make_two_column_pdf(
    path: Path,
    *,
    sidebar: str = "left",
    header: tuple[str, ...] = (),
    pages: int = 1,
    font: Path | None = None,
    glyph: str = "-",
    line_heights: tuple[float, float] = (5, 5),
) -> Path:
    """A sidebar (skills, education) beside the main column (experience, projects), on letter paper."""
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(False)
    family = "helvetica"
    if font is not None:
        pdf.add_font("Body", "", str(font))
        family = "Body"
    side_w, gap, left_x, page_w = 55, 8, 10, 196
    main_w = page_w - side_w - gap
    for page in range(pages):
        pdf.add_page()
        pdf.set_font(family, size=10)
        pdf.set_xy(left_x, 12)
        for line in header if page == 0 else ():
            pdf.multi_cell(
                w=page_w, h=5, text=line, align="C" if line.isupper() else "L", new_x="LMARGIN", new_y="NEXT"
            )
        y = pdf.get_y() + 3
        main = MAIN_COLUMN if page == 0 else MAIN_COLUMN[2:]  # page 2 goes on with bullets, no heading
        side = (
            SIDEBAR
            if page == 0
            else [
                ("heading", "INTERESTS"),
                ("bullet", "Climbing and chess"),
                ("bullet", "Long walks outside"),
                ("bullet", "Baking sourdough bread"),
            ]
        )
        if sidebar == "left":
            _column(pdf, side, left_x, side_w, y, line_heights[0], glyph)
            _column(pdf, main, left_x + side_w + gap, main_w, y, line_heights[1], glyph)
        else:
            _column(pdf, main, left_x, main_w, y, line_heights[1], glyph)
            _column(pdf, side, left_x + main_w + gap, side_w, y, line_heights[0], glyph)
    pdf.output(str(path))
    return path


@pytest.mark.parametrize("sidebar", ["left", "right"])
def test_pdf_two_columns_are_read_one_after_the_other(tmp_path, sidebar):
    """Each line of the layout text holds a line of both columns; read across, the sidebar's skills
    were glued into the experience bullets. Read column by column, every bullet comes out whole,
    and the sidebar's skills stay under their SKILLS heading, which covers the sidebar only."""
    doc = load_document(make_two_column_pdf(tmp_path / "resume.pdf", sidebar=sidebar))
    assert [b.text for b in doc.bullets] == MAIN_BULLETS


def test_pdf_two_column_lines_are_counted_down_the_left_column_then_down_the_right(tmp_path):
    doc = load_document(make_two_column_pdf(tmp_path / "resume.pdf"))
    # The sidebar has 10 lines ("Airflow, dbt, Kafka and" wraps); the main column starts at line 11.
    assert [b.location for b in doc.bullets] == [
        "page 1 line 13",
        "page 1 line 15",
        "page 1 line 18",
        "page 1 line 20",
        "page 1 line 22",
        "page 1 line 24",
    ]


def test_pdf_two_columns_under_a_full_width_header(tmp_path):
    header = (
        "ALEX RIVERA",
        "alex@example.com | github.com/alexrivera | Oakland, CA | (555) 010-1234 | linkedin.com/in/alexrivera",
        "Data scientist who builds the data behind models: labeling pipelines, human-feedback data for LLMs "
        "and sensor logs for autonomous vehicles.",
    )
    doc = load_document(make_two_column_pdf(tmp_path / "resume.pdf", header=header))
    assert [b.text for b in doc.bullets] == MAIN_BULLETS


def test_pdf_two_columns_whose_lines_do_not_line_up(tmp_path):
    """Different line heights: most lines of the layout text hold one column only."""
    doc = load_document(make_two_column_pdf(tmp_path / "resume.pdf", line_heights=(4.2, 5.6)))
    assert [b.text for b in doc.bullets] == MAIN_BULLETS


def test_pdf_two_column_pages_keep_each_columns_section(tmp_path):
    """Page 2's main column goes on with bullets and no heading, beside a sidebar that starts with
    INTERESTS: its bullets are still under EXPERIENCE/PROJECTS, the sidebar's are not."""
    doc = load_document(make_two_column_pdf(tmp_path / "resume.pdf", pages=2))
    assert [b.text for b in doc.bullets] == MAIN_BULLETS + MAIN_BULLETS
    assert [b.location.split()[1] for b in doc.bullets] == ["1"] * 6 + ["2"] * 6


def test_pdf_two_columns_with_an_embedded_font_and_justified_text(tmp_path):
    if not DEJAVU.exists():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("DejaVu Sans is missing: .ci/run installs fonts-dejavu-core")
        pytest.skip("DejaVu Sans is not installed (apt-get install fonts-dejavu-core)")
    from fpdf import FPDF

    # What an exported resume looks like: the font embedded, the text justified (wide word gaps).
    original = FPDF.multi_cell

    def justified(self, *args, **kwargs):
        kwargs["align"] = "J"
        return original(self, *args, **kwargs)

    FPDF.multi_cell = justified
    try:
        path = make_two_column_pdf(tmp_path / "resume.pdf", font=DEJAVU, glyph="•")
    finally:
        FPDF.multi_cell = original
    assert [b.text for b in load_document(path).bullets] == MAIN_BULLETS


# Layout text as pypdf gives it, for the cases that must *not* be split into columns.
NOT_TWO_COLUMNS = {
    "section names in the left margin": [
        "EXPERIENCE    Data Scientist, Northwind Robotics",
        "              - Built a labeling model for images",
        "              - Cut relabel rate by 60% with checks",
        "PROJECTS      - Wrote labelcheck, a library for label errors",
        "SKILLS        - Python, SQL, Spark and many more tools",
        "INTERESTS     - Climbing, chess and long walks outside",
    ],
    "a bullet glyph before a tab": [
        "EXPERIENCE",
        "  •     Built a labeling model for images",
        "  •     Cut relabel rate by 60% with checks",
        "  •     Wrote the churn model in Python",
        "  •     Ran weekly SQL workshops for analysts",
        "  •     Cleaned sensor logs for the AV team",
    ],
    "a wide gap in justified lines, over short ones": [
        "- Built   a   classification   model   for   image   labeling   that",
        "  shipped",
        "- Redesigned  the  labeling  taxonomy  for  pedestrian   edge   cases",
        "  after mislabels",
        "- Cut  the  relabel  rate  from  11%  to  4%  with  consensus   checks",
        "  and gold questions",
    ],
    "notes and a page number in the right margin": [
        "Chapter 4: Function reference                                      10",
        "int asn1_create_element (asn1 node const definitions,   [Function]",
        "      definitions: pointer to the structure returned by  the parser",
        "      source name: the name of the type of the new       structure).",
        "void asn1_print_structure (FILE * out, asn1 node        [Function]",
        "      out: pointer to the output file (e.g. stdout).",
        "int asn1_number_of_elements (asn1 node const element,   [Function]",
    ],
    "dates on the right": [
        "EXPERIENCE",
        "Data Scientist, Northwind Robotics                    2022 - 2024",
        "  - Built a labeling model for images",
        "Analyst, Acme Corp                                    2019 - 2022",
        "  - Wrote the churn model in Python",
        "Intern, Beta Labs                                     2018 - 2019",
        "  - Cleaned sensor logs for the AV team",
    ],
}


@pytest.mark.parametrize("case", NOT_TWO_COLUMNS)
def test_pdf_page_that_is_not_two_columns_is_read_line_by_line(case):
    from bulletsmith.documents.pdf import _columns

    assert _columns(NOT_TWO_COLUMNS[case]) is None

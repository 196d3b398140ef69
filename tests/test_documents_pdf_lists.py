"""PDF resumes with numbered and lettered items, sub-bullets and several jobs, as fpdf2 draws them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletsmith.documents import load_document

# (marker, indent in mm, text): a numbered list with lettered sub-items, a roman-numbered list, and
# glyph bullets with a sub-bullet, under two jobs and a project section.
ROLES = [
    (
        "EXPERIENCE",
        ["Senior Data Analyst, Contoso Retail    2021-2024"],
        [
            ("1.", 0, "Built a Looker Studio dashboard tracking 14 KPIs for 6 regional managers"),
            (
                "2.",
                0,
                "Cut weekly reporting from 8 hours to 1 hour by moving the SQL pipeline into dbt and "
                "scheduling it in Airflow, so regional managers get the numbers on Monday morning",
            ),
            ("a)", 7, "Migrated 40 legacy Excel reports into dbt models with tests"),
            ("b)", 7, "Trained 5 analysts to maintain the new models"),
            ("3.", 0, "Raised forecast accuracy from 71% to 88% with a seasonal model"),
        ],
    ),
    (
        None,
        ["Data Analyst, Fabrikam Health    2018-2021", "Seattle, WA"],
        [
            ("(i)", 0, "Reduced claim denials 12% by flagging missing codes before submission"),
            ("(ii)", 0, "Forecast monthly patient volume within 5% for 3 clinics"),
        ],
    ),
    (
        "PROJECTS",
        [],
        [
            ("-", 0, "Wrote an open-source churn package that 300 people starred on GitHub"),
            ("o", 7, "Added SHAP explanations used by 2 partner teams"),  # Word's level-2 bullet, in Courier
        ],
    ),
]
ITEMS = [text for _, _, items in ROLES for _, _, text in items]


def make_numbered_pdf(path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=16)
    pdf.cell(text="Alex Rivera", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    pdf.cell(text="alex@example.com | github.com/alexrivera", new_x="LMARGIN", new_y="NEXT")
    for section, role, items in ROLES:
        if section:
            pdf.cell(text=section, new_x="LMARGIN", new_y="NEXT")
        for line in role:
            pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
        for marker, indent, text in items:
            pdf.set_x(pdf.l_margin + indent)
            pdf.set_font("courier" if marker == "o" else "helvetica", size=11)
            pdf.cell(w=8, text=marker)
            pdf.set_font("helvetica", size=11)
            pdf.multi_cell(w=150 - indent, text=text, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text="SKILLS", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(w=8, text="-")
    pdf.multi_cell(w=150, text="Python, SQL, dbt, Looker Studio", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_numbered_lettered_and_roman_items_are_bullets(tmp_path):
    doc = load_document(make_numbered_pdf(tmp_path / "resume.pdf"))
    assert [b.text for b in doc.bullets] == ITEMS


def test_markdown_keeps_jobs_as_headings_numbers_and_sub_bullet_levels(tmp_path):
    doc = load_document(make_numbered_pdf(tmp_path / "resume.pdf"))
    new = "Cut weekly reporting from 8 hours to 1 hour with dbt models scheduled in Airflow"
    location = doc.bullets[1].location
    markdown = doc.render({location: new}).decode()
    assert markdown.split("\n", 2)[2] == (
        "## Experience\n"
        "\n"
        "### Senior Data Analyst, Contoso Retail 2021-2024\n"
        "\n"
        f"1. {ITEMS[0]}\n"
        f"2. {new}\n"
        f"   - {ITEMS[2]}\n"
        f"   - {ITEMS[3]}\n"
        f"3. {ITEMS[4]}\n"
        "\n"
        "### Data Analyst, Fabrikam Health 2018-2021\n"
        "\n"
        "Seattle, WA\n"
        "\n"
        f"- {ITEMS[5]}\n"
        f"- {ITEMS[6]}\n"
        "\n"
        "## Projects\n"
        "\n"
        f"- {ITEMS[7]}\n"
        f"  - {ITEMS[8]}\n"
    )
    md = tmp_path / "resume.bulletsmith.md"
    md.write_text(markdown)
    assert [b.text for b in load_document(md).bullets] == [new if t == ITEMS[1] else t for t in ITEMS]


@pytest.mark.parametrize(
    "line",
    ["A. Rivera, Data Scientist", "2021. A year of growth", "e.g. dashboards"],
)
def test_lines_that_only_look_numbered_are_not_bullets(tmp_path, line):
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.cell(text="EXPERIENCE", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    pdf.cell(w=8, text="1.")
    pdf.multi_cell(w=150, text=ITEMS[0], new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "resume.pdf"
    pdf.output(str(path))
    assert [b.text for b in load_document(path).bullets] == [ITEMS[0]]


def test_extract_names_the_file_rewrite_writes(tmp_path):
    from typer.testing import CliRunner

    from bulletsmith.cli.app import app

    path = make_numbered_pdf(tmp_path / "resume.pdf")
    result = CliRunner().invoke(app, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    assert "resume.bulletsmith.md" in result.stderr
    assert "(resume.md)" not in result.stderr


def make_numbered_docx(path: Path) -> Path:
    """A Word resume whose bullets are Word's own numbered and bulleted lists, two levels deep."""
    import docx

    d = docx.Document()
    d.add_heading("Jordan Lee", 0)
    d.add_paragraph("jordan@example.com | Toronto")
    d.add_heading("Experience", 1)
    d.add_paragraph("Marketing Analyst, Maple Foods — 2021–2024")
    d.add_paragraph("Built a Looker Studio dashboard that tracks 14 campaign KPIs for the regional brand managers "
                    "across Canada", style="List Number")  # fmt: skip
    d.add_paragraph("Cut the cost per lead 18% by reallocating paid search budget", style="List Number")
    d.add_paragraph("Ran 12 A/B tests on landing pages", style="List Number 2")
    d.add_paragraph("Junior Analyst, Birch Co — 2019–2021")
    d.add_paragraph("Automated the monthly sales deck with Python, saving 2 days a month", style="List Bullet")
    d.add_paragraph("Cleaned 3 years of CRM data before the Salesforce migration", style="List Bullet 2")
    d.add_heading("Skills", 1)
    d.add_paragraph("SQL, Python, Looker Studio", style="List Bullet")
    d.save(path)
    return path


@pytest.mark.libreoffice
@pytest.mark.slow  # a real LibreOffice, several seconds a conversion
def test_a_pdf_printed_from_word_lists_has_the_same_bullets_and_structure(tmp_path):
    from support.libreoffice import convert

    source = load_document(make_numbered_docx(tmp_path / "resume.docx"))
    printed = load_document(convert(source.path, "pdf", tmp_path))
    assert [b.text for b in printed.bullets] == [b.text for b in source.bullets]
    assert printed.render({}).decode().split("\n", 2)[2] == "\n".join([
        "## Experience",
        "",
        "### Marketing Analyst, Maple Foods — 2021–2024",
        "",
        f"1. {source.bullets[0].text}",
        f"2. {source.bullets[1].text}",
        f"   1. {source.bullets[2].text}",
        "",
        "### Junior Analyst, Birch Co — 2019–2021",
        "",
        f"- {source.bullets[3].text}",
        f"  - {source.bullets[4].text}",
        "",
    ])  # fmt: skip


def test_a_page_header_does_not_split_a_job_across_pages(tmp_path):
    from fpdf import FPDF

    pdf = FPDF(format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_font("helvetica", size=11)
    pages = [
        ["Alex Rivera", "alex@example.com", "EXPERIENCE", "Data Analyst, Contoso    2020-2024", *(f"- {t}" for t in ITEMS[:2])],
        ["Alex Rivera, page 2", *(f"- {t}" for t in ITEMS[4:6]), "Intern, Fabrikam    2019", f"- {ITEMS[6]}", "2"],
    ]  # fmt: skip
    for lines in pages:
        pdf.add_page()
        for line in lines:
            if line.startswith("- "):
                pdf.cell(w=8, text="-")
                pdf.multi_cell(w=150, text=line[2:], new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.cell(text=line, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "two-pages.pdf"
    pdf.output(str(path))
    markdown = load_document(path).render({}).decode()
    assert markdown.split("\n", 2)[2] == "\n".join([
        "## Experience",
        "",
        "### Data Analyst, Contoso 2020-2024",
        "",
        *(f"- {t}" for t in [*ITEMS[:2], *ITEMS[4:6]]),
        "",
        "### Intern, Fabrikam 2019",
        "",
        f"- {ITEMS[6]}",
        "",
    ])  # fmt: skip

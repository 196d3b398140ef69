"""Word resumes as Word writes them: content controls, tracked changes, fields, smart tags, text boxes.

Each construct is built as raw OOXML the way a file saved by Word has it (tests/support/ooxml.py).
For each: extract sees every word once; a rewrite keeps it around the words it kept, or reports it;
the LibreOffice render of before and after shows the intended text (``libreoffice`` tests).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from support.libreoffice import convert, soffice
from support.ooxml import (
    add_block,
    add_paragraph,
    content_control,
    custom_xml,
    deleted,
    equation_power,
    field_hyperlink,
    inserted,
    list_paragraph,
    run,
    simple_field,
    smart_tag,
    text_box,
)

from bulletsmith.documents import Bullet, Markup, load_document
from bulletsmith.documents.word_xml import W, visible_text

LABELCHECK = "https://github.com/alexrivera/labelcheck"


def make_word_resume(path: Path, *, box_fits: bool = False) -> Path:
    d = docx.Document()
    d.add_heading("Alex Rivera", 0)  # 1
    d.add_heading("Experience", 1)  # 2
    d.add_paragraph("Data Scientist — Northwind Robotics, 2022–present")  # 3
    # 4
    savings = content_control(run("25%"), "Savings")
    add_paragraph(d, run("Reduced cloud spend by ") + savings + run(" by rightsizing GPU nodes across 3 clusters"))
    # 5
    revised = inserted(run("serving 40 models ")) + deleted("for the team ")
    add_paragraph(d, run("Built the feature store ") + revised + run("used by 6 product teams"))
    # 6
    link = field_hyperlink(LABELCHECK, "labelcheck")
    add_paragraph(d, run("Open-sourced ") + link + run(", a label-error checker with 900 stars"))
    # 7
    simple = simple_field('HYPERLINK "https://pydata.org/seattle"', "PyData Seattle")
    add_paragraph(d, run("Presented the churn model at ") + simple + run(" to 300 attendees"))
    # 8
    place, tool = smart_tag("place", run("Seattle")), custom_xml("tool", run("PagerDuty"))
    add_paragraph(d, run("Cut on-call pages 60% for the ") + place + run(" team with ") + tool + run(" routing rules"))
    # 9: a whole paragraph in a block content control, as Word's templates have
    mentoring = list_paragraph(run("Mentored 4 junior analysts through weekly code reviews"))
    add_block(d, content_control(mentoring, "Mentoring", block=True))
    # 10 anchors a text box holding 11 and 12 (and their VML copy, not counted)
    boxed = list_paragraph(run("Led a 5-person team migrating 40 dashboards to Looker Studio")) + list_paragraph(
        run("Automated the weekly KPI report, saving 6 hours a week")
    )
    add_paragraph(d, text_box(boxed, fits=box_fits), style=None)
    d.add_heading("Skills", 1)  # 13
    d.add_paragraph("Python, SQL, Looker Studio", style="List Bullet")  # 14
    d.save(path)
    return path


WORD_BULLETS = [
    Bullet("Reduced cloud spend by 25% by rightsizing GPU nodes across 3 clusters", "paragraph 4"),
    Bullet("Built the feature store serving 40 models used by 6 product teams", "paragraph 5"),
    Bullet("Open-sourced labelcheck, a label-error checker with 900 stars", "paragraph 6"),
    Bullet("Presented the churn model at PyData Seattle to 300 attendees", "paragraph 7"),
    Bullet("Cut on-call pages 60% for the Seattle team with PagerDuty routing rules", "paragraph 8"),
    Bullet("Mentored 4 junior analysts through weekly code reviews", "paragraph 9"),
    Bullet("Led a 5-person team migrating 40 dashboards to Looker Studio", "paragraph 11"),
    Bullet("Automated the weekly KPI report, saving 6 hours a week", "paragraph 12"),
]

#: A rewrite of every bullet that keeps the words of each construct but one's (paragraph 8 drops "rules")
REWRITES = {
    "paragraph 4": "Reduced cloud spend 25% in one quarter by rightsizing GPU nodes",
    "paragraph 5": "Built the feature store serving 40 models, cutting model launch time from 3 weeks to 4 days",
    "paragraph 6": "Open-sourced labelcheck, which 900 people starred",
    "paragraph 7": "Presented a churn model to 300 attendees at PyData Seattle",
    "paragraph 8": "Cut on-call pages 60% for the Seattle team with PagerDuty routing",
    "paragraph 9": "Mentored 4 junior analysts; 2 were promoted",
    "paragraph 11": "Led 5 people migrating 40 dashboards to Looker Studio",
}


def body(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return etree.fromstring(z.read("word/document.xml"))


def paragraph_xml(data: bytes, starting: str) -> etree._Element:
    return next(p for p in body(data).iter(f"{{{W}}}p") if visible_text(p).startswith(starting))


def reread(tmp_path: Path, data: bytes) -> list[Bullet]:
    out = tmp_path / "out.docx"
    out.write_bytes(data)
    return load_document(out).bullets


def test_extract_sees_every_word_word_shows_once(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    assert doc.bullets == WORD_BULLETS
    # deleted text and field codes are not shown by Word, so not read
    assert not any("for the team" in b.text or "HYPERLINK" in b.text for b in doc.bullets)


def test_unchanged_write_back_is_identical(tmp_path):
    path = make_word_resume(tmp_path / "resume.docx")
    doc = load_document(path)
    assert doc.render({b.location: b.text for b in doc.bullets}) == path.read_bytes()


def test_rewrite_round_trips(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    out = doc.render(REWRITES)
    expected = [Bullet(REWRITES.get(b.location, b.text), b.location) for b in WORD_BULLETS]
    assert reread(tmp_path, out) == expected


def test_content_control_stays_around_the_words_the_rewrite_kept(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    out = doc.render({"paragraph 4": REWRITES["paragraph 4"]})
    p = paragraph_xml(out, "Reduced")
    [sdt] = p.findall(f"{{{W}}}sdt")
    assert visible_text(sdt) == "25%"
    assert sdt.find(f"{{{W}}}sdtPr/{{{W}}}alias").get(f"{{{W}}}val") == "Savings"
    assert visible_text(p) == REWRITES["paragraph 4"]
    assert doc.dropped_markup({"paragraph 4": REWRITES["paragraph 4"]}) == {}


def test_content_control_whose_words_went_is_reported(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    new = "Reduced cloud spend by a quarter by rightsizing GPU nodes across 3 clusters"
    assert doc.dropped_markup({"paragraph 4": new}) == {
        "paragraph 4": [Markup("25%", "content control", "content control 'Savings'")]
    }
    p = paragraph_xml(doc.render({"paragraph 4": new}), "Reduced")
    assert visible_text(p) == new and p.find(f"{{{W}}}sdt") is None


def test_block_content_control_keeps_its_paragraph(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    out = doc.render({"paragraph 9": REWRITES["paragraph 9"]})
    [block] = [el for el in body(out).iter(f"{{{W}}}sdt") if el.find(f".//{{{W}}}p") is not None]
    assert visible_text(block.find(f".//{{{W}}}p")) == REWRITES["paragraph 9"]


def test_content_control_around_the_whole_bullet_holds_the_new_text(tmp_path):
    """Word's templates put a control around each placeholder bullet's whole text (and LibreOffice saves
    a block control so): the control is the bullet's container, so the rewrite goes inside it."""
    d = docx.Document()
    d.add_heading("Experience", 1)
    bullet = run("Describe a result: ", "<w:b/>") + run("cut churn 4% with a win-back model")
    add_paragraph(d, content_control(bullet, "Achievement", placeholder=True))
    path = tmp_path / "template.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == ["Describe a result: cut churn 4% with a win-back model"]
    new = "Cut churn 4% in 2 quarters with a win-back model"
    out = doc.render({"paragraph 2": new})
    [sdt] = body(out).iter(f"{{{W}}}sdt")
    assert visible_text(sdt) == new
    assert sdt.find(f"{{{W}}}sdtPr/{{{W}}}alias").get(f"{{{W}}}val") == "Achievement"
    assert sdt.find(f"{{{W}}}sdtPr/{{{W}}}showingPlcHdr") is None  # Word would grey out placeholder text
    assert doc.dropped_markup({"paragraph 2": new}) == {"paragraph 2": [Markup("Describe a result:", "bold", "bold")]}


def test_tracked_changes_are_accepted_in_the_rewrite_and_the_report_says_so(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    new = REWRITES["paragraph 5"]
    p = paragraph_xml(doc.render({"paragraph 5": new}), "Built")
    assert visible_text(p) == new
    assert not [el for el in p.iter() if etree.QName(el).localname in ("ins", "del", "delText")]
    [note] = doc.dropped_markup({"paragraph 5": new})["paragraph 5"]
    assert note.kind == "revisions" and note.not_kept.startswith("tracked changes accepted")


def test_a_typed_glyph_typed_with_track_changes_on_stays(tmp_path):
    d = docx.Document()
    d.add_heading("Experience", 1)
    add_paragraph(d, inserted(run("• ")) + run("Built the feature store serving 40 models"), style=None)
    path = tmp_path / "typed.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == ["Built the feature store serving 40 models"]
    new = "Built the feature store serving 40 models for 6 teams"
    p = paragraph_xml(doc.render({"paragraph 2": new}), "•")
    assert visible_text(p) == f"• {new}" and p.find(f"{{{W}}}ins") is None


def test_a_paragraph_without_tracked_changes_gets_no_such_note(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    assert "paragraph 6" not in doc.dropped_markup({"paragraph 6": REWRITES["paragraph 6"]})


def test_symbols_are_read_as_the_characters_they_show(tmp_path):
    arrow = '<w:r><w:sym w:font="Symbol" w:char="F0AE"/></w:r>'  # Insert > Symbol, Symbol font
    check = '<w:r><w:sym w:font="Wingdings" w:char="F0FC"/></w:r>'  # a picture font's tick: no text
    d = docx.Document()
    d.add_heading("Experience", 1)
    add_paragraph(d, run("Cut label latency from 3 days ") + arrow + run(" 4 hours") + check)
    path = tmp_path / "symbols.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == ["Cut label latency from 3 days → 4 hours"]
    new = "Cut label latency from 3 days → 4 hours by batching vendor uploads"
    p = paragraph_xml(doc.render({"paragraph 2": new}), "Cut")
    assert visible_text(p) == new
    assert [s.get(f"{{{W}}}font") for s in p.iter(f"{{{W}}}sym")] == ["Wingdings"]  # the tick stays


def hidden_text_resume(path: Path) -> Path:
    d = docx.Document()
    d.add_heading("Experience", 1)
    # Words hidden for a screening system (Font > Hidden): in the file, not on the page.
    add_paragraph(d, run("Built the churn model for 2M subscribers") + run(" Spark Kafka Airflow", "<w:vanish/>"))
    add_paragraph(d, run("Cut report time from 3 hours to 20 minutes") + run(" shown", '<w:vanish w:val="false"/>'))
    add_paragraph(d, run("Kubernetes Terraform MLOps expert", "<w:vanish/>"))  # a wholly hidden item
    d.save(path)
    return path


def test_hidden_text_is_not_read(tmp_path):
    doc = load_document(hidden_text_resume(tmp_path / "hidden.docx"))
    assert doc.bullets == [
        Bullet("Built the churn model for 2M subscribers", "paragraph 2"),
        Bullet("Cut report time from 3 hours to 20 minutes shown", "paragraph 3"),  # vanish switched off
    ]


def test_a_rewrite_keeps_hidden_text_hidden_and_out_of_view(tmp_path):
    doc = load_document(hidden_text_resume(tmp_path / "hidden.docx"))
    new = "Built the churn model for 2M subscribers, cutting monthly churn from 4% to 3%"
    p = paragraph_xml(doc.render({"paragraph 2": new}), "Built")
    assert visible_text(p) == new
    hidden = [r for r in p.iter(f"{{{W}}}r") if r.find(f"{{{W}}}rPr/{{{W}}}vanish") is not None]
    assert ["".join(r.itertext()) for r in hidden] == [" Spark Kafka Airflow"]
    assert "paragraph 2" not in doc.dropped_markup({"paragraph 2": new})


def test_hyperlink_field_is_kept_like_a_hyperlink(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    new = REWRITES["paragraph 6"]
    p = paragraph_xml(doc.render({"paragraph 6": new}), "Open-sourced")
    assert visible_text(p) == new
    codes = "".join(t.text for t in p.iter(f"{{{W}}}instrText"))
    assert f'HYPERLINK "{LABELCHECK}"' in codes
    kinds = [fc.get(f"{{{W}}}fldCharType") for fc in p.iter(f"{{{W}}}fldChar")]
    assert kinds == ["begin", "separate", "end"]
    assert doc.dropped_markup({"paragraph 6": new}) == {}


def test_hyperlink_field_whose_words_went_is_reported_with_its_address(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    new = "Open-sourced a label-error checker with 900 stars"
    assert doc.dropped_markup({"paragraph 6": new}) == {
        "paragraph 6": [Markup("labelcheck", "link", f"link to {LABELCHECK} (a HYPERLINK field)")]
    }
    p = paragraph_xml(doc.render({"paragraph 6": new}), "Open-sourced")
    assert p.find(f".//{{{W}}}fldChar") is None and p.find(f".//{{{W}}}instrText") is None


def test_simple_field_smart_tag_and_custom_xml_are_kept_or_reported(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx"))
    out = doc.render({"paragraph 7": REWRITES["paragraph 7"], "paragraph 8": REWRITES["paragraph 8"]})
    simple = paragraph_xml(out, "Presented").find(f"{{{W}}}fldSimple")
    assert visible_text(simple) == "PyData Seattle"
    tagged = paragraph_xml(out, "Cut on-call")
    assert [visible_text(el) for el in tagged if etree.QName(el).localname in ("smartTag", "customXml")] == [
        "Seattle",
        "PagerDuty",
    ]
    dropped = doc.dropped_markup(
        {
            "paragraph 7": "Presented a churn model to 300 attendees",
            "paragraph 8": "Cut on-call pages 60% with better routing",
        }
    )
    assert dropped == {
        "paragraph 7": [Markup("PyData Seattle", "link", "link to https://pydata.org/seattle (a HYPERLINK field)")],
        "paragraph 8": [
            Markup("Seattle", "tag", "smart tag place"),
            Markup("PagerDuty", "tag", "custom XML element tool"),
        ],
    }


def test_a_field_that_shows_nothing_stays(tmp_path):
    """An index entry (XE) field has a code and no result: Word shows nothing of it, and a rewrite keeps it."""
    d = docx.Document()
    d.add_heading("Experience", 1)
    xe = "".join(
        f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'
        + (run(' XE "feature store" ', tag="instrText") if kind == "begin" else "")
        for kind in ("begin", "end")
    )
    add_paragraph(d, run("Built the feature store") + xe + run(" serving 40 models"))
    path = tmp_path / "xe.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == ["Built the feature store serving 40 models"]
    new = "Built the feature store serving 40 models for 6 teams"
    p = paragraph_xml(doc.render({"paragraph 2": new}), "Built")
    assert visible_text(p) == new and "XE" in "".join(t.text for t in p.iter(f"{{{W}}}instrText"))
    assert doc.dropped_markup({"paragraph 2": new}) == {}


def test_an_equation_is_read_and_kept_or_reported(tmp_path):
    d = docx.Document()
    d.add_heading("Experience", 1)
    add_paragraph(d, run("Raised ") + equation_power("R", "2") + run(" of the demand model from 0.61 to 0.78"))
    path = tmp_path / "equation.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == ["Raised R2 of the demand model from 0.61 to 0.78"]
    kept = "Raised R2 of the demand model from 0.61 to 0.78 with weather features"
    p = paragraph_xml(doc.render({"paragraph 2": kept}), "Raised")
    assert visible_text(p) == kept and p.find("{*}oMath") is not None
    assert doc.dropped_markup({"paragraph 2": kept}) == {}
    gone = "Raised the demand model's fit from 0.61 to 0.78"
    assert doc.dropped_markup({"paragraph 2": gone}) == {"paragraph 2": [Markup("R2", "equation", "equation")]}


def test_text_box_bullets_are_read_once_and_its_vml_copy_gets_the_same_text(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx", box_fits=True))
    assert [b.text for b in doc.bullets].count(WORD_BULLETS[6].text) == 1
    new = REWRITES["paragraph 11"]
    out = doc.render({"paragraph 11": new})
    boxes = list(body(out).iter(f"{{{W}}}txbxContent"))
    assert len(boxes) == 2  # DrawingML and VML
    for box in boxes:
        assert [visible_text(p) for p in box.iter(f"{{{W}}}p")] == [new, WORD_BULLETS[7].text]
    assert doc.dropped_markup({"paragraph 11": new}) == {}  # the box grows with its text: nothing to check


def test_longer_text_in_a_fixed_size_text_box_is_reported(tmp_path):
    doc = load_document(make_word_resume(tmp_path / "resume.docx", box_fits=False))
    shorter = {"paragraph 11": REWRITES["paragraph 11"]}
    assert doc.dropped_markup(shorter) == {}
    longer = {"paragraph 12": "Automated the weekly KPI report in Airflow, saving 6 hours a week for 3 analysts"}
    [note] = doc.dropped_markup(longer)["paragraph 12"]
    assert (
        note.kind == "text box" and "fixed-size text box" in note.not_kept and "26 characters longer" in note.not_kept
    )


def test_rewriting_the_paragraph_that_anchors_a_text_box_keeps_the_box(tmp_path):
    d = docx.Document()
    d.add_heading("Experience", 1)
    add_paragraph(
        d,
        run("Shipped a churn model to 2 markets")
        + text_box(list_paragraph(run("Cut survey costs 30% with adaptive sampling"))),
    )
    path = tmp_path / "anchor.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == [
        "Shipped a churn model to 2 markets",
        "Cut survey costs 30% with adaptive sampling",
    ]
    out = doc.render({"paragraph 2": "Shipped a churn model to 2 markets, lifting retention 3 points"})
    assert [b.text for b in reread(tmp_path, out)] == [
        "Shipped a churn model to 2 markets, lifting retention 3 points",
        "Cut survey costs 30% with adaptive sampling",
    ]


# --- rendered by LibreOffice ----------------------------------------------------------------------


def rendered(path: Path, work: Path) -> tuple[str, set[str]]:
    """What LibreOffice makes of a file: the text it lays out on the page (docx -> pdf), on one line,
    bullet glyphs dropped; and the addresses of the links it reads (docx -> odt, whose XML has them)."""
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(convert(path, "pdf", work)).pages)
    with zipfile.ZipFile(convert(path, "odt", work)) as odt:
        content = etree.fromstring(odt.read("content.xml"), etree.XMLParser(collect_ids=False))  # its list ids repeat
    links = {el.get("{http://www.w3.org/1999/xlink}href") for el in content.iter("{*}a")}
    return " ".join(text.replace("\uf0b7", " ").replace("•", " ").split()), links


@pytest.mark.libreoffice
@pytest.mark.slow  # a real LibreOffice, several seconds a conversion
def test_libreoffice_shows_the_rewrites_and_keeps_every_construct(tmp_path):
    soffice()
    path = make_word_resume(tmp_path / "resume.docx")
    doc = load_document(path)
    before, links_before = rendered(path, tmp_path)
    for b in doc.bullets:
        if b.location == "paragraph 5":
            # LibreOffice shows a tracked deletion struck through: the words read are in order, not adjacent
            words = iter(before.split())
            assert all(word in words for word in b.text.split()), (b.text, before)
        else:
            assert before.count(b.text) == 1, (b.text, before)  # the text box is drawn once, and read once
    assert {LABELCHECK, "https://pydata.org/seattle"} <= links_before

    rewritten = tmp_path / "rewritten.docx"
    rewritten.write_bytes(doc.render(REWRITES))
    after, links_after = rendered(rewritten, tmp_path)
    for location, text in REWRITES.items():
        assert after.count(text) == 1, (location, text, after)
    assert "for the team" not in after  # the tracked deletion was accepted
    assert after.count(WORD_BULLETS[7].text) == 1 and "Python, SQL, Looker Studio" in after
    assert links_after == links_before  # both link fields still link


@pytest.mark.libreoffice
@pytest.mark.slow  # a real LibreOffice, several seconds a conversion
def test_the_same_resume_saved_by_libreoffice_reads_and_rewrites_alike(tmp_path):
    """LibreOffice writes these constructs its own way (a block control becomes one around the
    paragraph's text, a HYPERLINK field a hyperlink): the bullets and rewrites come out the same."""
    soffice()
    saved = convert(make_word_resume(tmp_path / "resume.docx"), "docx:MS Word 2007 XML", tmp_path)
    doc = load_document(saved)
    assert doc.bullets == WORD_BULLETS
    out = doc.render(REWRITES)
    assert reread(tmp_path, out) == [Bullet(REWRITES.get(b.location, b.text), b.location) for b in WORD_BULLETS]
    assert {loc: [m.kind for m in lost] for loc, lost in doc.dropped_markup(REWRITES).items()} == {
        "paragraph 5": ["revisions"]
    }


def test_a_kept_content_control_is_written_with_its_tracked_changes_accepted(tmp_path):
    """Inside a control whose words the rewrite keeps: the insertions become plain text in their place,
    the deletions, moved-away words and formatting changes go, as Word's Accept All does."""
    was_plain = '<w:rPrChange w:id="5" w:author="Alex Rivera" w:date="2024-03-02T10:15:00Z"><w:rPr/></w:rPrChange>'
    changed = (
        inserted(run("40 ") + run("production "))
        + deleted("30 ")
        + f'<w:moveFrom w:id="6" w:author="Alex Rivera" w:date="2024-03-02T10:15:00Z">{run("ML ")}</w:moveFrom>'
        + f'<w:moveTo w:id="7" w:author="Alex Rivera" w:date="2024-03-02T10:15:00Z">{run("ranking ")}</w:moveTo>'
        + run("models", f"<w:b/>{was_plain}")
    )
    d = docx.Document()
    d.add_heading("Experience", 1)
    add_paragraph(d, run("Built the feature store serving ") + content_control(changed, "Models") + run(" for 6 teams"))
    path = tmp_path / "revised.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == ["Built the feature store serving 40 production ranking models for 6 teams"]
    new = "Built the feature store serving 40 production ranking models for 6 product teams"
    [sdt] = paragraph_xml(doc.render({"paragraph 2": new}), "Built").iter(f"{{{W}}}sdt")
    runs = ["".join(r.itertext()) for r in sdt.iter(f"{{{W}}}r")]
    assert runs == ["40 ", "production ", "ranking ", "models"]  # no "30 ", no "ML ", in reading order
    revisions = {"ins", "del", "moveFrom", "moveTo", "rPrChange"}
    assert [el for el in sdt.iter() if etree.QName(el).localname in revisions] == []
    assert sdt.find(f".//{{{W}}}b") is not None  # the accepted formatting stays


def test_a_kept_content_control_is_carried_exactly_as_it_was(tmp_path):
    path = make_word_resume(tmp_path / "resume.docx")
    [before] = paragraph_xml(path.read_bytes(), "Reduced").iter(f"{{{W}}}sdt")
    doc = load_document(path)
    [after] = paragraph_xml(doc.render({"paragraph 4": REWRITES["paragraph 4"]}), "Reduced").iter(f"{{{W}}}sdt")
    assert etree.tostring(after, method="c14n") == etree.tostring(before, method="c14n")


def test_a_typed_glyph_inside_a_content_control_stays_in_front_of_it(tmp_path):
    """A template's placeholder control that starts with the typed bullet: the glyph is kept in front,
    the control keeps the words after it, in its own look, no longer a placeholder."""
    d = docx.Document()
    d.add_heading("Experience", 1)
    placeholder = content_control(run("• Led the churn project", "<w:i/>"), "Achievement", placeholder=True)
    add_paragraph(d, placeholder + run(", cutting churn 4% with a win-back model"), style=None)
    path = tmp_path / "glyph.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == ["Led the churn project, cutting churn 4% with a win-back model"]
    new = "Led the churn project, cutting churn 4% in 2 quarters with a win-back model"
    p = paragraph_xml(doc.render({"paragraph 2": new}), "•")
    assert visible_text(p) == f"• {new}"
    [sdt] = p.iter(f"{{{W}}}sdt")
    [inner] = sdt.iter(f"{{{W}}}r")
    assert visible_text(sdt) == "Led the churn project" and inner.find(f"{{{W}}}rPr/{{{W}}}i") is not None
    assert sdt.find(f"{{{W}}}sdtPr/{{{W}}}alias").get(f"{{{W}}}val") == "Achievement"
    assert sdt.find(f"{{{W}}}sdtPr/{{{W}}}showingPlcHdr") is None
    assert doc.dropped_markup({"paragraph 2": new}) == {}


def test_a_typed_glyph_inside_a_link_field_stays_in_front_of_it(tmp_path):
    d = docx.Document()
    d.add_heading("Projects", 1)
    add_paragraph(d, field_hyperlink(LABELCHECK, "• labelcheck") + run(": a label-error checker"), style=None)
    path = tmp_path / "glyph-link.docx"
    d.save(path)
    doc = load_document(path)
    assert [b.text for b in doc.bullets] == ["labelcheck: a label-error checker"]
    new = "labelcheck: a label-error checker with 900 stars"
    p = paragraph_xml(doc.render({"paragraph 2": new}), "•")
    assert visible_text(p) == f"• {new}"
    kinds = [fc.get(f"{{{W}}}fldCharType") for fc in p.iter(f"{{{W}}}fldChar")]
    assert kinds == ["begin", "separate", "end"]
    assert f'HYPERLINK "{LABELCHECK}"' in "".join(t.text for t in p.iter(f"{{{W}}}instrText"))
    result = [r for r in p.iter(f"{{{W}}}r") if "".join(r.itertext()) == "labelcheck"]
    assert [r.find(f"{{{W}}}rPr/{{{W}}}rStyle").get(f"{{{W}}}val") for r in result] == ["Hyperlink"]

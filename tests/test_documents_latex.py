"""The LaTeX reader on the shapes real resumes take beyond the common templates: comments and
``\\verb`` next to bullets, bullets defined with ``\\def``/``\\NewDocumentCommand`` or with an optional
argument, headings nested three deep, files that are a fragment (``\\input``) or carry an old draft
after ``\\end{document}``, and the one-line errors for a file that is not a resume.

The common templates (Jake's, sb2nov, Awesome-CV) and the escapes are in test_documents.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletsmith.documents import Bullet, DocumentError, Markup, latex
from bulletsmith.limits import (
    MAX_DOCUMENT_BULLETS,
    MAX_LATEX_DEFINITIONS,
    MAX_LATEX_DEPTH,
    MAX_LATEX_GROUP_CHARS,
)

PATH = Path("resume.tex")


def read(source: str) -> latex.LatexDocument:
    return latex.parse_latex(PATH, source.encode("utf-8"))


def bullets(source: str) -> list[Bullet]:
    return read(source).bullets


def texts(source: str) -> list[str]:
    return [b.text for b in bullets(source)]


def resume(preamble: str, body: str) -> str:
    return f"\\documentclass{{article}}\n{preamble}\\begin{{document}}\n{body}\\end{{document}}\n"


def refused(source: str) -> str:
    with pytest.raises(DocumentError) as caught:
        read(source)
    return str(caught.value)


# --- what is hidden: comments, \iffalse, comment environments; \verb is not a comment -----------


def blanked(source: str, *hidden: str) -> str:
    """``source`` with each of ``hidden`` (in order, each after the previous) blanked, line breaks kept."""
    out, pos = source, 0
    for part in hidden:
        at = out.index(part, pos)
        out = out[:at] + "".join(c if c in "\r\n" else " " for c in part) + out[at + len(part) :]
        pos = at + len(part)
    return out


def test_comments_are_blanked_to_the_end_of_their_line():
    source = (
        "% Resume of Ada Lovelace, XeLaTeX\n"  # a comment on the very first character
        "\\item Cut costs 30\\%% was 25\\% before the audit\n"  # \% is a percent sign, the next % a comment
        "\\item Led 4 engineers\\\\% a line break, then a note\n"
        "\\item Scaled to 10X traffic % TODO: X-check\n"
        "% last line, no line break"
    )
    assert latex.mask(source) == blanked(
        source,
        "% Resume of Ada Lovelace, XeLaTeX",
        "% was 25\\% before the audit",
        "% a line break, then a note",
        "% TODO: X-check",
        "% last line, no line break",
    )


def test_a_percent_inside_verb_is_not_a_comment():
    source = (
        "\\item Wrote the \\verb|50%| rule into \\verb+lint.cfg+% the config\n"
        "\\item Documented the \\verb!|! separator % a | b\n"
    )
    assert latex.mask(source) == blanked(source, "% the config", "% a | b")


def test_an_unclosed_verb_runs_to_the_end_and_a_verb_at_the_very_end_is_kept():
    assert latex.mask("\\item Wrote \\verb|50% of it\n% not a comment either") == (
        "\\item Wrote \\verb|50% of it\n% not a comment either"
    )
    assert latex.mask("\\item Explained \\verb") == "\\item Explained \\verb"


def test_iffalse_blocks_are_blanked_each_to_its_own_fi():
    source = (
        "\\ifdefined\\compact\\small\\fi\n"
        "\\iffalse\n\\item Old job, hidden\n\\fi% end of the old jobs\n"
        "\\item Cut p99 latency 40\\% for 3M users\n"
        "\\iffalse\\item Older job\\fi\n"
    )
    assert latex.mask(source) == blanked(
        source, "\\iffalse\n\\item Old job, hidden\n\\fi% end of the old jobs", "\\iffalse\\item Older job\\fi"
    )


def test_an_unclosed_iffalse_hides_the_rest_of_the_file():
    source = "\\item Cut costs 30\\%\n\\iffalse\n\\item Draft\n"
    assert latex.mask(source) == blanked(source, "\\iffalse\n\\item Draft\n")


def test_comment_environments_are_blanked_each_to_its_own_end():
    source = (
        "\\begin{comment}\n\\item Old bullet one\n\\end{comment}\n"
        "\\item Cut p99 latency 40\\% for 3M users\n"
        "\\begin{comment}\\item Old bullet two\\end{comment}% two old bullets\n"
    )
    assert latex.mask(source) == blanked(
        source,
        "\\begin{comment}\n\\item Old bullet one\n\\end{comment}",
        "\\begin{comment}\\item Old bullet two\\end{comment}% two old bullets",
    )


def test_an_unclosed_comment_environment_hides_the_rest_of_the_file():
    source = "\\item Cut costs 30\\%\n\\begin{comment}\n\\item Draft\n"
    assert latex.mask(source) == blanked(source, "\\begin{comment}\n\\item Draft\n")


def test_a_commented_bullet_and_a_comment_after_a_bullet_are_not_read():
    body = (
        "\\section{Experience}\n\\begin{itemize}\n"
        "% \\item Built the old CRM export\n"
        "  \\item Cut p99 latency 40\\% for 3M users % TODO: check the figure\n"
        "\\end{itemize}\n"
    )
    assert bullets(resume("", body)) == [Bullet("Cut p99 latency 40% for 3M users", "line 6")]


# --- where the body is: \begin{document} ... \end{document}, or a whole fragment ------------------


def test_a_fragment_without_begin_document_is_all_body_and_its_last_item_is_read():
    """A file \\input into a main one: no preamble, no \\end{itemize} after the last item."""
    source = "\\item Cut p99 latency 40\\% for 3M users\n\\item Trained 12 annotators on the new guide\n"
    assert bullets(source) == [
        Bullet("Cut p99 latency 40% for 3M users", "line 1"),
        Bullet("Trained 12 annotators on the new guide", "line 2"),
    ]


def test_an_old_draft_kept_after_end_document_is_not_read():
    """LaTeX stops at the first \\end{document}; people keep old versions below it."""
    body = "\\section{Experience}\n\\begin{itemize}\n\\item Cut p99 latency 40\\% for 3M users\n\\end{itemize}\n"
    old = (
        "% the 2022 version\n\\begin{document}\n\\begin{itemize}\n"
        "\\item Built an ETL pipeline for 40 tables\n\\end{itemize}\n\\end{document}\n"
    )
    assert texts(resume("", body) + old) == ["Cut p99 latency 40% for 3M users"]
    assert texts(resume("", body) + "\\begin{itemize}\n\\item Built an ETL pipeline for 40 tables\n") == [
        "Cut p99 latency 40% for 3M users"
    ]


def test_an_item_is_located_at_its_line_even_when_its_text_starts_below():
    body = (
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\item\n    Cut p99 latency 40\\% for 3M users\n"
        "  \\item[--]\n    Trained 12 annotators on the new guide\n"
        "\\end{itemize}\n"
    )
    assert bullets(resume("", body)) == [
        Bullet("Cut p99 latency 40% for 3M users", "line 5"),
        Bullet("Trained 12 annotators on the new guide", "line 7"),
    ]


def test_items_inside_a_group_end_with_the_group_and_a_section_ends_an_item():
    """Awesome-CV puts items in an argument (``\\cventry{..}{\\item ..}``); a template whose list ends
    with its own macro (``\\cvlistend``) leaves the last item open until the next heading."""
    preamble = "\\newcommand{\\cvlistend}{\\end{itemize}}\n"
    body = (
        "\\section{Experience}\n"
        "\\cventry{Data Scientist}{Northwind}{2021}{\\item Cut p99 latency 40\\% for 3M users\n"
        "  \\item Trained 12 annotators on the new guide}\n"
        "Ada Lovelace, {\\small references on request}\n"
        "\\section{Projects}\n\\begin{itemize}\n"
        "\\item Wrote labelcheck, a library that flags label errors\n\\cvlistend\n"
        "\\section{Publications}\n\\begin{itemize}\n\\item Built a benchmark of 40k labelled frames\n\\end{itemize}\n"
    )
    assert texts(resume(preamble, body)) == [
        "Cut p99 latency 40% for 3M users",
        "Trained 12 annotators on the new guide",
        "Wrote labelcheck, a library that flags label errors",
    ]


def test_rewriting_a_parent_item_keeps_its_nested_list():
    source = resume(
        "",
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\item Led the gold-question program\n"
        "  \\begin{itemize}\n    \\item Wrote 300 gold questions for 4 queues\n  \\end{itemize}\n"
        "  \\item Cut p99 latency 40\\% for 3M users\n"
        "\\end{itemize}\n",
    )
    doc = read(source)
    assert [b.location for b in doc.bullets] == ["line 5", "line 7", "line 9"]
    out = doc.render({"line 5": "Led a gold-question program for 4 queues", "line 7": "Wrote 350 gold questions"})
    assert out.decode() == source.replace(
        "Led the gold-question program", "Led a gold-question program for 4 queues"
    ).replace("Wrote 300 gold questions for 4 queues", "Wrote 350 gold questions")


# --- which headings count: \section, \subsection, \subsubsection, \section[short]{long} ---------


def test_a_subsection_under_an_excluded_section_is_excluded_too():
    body = (
        "\\section{Education}\n\\subsection{Stanford University}\n\\begin{itemize}\n"
        "\\item Built a robot arm that sorted 2k parts an hour\n\\end{itemize}\n"
        "\\section{Research}\n\\subsection{Publications}\n\\subsubsection{Workshop papers}\n\\begin{itemize}\n"
        "\\item Benchmarked 12 label-noise methods on 40k frames\n\\end{itemize}\n"
        "\\subsection{Lab work}\n\\begin{itemize}\n\\item Cut annotation cost 30\\% with active learning\n\\end{itemize}\n"
    )
    assert texts(resume("", body)) == ["Cut annotation cost 30% with active learning"]


def test_a_section_with_a_short_title_for_the_table_of_contents():
    body = (
        "\\section{Experience}\n\\begin{itemize}\n\\item Cut p99 latency 40\\% for 3M users\n\\end{itemize}\n"
        "\\section[Skills]{Skills and Tools}\n\\begin{itemize}\n"
        "\\item Built dashboards in Tableau and Looker for 5 teams\n\\end{itemize}\n"
        "\\phantomsection\\label{projects}\n"
        "\\section*{Projects}\n\\begin{itemize}\n\\item Wrote labelcheck, a library that flags label errors\n"
        "\\end{itemize}\n"
    )
    assert texts(resume("", body)) == [
        "Cut p99 latency 40% for 3M users",
        "Wrote labelcheck, a library that flags label errors",
    ]


# --- files that are not a resume: one line that says why and where ------------------------------


def test_a_utf16_file_is_refused_with_its_name():
    data = "\\item Cut costs 30\\%\n".encode("utf-16")
    with pytest.raises(DocumentError, match=r"^resume\.tex: is UTF-16 text; save it as UTF-8$"):
        latex.parse_latex(PATH, data)


def test_at_most_a_thousand_macro_definitions():
    defs = "".join(f"\\newcommand{{\\skill{k}}}{{Python}}\n" for k in range(MAX_LATEX_DEFINITIONS))
    body = "\\section{Experience}\n\\begin{itemize}\n\\item Cut p99 latency 40\\% for 3M users\n\\end{itemize}\n"
    assert texts(resume(defs, body)) == ["Cut p99 latency 40% for 3M users"]
    assert refused(resume(defs + "\\def\\extra{x}\n", body)) == (
        f"resume.tex: defines more than {MAX_LATEX_DEFINITIONS:,} macros; is this a resume?"
    )


def test_braces_nested_at_most_64_deep():
    deep = "{" * MAX_LATEX_DEPTH + "Cut costs" + "}" * MAX_LATEX_DEPTH
    assert bullets(resume("", f"\\section{{Experience}}\n{deep}\n")) == []
    too_deep = "{" * (MAX_LATEX_DEPTH + 1) + "Cut costs" + "}" * (MAX_LATEX_DEPTH + 1)
    assert refused(resume("", f"\\section{{Experience}}\n{too_deep}\n")) == (
        f"resume.tex: braces nested more than {MAX_LATEX_DEPTH} deep (line 4); is this a resume?"
    )


def test_at_most_ten_thousand_items():
    items = "\\item\n" * MAX_DOCUMENT_BULLETS
    assert bullets(resume("", f"\\begin{{itemize}}\n{items}\\end{{itemize}}\n")) == []
    assert refused(resume("", f"\\begin{{itemize}}\n{items}\\item\n\\end{{itemize}}\n")) == (
        f"resume.tex: more than {MAX_DOCUMENT_BULLETS:,} \\item lines; is this a resume?"
    )


def test_a_bullet_of_at_most_forty_thousand_characters():
    def item(size: int) -> str:
        text = (" Cut costs by 30 percent" * (size // 24 + 1))[:size]
        return f"\\section{{Experience}}\n\\begin{{itemize}}\n\\item{text}\\end{{itemize}}\n"

    assert len(bullets(resume("", item(MAX_LATEX_GROUP_CHARS)))) == 1
    assert refused(resume("", item(MAX_LATEX_GROUP_CHARS + 1))) == (
        f"resume.tex: line 5: a bullet of {MAX_LATEX_GROUP_CHARS + 1:,} characters of LaTeX "
        f"(at most {MAX_LATEX_GROUP_CHARS:,}); is an \\item or a brace missing?"
    )


def test_a_bullet_macro_argument_longer_than_the_budget_is_refused():
    long = "Cut costs by 30 percent " * (MAX_LATEX_GROUP_CHARS // 24)
    long += "x" * (MAX_LATEX_GROUP_CHARS - 1 - len(long))  # the group with its braces: one over
    source = resume("", f"\\section{{Experience}}\n\\resumeItemListStart\n  \\resumeItem{{{long}}}\n")
    assert refused(source) == (
        f"resume.tex: line 5: the argument of \\resumeItem is longer than {MAX_LATEX_GROUP_CHARS:,} "
        "characters; is a brace missing?"
    )


def test_unbalanced_braces_are_refused_with_the_line_of_the_brace():
    assert refused("\\section{Experience}\n\\item Cut costs 30\\%}\n") == (
        "resume.tex: unbalanced braces: the '}' on line 2 closes nothing"
    )
    assert refused("\\section{Experience}\n\\resumeItem{Cut p99 latency 40\\% for 3M users\n") == (
        "resume.tex: unbalanced braces: the '{' on line 2 is never closed"
    )
    source = (
        "\\section{Experience}\n{\\bf Northwind\n\\begin{itemize}\n\\item {Cut costs\n{\\em by 30\\%\n\\end{itemize}\n"
    )
    assert refused(source) == "resume.tex: unbalanced braces: the '{' on line 5 is never closed"


# --- which of the file's macros make a bullet -----------------------------------------------------


def test_bullet_macros_defined_with_def_gdef_edef_xdef_xparse_and_an_optional_argument():
    preamble = (
        "\\def\\splitdate#1/#2\\relax{#1 -- #2}\n"  # a delimited \def: no body read, the rest still is
        "\\newcommand{\\tool}[1]{\\texttt{#1}}\n"
        "\\def\\achievement#1{\\item #1}\n"
        "\\gdef\\award#1{\\item #1}\n"
        "\\long\\edef\\talk#1{\\noexpand\\item #1}\n"
        "\\xdef\\patent#1{\\noexpand\\item #1}\n"
        "\\NewDocumentCommand{\\win}{m}{\\item #1}\n"
        "\\newcommand{\\result}[2][Impact]{\\item \\textbf{#1:} #2}\n"
        "\\newenvironment{jobitems}{\\begin{itemize}\\small}{\\end{itemize}}\n"
    )
    body = (
        "\\section{Experience}\n\\begin{jobitems}\n"
        "  \\achievement{Cut p99 latency 40\\% for 3M users}\n"
        "  \\award{Won the 2023 hackathon with a label-noise detector}\n"
        "  \\talk{Presented the labeling guide to 200 engineers}\n"
        "  \\patent{Filed a patent on consensus checks for 3 annotators}\n"
        "  \\win{Raised annotator agreement from 0.68 to 0.84}\n"
        "  \\result{Trained 12 annotators on the new guide}\n"
        "  \\achievement Led the 3-person labeling team\n"
        "\\end{jobitems}\n"
    )
    assert bullets(resume(preamble, body)) == [
        Bullet("Cut p99 latency 40% for 3M users", "line 14"),
        Bullet("Won the 2023 hackathon with a label-noise detector", "line 15"),
        Bullet("Presented the labeling guide to 200 engineers", "line 16"),
        Bullet("Filed a patent on consensus checks for 3 annotators", "line 17"),
        Bullet("Raised annotator agreement from 0.68 to 0.84", "line 18"),
        Bullet("Trained 12 annotators on the new guide", "line 19"),
    ]


def test_which_macros_are_bullets_and_which_draw_a_heading():
    """Says item, or takes one or two arguments and draws no \\hfill, & or tabular: a bullet. A name
    like a heading's, three arguments, a dated line: a heading, even if its text reads like a bullet."""
    preamble = (
        "\\newcommand{\\resumeSubItem}[1]{\\resumeItem{#1}\\vspace{-4pt}}\n"  # calls one defined below it
        "\\newcommand{\\resumeItem}[1]{\\item\\small{#1}}\n"
        "\\newcommand{\\highlight}[2]{\\item \\textbf{#1}: #2}\n"
        "\\newcommand{\\projectheading}[1]{\\item \\textbf{#1}}\n"
        "\\newcommand{\\accomplishment}[3]{\\item \\textbf{#1} (#2): #3}\n"
        "\\newcommand{\\dated}[2]{\\item #2 \\hfill #1}\n"
        "\\newcommand{\\resumeItemDated}[2]{\\item\\begin{tabular*}{\\textwidth}{l@{\\extracolsep{\\fill}}r}"
        "#2 & #1\\end{tabular*}}\n"
    )
    body = (
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\resumeSubItem{Cut p99 latency 40\\% for 3M users}\n"
        "  \\highlight{Labeling}{Raised annotator agreement from 0.68 to 0.84}\n"
        "  \\projectheading{Labelcheck: flagged 1,200 label errors in 3 datasets}\n"
        "  \\accomplishment{Hackathon}{2023}{Won first place with a label-noise detector}\n"
        "  \\dated{2022}{Trained 12 annotators on the new guide}\n"
        "  \\resumeItemDated{2021}{Built a benchmark of 40k labelled frames}\n"
        "\\end{itemize}\n"
    )
    assert texts(resume(preamble, body)) == [
        "Cut p99 latency 40% for 3M users",
        "Raised annotator agreement from 0.68 to 0.84",
    ]


def test_a_bullet_macro_reads_its_own_arguments_and_no_more():
    """``\\resumeItem`` from the class takes a label and a text; ``\\cvlistitem`` and a one-argument
    macro of the file take one: a brace group after them is text of its own."""
    body = (
        "\\section{Experience}\n"
        "\\resumeItem{Spark}{Cut job time 40\\% across 12 pipelines}\n"
        "{\\small\\itshape Scala, Airflow}\n"
        "\\cvlistitem{Cut p99 latency 40\\% for 3M users}\n"
        "{\\footnotesize Go, Redis}\n"
    )
    assert texts(resume("", body)) == ["Cut job time 40% across 12 pipelines", "Cut p99 latency 40% for 3M users"]
    own = "\\newcommand{\\resumeItem}[1]{\\item\\small{#1}}\n"
    body = "\\section{Experience}\n\\resumeItem{Trained 12 annotators on the new guide}\n{\\color{gray} Python, SQL}\n"
    assert texts(resume(own, body)) == ["Trained 12 annotators on the new guide"]


def test_a_definition_in_the_body_hides_only_itself():
    source = (
        "\\section{Experience}\n"
        "\\item Cut p99 latency 40\\% for 3M users\n"
        "\\newcommand{\\metric}[1]{\\textbf{#1}}\n"
        "\\item Trained 12 annotators, raising agreement to \\metric{0.84}\n"
        "\\providecommand{\\XeLaTeX}{XeLaTeX}\n"
        "\\item Typeset the 40-page labeling guide\n"
        "\\newenvironment{tight}{\\begin{itemize}\\small}{\\end{itemize}\\medskip}\n"
        "\\resumeItem{Built a benchmark of 40k labelled frames}\n"
    )
    assert bullets(source) == [
        Bullet("Cut p99 latency 40% for 3M users", "line 2"),
        Bullet("Trained 12 annotators, raising agreement to 0.84", "line 4"),
        Bullet("Typeset the 40-page labeling guide", "line 6"),
        Bullet("Built a benchmark of 40k labelled frames", "line 8"),
    ]


def test_a_definition_whose_brace_never_closes_does_not_hide_the_resume():
    """Past the group budget an unclosed definition is left as it is, not read to the end of the file."""
    padding = "%" + "x" * MAX_LATEX_GROUP_CHARS + "\n"
    body = "\\section{Experience}\n\\begin{itemize}\n\\item Cut p99 latency 40\\% for 3M users\n\\end{itemize}\n"
    for broken in (
        "\\newcommand{\\resumeItem}[1]{\\item\\small{#1}\n",
        "\\newenvironment{jobs}{\\begin{itemize}}{\\end{itemize}\n",
    ):
        assert texts(resume(broken, body + padding)) == ["Cut p99 latency 40% for 3M users"]


def test_a_starred_definition_does_not_stop_the_definitions_after_it():
    preamble = "\\newcommand*{\\cvrule}{\\rule{\\linewidth}{0.4pt}}\n\\newcommand{\\achievement}[1]{\\item #1}\n"
    body = (
        "\\section{Experience}\n\\begin{itemize}\n\\achievement{Cut p99 latency 40\\% for 3M users}\n\\end{itemize}\n"
    )
    assert texts(resume(preamble, body)) == ["Cut p99 latency 40% for 3M users"]


def test_bullets_written_with_a_starred_macro_are_read_and_written_back():
    preamble = "\\newcommand*{\\achievement}[1]{\\item #1}\n\\renewcommand* {\\cvrule}{\\hrule}\n"
    body = (
        "\\section{Experience}\n\\begin{itemize}\n\\achievement{Cut p99 latency 40\\% for 3M users}\n\\end{itemize}\n"
    )
    source = resume(preamble, body)
    doc = read(source)
    assert texts(source) == ["Cut p99 latency 40% for 3M users"]
    out = doc.render({doc.bullets[0].location: "Cut p99 latency 40% for 3M users with a Redis cache"}).decode()
    assert out == source.replace("3M users}", "3M users with a Redis cache}")


# --- the text of a bullet: trimmed of layout, inside one brace group, X and C kept ---------------


def test_bullet_text_keeps_its_first_and_last_words_and_a_leading_group():
    body = (
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\item XGBoost ranking model lifted throughput 10X\n"
        "  \\item Raised the team's audit grade from C to A\n"
        "  \\item {\\bf Acme:} Built the ranking service for 3M users\n"
        "  \\item {Cut p99 latency 40\\% for 3M users} \\vspace{-2pt}\n"
        "\\end{itemize}\n"
    )
    assert texts(resume("", body)) == [
        "XGBoost ranking model lifted throughput 10X",
        "Raised the team's audit grade from C to A",
        "Acme: Built the ranking service for 3M users",
        "Cut p99 latency 40% for 3M users",
    ]


def test_a_rewrite_keeps_the_layout_after_the_bullet():
    source = resume(
        "",
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\item Cut p99 latency 40\\% for 3M users \\vspace{-2pt}\n"
        "  \\item Trained 12 annotators on the new guide\\\\[2pt]\n"
        "\\end{itemize}\n",
    )
    doc = read(source)
    out = doc.render({"line 5": "Cut p99 latency 45% for 3M users", "line 6": "Trained 14 annotators"}).decode()
    assert (
        "  \\item Cut p99 latency 45\\% for 3M users \\vspace{-2pt}\n  \\item Trained 14 annotators\\\\[2pt]\n" in out
    )


def test_an_empty_item_at_the_end_of_a_fragment_is_no_bullet():
    source = "\\item Cut p99 latency 40\\% for 3M users\n\\item\n"
    assert texts(source) == ["Cut p99 latency 40% for 3M users"]
    assert texts(source + "\\resumeItem{Trained 12 annotators on the new guide}\n") == [
        "Cut p99 latency 40% for 3M users",
        "Trained 12 annotators on the new guide",
    ]


def test_an_item_label_that_never_closes_is_text():
    """``\\item[`` starts a label only if ``]`` follows within 200 characters (a typo, not a label)."""
    long = "Cut p99 latency 40\\% for 3M users across 12 services " * 5
    body = (
        f"\\section{{Experience}}\n\\begin{{itemize}}\n\\item[{long}\n\\item Trained 12 annotators]\n\\end{{itemize}}\n"
    )
    assert [t[:40] for t in texts(resume("", body))] == [
        "[Cut p99 latency 40% for 3M users across",
        "Trained 12 annotators]",
    ]


# --- markup written back: the file's own macros, nested markup, markup that would change the words ---


def test_markup_of_the_files_own_macro_is_reported_as_format_when_its_words_go():
    preamble = "\\newcommand{\\company}[1]{\\textsc{#1}}\n\\newcommand{\\metric}[2]{\\textbf{#1}~#2}\n"
    body = (
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\item Built the ranking service at \\company{Northwind} for 3M users\n"
        "  \\item Cut p99 latency by \\metric{40\\%}{faster} for 3M users\n"
        "\\end{itemize}\n"
    )
    doc = read(resume(preamble, body))
    changes = {"line 7": "Built the ranking service for 3M users", "line 8": "Cut p99 latency 40% for 3M users"}
    assert doc.dropped_markup(changes) == {"line 7": [Markup("Northwind", "format", "\\company{Northwind}")]}
    # A two-argument macro is not markup: around "40%" alone it would take the next word as its second.
    assert "  \\item Cut p99 latency 40\\% for 3M users\n" in doc.render(changes).decode()


def test_nested_markup_is_carried_when_the_outer_span_cannot_be():
    preamble = "\\newcommand{\\tool}[1]{\\texttt{#1}}\n"
    body = (
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\item Cut review time with \\textbf{\\href{https://x.io/cc}{consensus checks} and audits}\n"
        "  \\item Deduplicated prompts with the \\emph{\\tool{datasketch} pipeline}\n"
        "\\end{itemize}\n"
    )
    doc = read(resume(preamble, body))
    changes = {
        "line 6": "Cut review time 60% with consensus checks",
        "line 7": "Deduplicated 2.4M prompts with datasketch",
    }
    out = doc.render(changes).decode()
    assert "\\item Cut review time 60\\% with \\href{https://x.io/cc}{consensus checks}\n" in out
    assert "\\item Deduplicated 2.4M prompts with \\tool{datasketch}\n" in out


def test_markup_that_would_change_the_words_is_not_written():
    """``{\\bf x}`` reads as " x": right after "(" it would add a space the person did not write."""
    body = (
        "\\section{Experience}\n\\begin{itemize}\n"
        "  \\item Wrote the {\\bf labeling guide} for \\texttt{labelcheck}\n"
        "\\end{itemize}\n"
    )
    doc = read(resume("", body))
    changes = {"line 5": "Wrote a guide (labeling guide) for labelcheck users"}
    assert "  \\item Wrote a guide (labeling guide) for labelcheck users\n" in doc.render(changes).decode()
    assert doc.dropped_markup(changes) == {
        "line 5": [
            Markup("labeling guide", "bold", "{\\bf labeling guide}"),
            Markup("labelcheck", "code", "\\texttt{labelcheck}"),
        ]
    }


def test_a_long_commented_block_after_the_last_item_is_not_part_of_it():
    """Old bullets kept in comments are blanked to spaces: more than the 2,000 characters of layout
    the end of a bullet is searched for, and still not the bullet's."""
    old = "".join(f"  % \\item Old bullet number {k} about the 2019 labeling pipeline\n" for k in range(60))
    source = resume(
        "",
        "\\section{Experience}\n\\begin{itemize}\n  \\item Cut p99 latency 40\\% for 3M users\n"
        + old
        + "\\end{itemize}\n",
    )
    doc = read(source)
    assert doc.bullets == [Bullet("Cut p99 latency 40% for 3M users", "line 5")]
    out = doc.render({"line 5": "Cut p99 latency 45% for 3M users"})
    assert out.decode() == source.replace("40\\%", "45\\%")


def test_a_section_whose_short_title_never_closes_is_no_heading():
    """``\\section[Projects`` (a typo): no ``]`` within 200 characters, so no short title and no heading."""
    items = "".join(f"\\item Wrote labelcheck {k}, a library that flags label errors\n" for k in range(1, 5))
    body = (
        "\\section{Experience}\n\\begin{itemize}\n\\item Cut p99 latency 40\\% for 3M users\n\\end{itemize}\n"
        "\\section[Projects{Side Projects}\n\\begin{itemize}\n" + items + "\\item[--] {Trained 12 annotators}\n"
        "\\end{itemize}\n"
    )
    assert texts(resume("", body)) == [
        "Cut p99 latency 40% for 3M users",
        *(f"Wrote labelcheck {k}, a library that flags label errors" for k in range(1, 5)),
        "Trained 12 annotators",
    ]

"""JSON Resume in detail: a file that is not the schema gets one line naming the path and what was
found there, and writing back changes the changed highlight's string token and no other byte,
whatever the file's layout (Prettier, minified, `json.dump` with its \\u escapes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.paths import shared_path

from bulletsmith.documents import DocumentError, load_document
from bulletsmith.documents.jsonresume import parse_jsonresume

CUT = "Cut local test-suite runtime by 35% by parallelizing integration fixtures"
DASHBOARD = "Built a service-health dashboard in React and TypeScript adopted by three on-call teams"


def _message(tmp_path: Path, text: str, name: str = "resume.json") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DocumentError) as e:
        load_document(path)
    message = str(e.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    return message.removeprefix(f"{path}: ")


def _resume(**sections: object) -> str:
    return json.dumps({"basics": {"name": "Maya Okonkwo"}, **sections}, indent=2, ensure_ascii=False)


# --- bad input: one line, the path in the resume, what the schema wants and what is there ---------

WRONG_TYPES = [
    # (the resume's sections, the message after "FILE: ")
    ({"work": "Acme, 2020-2023"}, "work: expected a list of entries, found a string"),
    ({"work": ""}, "work: expected a list of entries, found an empty string"),
    ({"projects": {"name": "Campus Marketplace"}}, "projects: expected a list of entries, found an object"),
    ({"volunteer": True}, "volunteer: expected a list of entries, found true"),
    ({"work": ["Acme", "Initech"]}, "work[0]: expected an object, found a string"),
    ({"work": [{"name": "Acme"}, None]}, "work[1]: expected an object, found null"),
    ({"work": [[DASHBOARD]]}, "work[0]: expected an object, found a list"),
    ({"work": [{"name": "Acme", "highlights": DASHBOARD}]}, "work[0].highlights: expected a list of strings, found a string"),
    ({"projects": [{"highlights": {"first": DASHBOARD}}]}, "projects[0].highlights: expected a list of strings, found an object"),
    ({"volunteer": [{"highlights": 3}]}, "volunteer[0].highlights: expected a list of strings, found a number"),
    ({"work": [{"highlights": [DASHBOARD, 42]}]}, "work[0].highlights[1]: expected a string, found a number"),
    ({"work": [{"highlights": [DASHBOARD, 2.5]}]}, "work[0].highlights[1]: expected a string, found a number"),
    ({"work": [{}, {"highlights": [None]}]}, "work[1].highlights[0]: expected a string, found null"),
    ({"work": [{"highlights": [False]}]}, "work[0].highlights[0]: expected a string, found false"),
    ({"projects": [{"highlights": [True]}]}, "projects[0].highlights[0]: expected a string, found true"),
    ({"work": [{"highlights": [[DASHBOARD]]}]}, "work[0].highlights[0]: expected a string, found a list"),
]  # fmt: skip


@pytest.mark.parametrize(("sections", "expected"), WRONG_TYPES, ids=[w[1] for w in WRONG_TYPES])
def test_a_path_of_the_wrong_type_is_named_with_what_it_holds(tmp_path, sections, expected):
    assert _message(tmp_path, _resume(**sections)) == expected


def test_a_missing_or_null_section_or_highlights_is_fine(tmp_path):
    """Entries before the one with highlights may have none: the bullets after them are still read."""
    path = tmp_path / "resume.json"
    path.write_text(
        _resume(
            work=[
                {"name": "Acme", "summary": "Internship"},
                {"name": "Initech", "highlights": None},
                {"highlights": [CUT]},
            ],
            projects=None,
        )
    )
    assert [(b.location, b.text) for b in load_document(path).bullets] == [("work[2].highlights[0]", CUT)]


def test_only_achievement_highlights_are_bullets(tmp_path):
    path = tmp_path / "resume.json"
    path.write_text(_resume(projects=[{"highlights": ["Next.js, PostgreSQL, Prisma, Vercel", DASHBOARD, "Team lead"]}]))
    assert [(b.location, b.text) for b in load_document(path).bullets] == [("projects[0].highlights[1]", DASHBOARD)]


NOT_JSON_RESUME = [
    ('{"name": "Maya Okonkwo", "experience": [{"bullets": ["Built a dashboard"]}]}', "a resume in its own schema"),
    ('["Built a dashboard"]', "a list"),
    ('"Built a dashboard"', "a string"),
    ("{}", "an empty object"),
]


@pytest.mark.parametrize(("text", "what"), NOT_JSON_RESUME, ids=[n[1] for n in NOT_JSON_RESUME])
def test_json_that_is_not_a_json_resume(tmp_path, text, what):
    assert _message(tmp_path, text) == "is JSON but not a JSON Resume (expected keys such as basics, work, projects)"


def test_a_key_written_twice_is_refused_instead_of_losing_the_first(tmp_path):
    text = '{"work": [{"highlights": [' + json.dumps(CUT) + ']}], "work": []}'
    assert _message(tmp_path, text) == (
        "the key 'work' appears twice in one object; JSON keeps only the last one, so merge the two"
    )
    nested = '{"work": [{"name": "Acme", "highlights": [' + json.dumps(CUT) + '], "name": "Initech"}]}'
    assert _message(tmp_path, nested).startswith("the key 'name' appears twice")
    # The same key in two different objects is no duplicate.
    fine = tmp_path / "fine.json"
    fine.write_text('{"work": [{"name": "Acme", "highlights": [' + json.dumps(CUT) + ']}, {"name": "Initech"}]}')
    assert [b.text for b in load_document(fine).bullets] == [CUT]


LONE_SURROGATES = [
    ('{"work": [{"highlights": [' + json.dumps(CUT) + ', "Built \\ud800 models"]}]}', "work[0].highlights[1]"),
    ('{"basics": {"name": "Maya \\udfff"}, "work": []}', "basics.name"),
    ('{"work": [{"\\ud83dname": "Acme"}]}', "the key work[0].\\ud83dname"),
    ('{"\\udc00": 1, "basics": {}}', "the key \\udc00"),
    ('"\\ud800"', "the top level"),
    ("[" + json.dumps(CUT) + ', ["\\ud800"]]', "[1][0]"),
]


@pytest.mark.parametrize(("text", "where"), LONE_SURROGATES, ids=[s[1] for s in LONE_SURROGATES])
def test_a_lone_surrogate_escape_is_named_where_it_is(tmp_path, text, where):
    """A lone "\\ud800" is no character: it could be neither printed nor written back."""
    assert _message(tmp_path, text) == (
        f"{where}: holds a lone surrogate escape (\\ud800-\\udfff), which is no character; fix or remove it"
    )


def test_a_surrogate_pair_is_one_character_and_fine(tmp_path):
    path = tmp_path / "resume.json"
    path.write_text('{"work": [{"highlights": ["Shipped the \\ud83d\\ude80 launch checklist to 40 teams"]}]}')
    assert [b.text for b in load_document(path).bullets] == ["Shipped the \U0001f680 launch checklist to 40 teams"]


def test_broken_and_too_deep_json(tmp_path):
    assert _message(tmp_path, '{"work": [{"highlights": ["a",]}') == (
        "is not valid JSON (line 1, column 31: Expecting value)"
    )
    deep = '{"work": [{"highlights": [%s]}]}' % ("[" * 50_000 + "]" * 50_000)
    assert _message(tmp_path, deep) == "is not valid JSON (nested too deeply)"


def test_a_resume_in_another_encoding_is_named(tmp_path):
    path = tmp_path / "resume.json"
    path.write_bytes(_resume(work=[{"highlights": ["Réduit les coûts de 30 %"]}]).encode("latin-1"))
    with pytest.raises(DocumentError) as e:
        load_document(path)
    assert str(e.value) == f"{path}: is not UTF-8 text (byte 0xe9 at offset 98); save it as UTF-8"


def test_the_parser_itself_refuses_a_blank_file():
    """load_document refuses blank files before any parser (its own message); the parser does too."""
    with pytest.raises(DocumentError) as e:
        parse_jsonresume(Path("resume.json"), b" \n\t\n")
    assert str(e.value) == "resume.json: is empty"


# --- writing back: only the changed string token -------------------------------------------------


def _rewrite(tmp_path: Path, text: str, location: str, new: str) -> str:
    path = tmp_path / "resume.json"
    path.write_text(text, encoding="utf-8")
    doc = load_document(path)
    return doc.render({location: new}).decode("utf-8")


def test_a_real_resume_minified_keeps_every_other_byte(tmp_path):
    """A minified file (no space after a colon or a comma, `{}` and `[]` values, numbers, null):
    the scanner must find each highlight's token exactly."""
    resume = json.loads(shared_path("realdata", "resumes", "jsonresume-org_new-grad.resume.json").read_text())
    resume["basics"]["location"] = {}
    resume["basics"]["profiles"] = []
    resume["meta"] = {"version": 1, "gpa": 3.9e0, "draft": False, "public": True, "theme": None, "offset": -2}
    minified = json.dumps(resume, separators=(",", ":"), ensure_ascii=False)
    doc_bullets = [b.text for b in load_document(_write(tmp_path, minified)).bullets]
    assert len(doc_bullets) == 10 and doc_bullets[1] == CUT
    new = "Cut test-suite runtime 35% (from 20 to 13 minutes) by running integration fixtures in parallel"
    out = _rewrite(tmp_path, minified, "work[0].highlights[1]", new)
    assert out == minified.replace(json.dumps(CUT), json.dumps(new))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "resume.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "layout",
    [
        {"indent": 2},
        {"indent": 4, "separators": (", ", ": ")},
        {"indent": None},
        {"separators": (",", ":")},
        {"indent": "\t", "separators": (" ,", " : ")},
    ],
    ids=["prettier", "four-spaces", "one-line", "minified", "tabs-and-spaced-punctuation"],
)
def test_every_layout_keeps_every_byte_but_the_changed_highlight(tmp_path, layout):
    resume = {
        "basics": {"name": "Maya Okonkwo", "location": {}, "profiles": [], "age": None},
        "work": [
            {"name": "Acme", "highlights": []},
            {"name": "Initech", "remote": True, "highlights": [DASHBOARD, CUT], "team": {}},
        ],
        "projects": [{"highlights": ["Deployed to 400+ active students across two residence halls"], "stars": 120}],
        "education": [{"score": 3.9, "courses": []}],
    }
    text = json.dumps(resume, ensure_ascii=False, **layout)
    new = "Cut test-suite runtime 35% by running integration fixtures in parallel"
    out = _rewrite(tmp_path, text, "work[1].highlights[1]", new)
    assert out == text.replace(json.dumps(CUT), json.dumps(new))
    out = _rewrite(tmp_path, text, "projects[0].highlights[0]", "Deployed to 400+ students")
    assert out == text.replace(
        '"Deployed to 400+ active students across two residence halls"', '"Deployed to 400+ students"'
    )


def test_a_file_that_escapes_non_ascii_keeps_escaping(tmp_path):
    """Python's json.dump writes \\u00e9 for é: a new text is written the same way."""
    text = json.dumps({"basics": {"name": "José Álvarez"}, "work": [{"highlights": [CUT]}]}, indent=2)
    assert "\\u00e9" in text and text.isascii()
    out = _rewrite(tmp_path, text, "work[0].highlights[0]", "Cut runtime 35% for the café team")
    assert out == text.replace(json.dumps(CUT), '"Cut runtime 35% for the caf\\u00e9 team"')


@pytest.mark.parametrize("name", ["Maya Okonkwo", "José Álvarez"], ids=["ascii-file", "file-with-raw-accents"])
def test_a_file_that_writes_characters_as_they_are_keeps_doing_so(tmp_path, name):
    text = json.dumps({"basics": {"name": name}, "work": [{"highlights": [CUT]}]}, indent=2, ensure_ascii=False)
    out = _rewrite(tmp_path, text, "work[0].highlights[0]", "Cut runtime 35% for the café team")
    assert out == text.replace(json.dumps(CUT), '"Cut runtime 35% for the café team"')


# --- which highlights are bullets (rules 2-5 of bulletsmith.documents.filters) --------------------

HIGHLIGHTS = [
    # (highlight, is it an achievement bullet?)
    ("Python, SQL, Spark, Airflow", False),  # a bare list of four short items
    ("Scaled ingestion, cut costs, fixed alerts, and onboarded four teams", True),  # a part of four words
    ("Focus: Kafka, Spark", False),  # a label and a list of two
    ("Focus: rebuilt the billing service, cut the cloud bill in half", True),
    ("Focus: real time fraud scoring, batch feature store builds", False),  # parts of four words
    ("Result: a faster nightly batch runtime, two saved engineer days weekly", True),  # parts of five words
    ("Languages I write daily: Python, Go", False),  # a four-word label
    ("Cut costs across two teams: infra, data", True),  # five words before the colon: a statement
    ("Data: cut warehouse costs 30% by archiving cold partitions", True),  # a filler word as the label
    ("Write to maya.okonkwo@example.com", False),  # contact lines: fewer than three other words
    ("Personal site maya.example.com/portfolio/2024/projects", False),
    ("Call (206) 555-0142", False),
    ("Maintains open-source labelkit (github.com/maya/labelkit)", True),  # three words and a URL
    ("Team lead", False),
]


@pytest.mark.parametrize(("highlight", "kept"), HIGHLIGHTS, ids=[h[0] for h in HIGHLIGHTS])
def test_which_highlights_read_as_achievements(tmp_path, highlight, kept):
    path = tmp_path / "resume.json"
    path.write_text(json.dumps({"work": [{"highlights": [highlight, CUT]}]}))
    assert [b.text for b in load_document(path).bullets] == ([highlight, CUT] if kept else [CUT])

"""A corpus of bad input files, generated at test time (nothing large is committed).

`RESUMES`: (file name, maker(path), words the error must contain). Each file must make
`bulletsmith rewrite FILE` print one line naming the file and the problem, and exit 2.
`words` is a regular expression.
`ANSWERS`: the same for a broken answers file passed with --answers (the resume is good).
"""

from __future__ import annotations

import io
import json
import os
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

from support.paths import WEAK

GOOD_BULLET = WEAK
GOOD_MD = f"# Alex\n\n- {GOOD_BULLET}\n"

Maker = Callable[[Path], None]


def _text(s: str, encoding: str = "utf-8") -> Maker:
    return lambda p: p.write_bytes(s.encode(encoding))


def _bytes(b: bytes) -> Maker:
    return lambda p: p.write_bytes(b)


def _sparse(size: int) -> Maker:
    def make(p: Path) -> None:
        with p.open("wb") as fh:
            fh.truncate(size)

    return make


def _over_limit_text(p: Path) -> None:
    line = f"- {GOOD_BULLET}\n".encode()
    with p.open("wb") as fh:
        fh.write(line * (11 * 1024 * 1024 // len(line) + 1))  # 11 MB of real bullets


def _random_bytes(p: Path) -> None:
    p.write_bytes(random.Random(7).randbytes(4096))


def _docx_bytes() -> bytes:
    """A minimal valid .docx with one bullet paragraph."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                "</Types>"
            ),
        )
        z.writestr(
            "_rels/.rels",
            (
                '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                "</Relationships>"
            ),
        )
        z.writestr(
            "word/document.xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body><w:p><w:r><w:t>{GOOD_BULLET}</w:t></w:r></w:p></w:body></w:document>"
            ),
        )
    return buf.getvalue()


def _truncated_docx(p: Path) -> None:
    data = _docx_bytes()
    p.write_bytes(data[: len(data) // 2])


def _docx_without_body(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("hello.txt", "not a word document")


def _docx_bad_xml(p: Path) -> None:
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("[Content_Types].xml", "<Types")
        z.writestr("word/document.xml", "<w:document><w:body><w:p>")


def _json(value: object) -> Maker:
    return lambda p: p.write_text(json.dumps(value), encoding="utf-8")


def _many_bullets(p: Path) -> None:
    p.write_text(
        "# Alex\n\n" + "".join(f"- Built pipeline number {i} for image labeling\n" for i in range(10_000)),
        encoding="utf-8",
    )


def _long_bullet(p: Path) -> None:
    words = ("Built a classification model for image labeling and " * 100)[:5000]
    p.write_text(f"# Alex\n\n- {words}\n", encoding="utf-8")


PDF_HEAD = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"

RESUMES: list[tuple[str, Maker, str]] = [
    ("empty.md", _text(""), r"empty\.md: is empty$"),
    ("empty.txt", _text(""), r"empty\.txt: is empty$"),
    ("whitespace.md", _text("   \n\t\n   \n"), r"whitespace\.md: is empty \(only whitespace\)$"),
    ("whitespace.txt", _text("\n\n    \n"), "is empty"),
    ("whitespace.tex", _text("  \n \n"), "is empty"),
    ("bom-and-blank-lines.md", _bytes(b"\xef\xbb\xbf\r\n\r\n"), "is empty"),
    ("empty.docx", _text(""), r"empty\.docx: is empty$"),
    ("empty.pdf", _text(""), r"empty\.pdf: is empty$"),
    ("nul-bytes.md", _bytes(b"\x00\x01\x02binary\x00" * 50), "binary"),
    ("random.txt", _random_bytes, "binary"),
    ("latin1.md", _text("- Réduit les coûts de 30 % grâce au modèle\n", "latin-1"), "UTF-8"),
    ("cp1252.txt", _bytes(b"- Built the \x93smart\x94 labeling model\n"), "UTF-8"),
    (
        "utf16-le-bom.md",
        _bytes(b"\xff\xfe" + f"- {GOOD_BULLET}\n".encode("utf-16-le")),
        "UTF-16 text; save it as UTF-8",
    ),
    (
        "utf16-be-bom.txt",
        _bytes(b"\xfe\xff" + f"- {GOOD_BULLET}\n".encode("utf-16-be")),
        "UTF-16 text; save it as UTF-8",
    ),
    ("huge-sparse.md", _sparse(50 * 1024 * 1024), "too large"),
    ("huge-text.txt", _over_limit_text, "too large"),
    ("ten-thousand-bullets.md", _many_bullets, "10,000 bullets"),
    ("long-bullet.md", _long_bullet, "characters long"),
    ("headings-only.md", _text("# Alex\n\n## Experience\n\nJust prose, no list.\n"), "no bullets found"),
    ("corrupt.docx", _bytes(b"this is not a zip file at all"), "not a valid .docx"),
    ("truncated.docx", _truncated_docx, ".docx"),
    ("no-body.docx", _docx_without_body, ".docx"),
    ("bad-xml.docx", _docx_bad_xml, ".docx"),
    ("corrupt.pdf", _bytes(PDF_HEAD + b"garbage garbage\n%%EOF"), "PDF"),
    ("truncated.pdf", _bytes(PDF_HEAD[:20]), "PDF"),
    ("not-a.pdf", _text("hello, I am text"), "not a valid PDF"),
    ("broken.json", _text('{"work": [{"highlights": ["Built a model",]}'), "not valid JSON"),
    ("array.json", _json(["Built a model"]), "not a JSON Resume"),
    ("number.json", _json(42), "not a JSON Resume"),
    (
        "work-is-string.json",
        _json({"basics": {"name": "A"}, "work": "Acme, 2020-2023"}),
        r"work: expected a list of entries, found a string$",
    ),
    (
        "highlights-is-string.json",
        _json({"work": [{"name": "Acme", "highlights": GOOD_BULLET}]}),
        r"work\[0\]\.highlights: expected a list of strings, found a string$",
    ),
    (
        "highlights-is-object.json",
        _json({"projects": [{"highlights": {"first": GOOD_BULLET}}]}),
        r"projects\[0\]\.highlights: expected a list of strings, found an object$",
    ),
    (
        "highlights-are-numbers.json",
        _json({"work": [{"name": "Acme", "highlights": [1, 2, 3]}]}),
        r"work\[0\]\.highlights\[0\]: expected a string, found a number$",
    ),
    (
        "highlight-is-number.json",
        _json({"work": [{"highlights": [GOOD_BULLET, 42]}]}),
        r"work\[0\]\.highlights\[1\]: expected a string, found a number$",
    ),
    (
        "work-entries-are-strings.json",
        _json({"work": ["Acme", "Initech"]}),
        r"work\[0\]: expected an object, found a string$",
    ),
    # A folder is a file argument of rewrite and extract too (the resumes in it): there, an empty one.
    (
        "folder-without-extension",
        lambda p: p.mkdir(),
        r"folder-without-extension: is a folder, not a file(, and no resume is in it \(\.md, .*\))?$",
    ),
    (
        "lone-surrogate.json",
        _text('{"work": [{"highlights": ["Built a model \\ud800 for image labeling"]}]}'),
        r"work\[0\]\.highlights\[0\]: holds a lone surrogate",
    ),
    (
        "duplicate-keys.json",
        _text('{"work": [{"highlights": ["Built a model for image labeling"]}], "work": []}'),
        "the key 'work' appears twice",
    ),
    ("fifo.md", lambda p: os.mkfifo(p), r"fifo\.md: is a named pipe \(FIFO\), not a regular file$"),
    (
        "deep-braces.tex",
        _text("\\begin{itemize}\n\\item Built " + "{" * 100 + "x" + "}" * 100 + "\n\\end{itemize}\n"),
        "nested more than 64 deep",
    ),
    (
        "unbalanced-open.tex",
        _text("\\begin{itemize}\n\\item Built a model {for image labeling\n\\end{itemize}\n"),
        "brace",
    ),
    ("unbalanced-macro.tex", _text("\\resumeItem{Built a classification model for image labeling\n"), "brace"),
    ("unbalanced-close.tex", _text("\\begin{itemize}\n\\item Built a model} for labeling\n\\end{itemize}\n"), "brace"),
]

ANSWERS: list[tuple[str, Maker, str]] = [
    ("unknown-key.yaml", _text("resume: r.md\nbullets:\n  - bullet: x\n    colour: blue\n"), "unknown key 'colour'"),
    ("unknown-top-key.yaml", _text("resume: r.md\nanswers: []\n"), "unknown key 'answers'"),
    ("broken.yaml", _text("resume: r.md\nbullets: [\n  - bullet: x\n"), "broken YAML"),
    ("tabs.yaml", _text("resume: r.md\nbullets:\n\t- bullet: x\n"), "broken YAML"),
    (
        "unknown-slot.yaml",
        _text("bullets:\n  - bullet: x\n    questions:\n      - slot: impact\n        answer: '3%'\n"),
        "unknown slot 'impact'",
    ),
    ("list-top.yaml", _text("- a\n- b\n"), "not a questions file"),
    ("latin1.yaml", _text("resume: résumé.md\n", "latin-1"), "not UTF-8"),
    ("binary.yaml", _bytes(b"\x00\x01\x02\x03" * 64), "binary data"),
    ("bullets-is-string.yaml", _text("bullets: just text\n"), "bullets"),
]

"""Hostile inputs, generated at test time (nothing large is committed): small files that used to
hang the tool, exhaust its memory or print raw control sequences.

Each maker writes one file at the path it is given. `run_probe` runs `bulletsmith` on it as a
subprocess with an address-space limit and a timeout, as a person (or an attacker) would.
"""

from __future__ import annotations

import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_STYLES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"

HEAD_MD = "# Alex\n\n## Experience\n\n"


# --------------------------------------------------------------------------- text formats


def markdown_bullet(body: str):
    """A Markdown resume whose one bullet is `body` (a 1 MB token, control sequences…)."""
    return lambda p: p.write_text(f"{HEAD_MD}- {body}\n", encoding="utf-8")


def latex_nested_braces(depth: int):
    def make(p: Path) -> None:
        p.write_text(
            "\\section{Experience}\n\\begin{itemize}\n\\item Built a model "
            + "{" * depth
            + "for image labeling"
            + "}" * depth
            + "\n\\end{itemize}\n",
            encoding="utf-8",
        )

    return make


def fifo(p: Path) -> None:
    os.mkfifo(p)


# --------------------------------------------------------------------------- DOCX


def _zip_member(name: str, data: bytes, *, claimed_size: int | None = None) -> tuple[bytes, bytes]:
    """(local header + data, central directory entry) of one deflated member. `claimed_size`
    replaces the uncompressed size in both headers: a zip directory that lies."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = packer.compress(data) + packer.flush()
    return _raw_member(name, deflated, zlib.crc32(data), len(data) if claimed_size is None else claimed_size)


def _raw_member(name: str, deflated: bytes, crc: int, size: int) -> tuple[bytes, bytes]:
    raw = name.encode()
    common = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(deflated), size)
    local = b"PK\x03\x04" + common + struct.pack("<HH", len(raw), 0) + raw + deflated
    central = b"PK\x01\x02" + struct.pack("<H", 20) + common + struct.pack("<HHHHHII", len(raw), 0, 0, 0, 0, 0, 0) + raw
    return local, central


def _zip(members: list[tuple[bytes, bytes]]) -> bytes:
    out, directory = b"", b""
    for local, central in members:
        directory += central[:42] + struct.pack("<I", len(out)) + central[46:]
        out += local
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(directory), len(out), 0)
    return out + directory + end


def _docx(body: str, *, styles: str | None = None, document: tuple[bytes, bytes] | None = None) -> bytes:
    types = (
        f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{_DOC_TYPE}"/>'
        + (f'<Override PartName="/word/styles.xml" ContentType="{_STYLES_TYPE}"/>' if styles else "")
        + "</Types>"
    )
    rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    doc_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL}">'
        + (f'<Relationship Id="rId1" Type="{_REL}/styles" Target="styles.xml"/>' if styles else "")
        + "</Relationships>"
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
    members = [
        _zip_member("[Content_Types].xml", types.encode()),
        _zip_member("_rels/.rels", rels.encode()),
        _zip_member("word/_rels/document.xml.rels", doc_rels.encode()),
        document or _zip_member("word/document.xml", xml.encode()),
    ]
    if styles:
        members.append(_zip_member("word/styles.xml", styles.encode()))
    return _zip(members)


def _list_paragraph(text: str, style: str | None = None) -> str:
    ppr = f'<w:pStyle w:val="{style}"/>' if style else ""
    return (
        f'<w:p><w:pPr>{ppr}<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        f"<w:r><w:t>{text}</w:t></w:r></w:p>"
    )


def docx_paragraphs(n: int, *, empty: bool = False):
    """`n` one-word (or empty) paragraphs: a few kB of zip."""
    paragraph = "<w:p/>" if empty else "<w:p><w:r><w:t>word</w:t></w:r></w:p>"

    def make(p: Path) -> None:
        p.write_bytes(_docx("<w:p><w:r><w:t>Experience</w:t></w:r></w:p>" + paragraph * n))

    return make


def docx_styles(n: int):
    """`n` paragraph styles and a few hundred list paragraphs that use the last one."""

    def make(p: Path) -> None:
        styles = (
            f'<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="{W}">'
            + "".join(
                f'<w:style w:type="paragraph" w:styleId="S{i}"><w:name w:val="Style {i}"/></w:style>' for i in range(n)
            )
            + "</w:styles>"
        )
        body = "".join(
            _list_paragraph(f"Built pipeline {i} for image labeling at scale", f"S{n - 1}") for i in range(300)
        )
        p.write_bytes(_docx(body, styles=styles))

    return make


def docx_lying_zip(real_size: int, claimed_size: int = 2000):
    """document.xml inflates to `real_size` bytes while the zip directory says `claimed_size`.
    The deflate stream is built by repeating one fully flushed block, so making it is cheap."""

    def make(p: Path) -> None:
        head = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'.encode()
        chunk = b" " * (1 << 20)
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        start = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
        block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)  # the same bytes for every chunk
        deflated = start + block * (real_size // len(chunk)) + packer.flush()
        p.write_bytes(_docx("", document=_raw_member("word/document.xml", deflated, 0, claimed_size)))

    return make


# --------------------------------------------------------------------------- PDF


def _text_operations(n: int) -> bytes:
    return "".join(
        f"BT /F1 10 Tf 72 {700 - (i % 60) * 10} Td (Built pipeline {i} for labeling) Tj ET\n" for i in range(n)
    ).encode()


def _stream(data: bytes, extra: str = "") -> bytes:
    packed = zlib.compress(data, 9)
    return f"<< {extra}/Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode() + packed + b"\nendstream"


def pdf_shared_content(pages: int, operations: int):
    """`pages` pages that all draw one content stream of `operations` text operations."""
    return _pdf(pages, _stream(_text_operations(operations)))


def pdf_form_drawn(times: int, operations: int):
    """One page that draws one form XObject of `operations` text operations `times` times."""
    form = _stream(
        _text_operations(operations),
        "/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> ",
    )
    return _pdf(1, _stream(b"q /X1 Do Q\n" * times), form)


def pdf_stream_bomb(megabytes: int):
    """One page whose content stream inflates to `megabytes` MB (one flushed block, repeated)."""
    packer = zlib.compressobj(9)
    head = packer.compress(b"BT /F1 10 Tf 72 700 Td (Built it) Tj ET\n") + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(b" " * (1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    packed = head + block * megabytes + packer.flush()
    return _pdf(1, f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode() + packed + b"\nendstream")


def _pdf(pages: int, content: bytes, form: bytes | None = None):
    def make(p: Path) -> None:
        first_page = 6 if form else 5
        kids = " ".join(f"{first_page + i} 0 R" for i in range(pages))
        xobject = b" /XObject << /X1 5 0 R >>" if form else b""
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            content,
            *([form] if form else []),
        ] + [
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >>"
            + xobject
            + b" >> /Contents 4 0 R >>"
        ] * pages
        out = bytearray(b"%PDF-1.4\n")
        offsets = []
        for i, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        p.write_bytes(bytes(out))

    return make


# --------------------------------------------------------------------------- running a probe


@dataclass
class ProbeResult:
    exit_code: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float  # the child's peak resident memory


class ProbeTimeout(AssertionError):
    pass


def run_probe(
    args: list[str], *, cwd: Path, memory_mb: int, timeout: float, env: dict[str, str] | None = None, stdin: str = ""
) -> ProbeResult:
    """`bulletsmith ARGS` in a child process limited to `memory_mb` of address space; a run
    past `timeout` seconds is killed and raises ProbeTimeout (a hang is the bug being tested)."""
    limit = memory_mb * 1024 * 1024

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    full_env = {**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"}
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    with out, err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bulletsmith", *args],
            cwd=cwd,
            env=full_env,
            stdin=subprocess.PIPE,
            stdout=out,
            stderr=err,
            preexec_fn=limits,
        )
        if stdin:
            proc.stdin.write(stdin.encode())
        proc.stdin.close()
        while True:  # wait4, not wait: it gives this child's own peak memory
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise ProbeTimeout(f"bulletsmith {' '.join(args)} still running after {timeout} s")
            time.sleep(0.02)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return ProbeResult(
            proc.returncode,
            out.read().decode("utf-8", "backslashreplace"),
            err.read().decode("utf-8", "backslashreplace"),
            seconds,
            usage.ru_maxrss / 1024,
        )

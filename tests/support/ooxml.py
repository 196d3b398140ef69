"""Word constructs written into a python-docx document as raw OOXML, the way Word itself saves them.

python-docx has no API for content controls, tracked changes, fields, smart tags or text boxes, and
a test that builds them through python-docx would test python-docx's idea of them. These helpers
return the XML fragments as found in a document.xml saved by Word (2016 and later; ids, rsids and
dates are as Word writes them, the values are arbitrary), and ``add_paragraph`` puts a paragraph
made of them at the end of the body:

    d = docx.Document()
    add_paragraph(d, run("Reduced cloud spend by ") + content_control(run("25%"), "Savings") + run(" …"))
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NAMESPACES = {
    "w": W,
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "wp14": "http://schemas.microsoft.com/office/word/2010/wordprocessingDrawing",
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "w10": "urn:schemas-microsoft-com:office:word",
    "w14": "http://schemas.microsoft.com/office/word/2010/wordml",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
_DECLARATIONS = " ".join(f"xmlns:{prefix}={quoteattr(uri)}" for prefix, uri in NAMESPACES.items())
HYPERLINK_LOOK = '<w:rStyle w:val="Hyperlink"/><w:color w:val="0563C1"/><w:u w:val="single"/>'
_DATE = "2024-03-02T10:15:00Z"


def parse(fragment: str) -> list[etree._Element]:
    """The elements of an XML fragment written with the prefixes above."""
    root = etree.fromstring(f"<root {_DECLARATIONS}>{fragment}</root>")
    return list(root)


def add_paragraph(document, content: str, style: str | None = "ListBullet", ppr: str = "") -> None:
    """A paragraph of raw ``content`` (runs and the rest) at the end of the body, in a paragraph style."""
    style_xml = f'<w:pStyle w:val="{style}"/>' if style else ""
    add_block(
        document, f'<w:p w:rsidR="00A4172B" w:rsidRDefault="00A4172B"><w:pPr>{style_xml}{ppr}</w:pPr>{content}</w:p>'
    )


def add_block(document, xml: str) -> None:
    """Block-level XML (paragraphs, a block content control) at the end of the body, before its section properties."""
    body = document.element.body
    sect = body.find(f"{{{W}}}sectPr")
    for el in parse(xml):
        if sect is not None:
            sect.addprevious(el)
        else:
            body.append(el)


def run(text: str, rpr: str = "", tag: str = "t") -> str:
    space = ' xml:space="preserve"' if text != text.strip() else ""
    props = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return f'<w:r w:rsidR="00A4172B">{props}<w:{tag}{space}>{escape(text)}</w:{tag}></w:r>'


def content_control(content: str, alias: str, block: bool = False, placeholder: bool = False) -> str:
    """An inline (or, with ``block``, a block-level) content control, as Word's resume templates use."""
    shown = "<w:showingPlcHdr/>" if placeholder else ""
    return (
        f'<w:sdt><w:sdtPr><w:alias w:val="{alias}"/><w:tag w:val="{alias}"/><w:id w:val="-1472397{len(alias)}"/>'
        '<w:placeholder><w:docPart w:val="DefaultPlaceholder_-1854013440"/></w:placeholder>'
        f"{shown}{'' if block else '<w:text/>'}</w:sdtPr>"
        f"{'<w:sdtEndPr/>' if block else ''}<w:sdtContent>{content}</w:sdtContent></w:sdt>"
    )


def inserted(content: str, rid: int = 1) -> str:
    """A tracked insertion (Review > Track Changes on, words typed)."""
    return f'<w:ins w:id="{rid}" w:author="Alex Rivera" w:date="{_DATE}">{content}</w:ins>'


def deleted(text: str, rid: int = 2) -> str:
    """A tracked deletion: Word keeps the words as ``w:delText`` until the change is accepted."""
    return f'<w:del w:id="{rid}" w:author="Alex Rivera" w:date="{_DATE}">{run(text, tag="delText")}</w:del>'


def field(code: str, result: str, rpr: str = "") -> str:
    """A complex field as Word writes it: begin, the code as ``w:instrText``, separate, the result, end."""
    return (
        _field_char("begin")
        + run(f" {code} ", tag="instrText")
        + _field_char("separate")
        + run(result, rpr)
        + _field_char("end")
    )


def _field_char(kind: str) -> str:
    return f'<w:r w:rsidR="00A4172B"><w:fldChar w:fldCharType="{kind}"/></w:r>'


def field_hyperlink(url: str, text: str) -> str:
    """Insert > Link as Word writes it in many files: a HYPERLINK field, not a ``w:hyperlink``."""
    return field(f'HYPERLINK "{url}"', text, HYPERLINK_LOOK)


def simple_field(code: str, text: str) -> str:
    return f"<w:fldSimple w:instr={quoteattr(f' {code} ')}>{run(text)}</w:fldSimple>"


def equation_power(base: str, power: str) -> str:
    """An inline equation (Insert > Equation) of a base raised to a power, e.g. R squared."""
    look = '<w:rPr><w:rFonts w:ascii="Cambria Math" w:hAnsi="Cambria Math"/></w:rPr>'
    return (
        f"<m:oMath><m:sSup><m:sSupPr><m:ctrlPr>{look}</m:ctrlPr></m:sSupPr>"
        f"<m:e><m:r>{look}<m:t>{escape(base)}</m:t></m:r></m:e>"
        f"<m:sup><m:r>{look}<m:t>{escape(power)}</m:t></m:r></m:sup></m:sSup></m:oMath>"
    )


def smart_tag(element: str, content: str) -> str:
    return (
        f'<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" w:element="{element}">{content}</w:smartTag>'
    )


def custom_xml(element: str, content: str) -> str:
    return f'<w:customXml w:uri="http://example.com/resume" w:element="{element}">{content}</w:customXml>'


def text_box(paragraphs: str, fits: bool = False, height_emu: int = 914400) -> str:
    """A run holding a text box anchored to its paragraph: the DrawingML shape (``mc:Choice``) and the
    VML copy Word writes beside it for older readers (``mc:Fallback``), both holding ``paragraphs``.
    ``fits``: the box grows with its text (Format Shape > Resize shape to fit text), else fixed size."""
    autofit = "<a:spAutoFit/>" if fits else "<a:noAutofit/>"
    vml_fit = ";mso-fit-shape-to-text:t" if fits else ""
    height_pt = height_emu / 12700
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor distT="45720" distB="45720" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264"'
        ' behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1" wp14:anchorId="4F2C1D3A" wp14:editId="1B7E9C20">'
        '<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>'
        '<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>'
        f'<wp:extent cx="5486400" cy="{height_emu}"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapTopAndBottom/>'
        '<wp:docPr id="217" name="Text Box 2"/><wp:cNvGraphicFramePr><a:graphicFrameLocks/></wp:cNvGraphicFramePr>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"><a:spLocks noChangeArrowheads="1"/></wps:cNvSpPr><wps:spPr bwMode="auto">'
        f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="5486400" cy="{height_emu}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln w="9525"><a:solidFill>'
        '<a:srgbClr val="000000"/></a:solidFill><a:miter lim="800000"/><a:headEnd/><a:tailEnd/></a:ln></wps:spPr>'
        f"<wps:txbx><w:txbxContent>{paragraphs}</w:txbxContent></wps:txbx>"
        '<wps:bodyPr rot="0" vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440" bIns="45720" anchor="t"'
        f' anchorCtr="0">{autofit}</wps:bodyPr></wps:wsp></a:graphicData></a:graphic>'
        '<wp14:sizeRelH relativeFrom="margin"><wp14:pctWidth>0</wp14:pctWidth></wp14:sizeRelH>'
        '<wp14:sizeRelV relativeFrom="margin"><wp14:pctHeight>0</wp14:pctHeight></wp14:sizeRelV>'
        "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>"
        '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
        '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
        '<v:shape id="Text Box 2" o:spid="_x0000_s1026" type="#_x0000_t202"'
        f' style="position:absolute;margin-left:0;margin-top:0;width:6in;height:{height_pt:g}pt;z-index:251659264;'
        f"visibility:visible;mso-wrap-style:square;mso-position-horizontal-relative:text;"
        f'mso-position-vertical-relative:text{vml_fit}">'
        f"<v:textbox><w:txbxContent>{paragraphs}</w:txbxContent></v:textbox>"
        '<w10:wrap type="topAndBottom"/></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>'
    )


def list_paragraph(content: str, style: str = "ListBullet") -> str:
    """A bulleted paragraph's XML, for inside a text box or a block content control."""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{content}</w:p>'

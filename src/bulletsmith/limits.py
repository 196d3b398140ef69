"""Every budget on input, in one place: what a file may cost before it is refused.

Each limit is checked before the expensive step it guards, and a file over one is refused with
one line naming it (exit 2), never a hang, a MemoryError or a traceback. The figures are far
above any real resume (a few kB, one to three pages, a few dozen bullets) and far below what
would hang the tool on two cores or take more than a few hundred MB.
"""

from __future__ import annotations

#: Bytes read from any input file (a resume, an answers file); only regular files are read.
MAX_FILE_BYTES = 10 * 1024 * 1024

#: A resume in a text format (Markdown, plain text, LaTeX, JSON) is a few kB to a few dozen;
#: these bound what its parser builds (markdown-it makes several objects per line) before it runs.
MAX_TEXT_BYTES = 1024 * 1024
MAX_TEXT_LINES = 20_000

#: Markdown: markup characters ([ ] * _ ` < > ! ~ \\ &) in the inline text parsed (list items,
#: headings) over the whole file. markdown-it's inline parser is linear, ~2 us a character of
#: prose but ~10 us a "[": a resume has a few hundred of them.
MAX_INLINE_MARKUP = 64 * 1024

#: Bullets (list items) one file may hold; `rewrite` and `coach` allow far fewer (batch.MAX_BULLETS).
MAX_DOCUMENT_BULLETS = 10_000

#: Paragraphs of a DOCX (every w:p, tables included), counted before any is read.
MAX_PARAGRAPHS = 20_000

#: Characters of one list item's text before any pattern runs on it: a longer "bullet" is a
#: wrong file (a pasted log, a minified blob), and the bullet budget (assistant.MAX_BULLET_CHARS)
#: is far below it.
MAX_ITEM_CHARS = 10_000

#: DOCX: the files in the archive, the bytes they may inflate to, counted while inflating (the
#: sizes the zip directory states are not trusted), the tags its XML parts hold, counted before
#: parsing (python-docx makes an object of ~250 bytes per element: 8 MB of "<w:p/>" took
#: 317 MB; a two-page resume has 10-50k tags), and the styles its styles part may define.
MAX_ZIP_MEMBERS = 2_000
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_XML_TAGS = 500_000
MAX_STYLES = 5_000

#: PDF: pages read, and the bytes of drawing operations text extraction walks over all pages
#: (it takes ~1.5 s a MB here); pages sharing one content stream, or drawing one form many
#: times, pay for it each time, as the extraction does. A resume page holds 10-150 kB.
MAX_PDF_PAGES = 100
MAX_PDF_CONTENT_BYTES = 3 * 1024 * 1024

#: LaTeX: how deep braces may nest (real resumes stay under 10), how long one bullet's LaTeX
#: (an \\item's text, a macro's argument, a definition's body) may be, how long an optional
#: [..] argument may run before the reader stops looking for its end, and how many macros
#: a file may define (a template defines a few dozen).
MAX_LATEX_DEPTH = 64
MAX_LATEX_GROUP_CHARS = 4 * MAX_ITEM_CHARS
MAX_LATEX_OPTION_CHARS = 200
MAX_LATEX_DEFINITIONS = 1_000

#: JSON: how deep arrays and objects may nest (a JSON Resume is 4 deep; a session file 5).
MAX_JSON_DEPTH = 64

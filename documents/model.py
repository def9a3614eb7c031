"""The document model: a short list of block types that both renderers understand.

The model holds no layout: sizes are hints (column fractions, a maximum image height) and every
block is rendered by `documents.docx_renderer` and `documents.pdf_renderer` alike. Text is plain
text; the only markup is the tiny one read by `Paragraph.of`.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------------------------------- inline


@dataclass
class Run:
    """A stretch of text with one formatting."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class CrossReference:
    """A link to the heading whose `anchor` matches (e.g. an annex).

    Usable inline, inside `Paragraph.runs`, or on its own as a block (one paragraph).
    An anchor that no heading carries is rendered as plain text and reported.
    """

    text: str
    anchor: str


Inline = Run | CrossReference

# As in Markdown, a marker opens only before a non-space and closes only after one: "3 * 4 * 5" stays.
_STRONG = re.compile(r"\*\*(?!\s)(.+?)(?<!\s)\*\*", re.DOTALL)
_EMPHASIS = re.compile(r"\*(?!\s)(.+?)(?<!\s)\*", re.DOTALL)
_ESCAPED_STAR = "\ue000"  # a private-use character stands for "\*" while parsing


def parse_markup(text: str) -> list[Run]:
    """Split `text` into runs: `**strong**`, `*emphasis*`, `\\*` for a literal star.

    Emphasis may sit inside strong text (`**a *b* c**`). Unpaired stars stay as they are.
    """
    text = text.replace("\\*", _ESCAPED_STAR)
    runs: list[Run] = []
    position = 0
    for match in _STRONG.finditer(text):
        runs.extend(_emphasis_runs(text[position:match.start()], bold=False))
        runs.extend(_emphasis_runs(match.group(1), bold=True))
        position = match.end()
    runs.extend(_emphasis_runs(text[position:], bold=False))
    for run in runs:
        run.text = run.text.replace(_ESCAPED_STAR, "*")
    return [run for run in runs if run.text]


def _emphasis_runs(text: str, bold: bool) -> list[Run]:
    runs: list[Run] = []
    position = 0
    for match in _EMPHASIS.finditer(text):
        runs.append(Run(text[position:match.start()], bold=bold))
        runs.append(Run(match.group(1), bold=bold, italic=True))
        position = match.end()
    runs.append(Run(text[position:], bold=bold))
    return runs


def _inlines(value: str | Inline | Iterable[Inline]) -> list[Inline]:
    """Plain strings are literal text (no markup): user content may contain stars."""
    if isinstance(value, str):
        return [Run(value)]
    if isinstance(value, (Run, CrossReference)):
        return [value]
    runs = list(value)
    for run in runs:
        if not isinstance(run, (Run, CrossReference)):
            raise TypeError(f"Run or CrossReference expected, got {type(run).__name__}")
    return runs


# ---------------------------------------------------------------------------------------- blocks


@dataclass
class TitlePage:
    """The first page: title, subtitle and a few lines (candidate, certification, date…)."""

    title: str
    subtitle: str = ""
    lines: list[str] = field(default_factory=list)


@dataclass
class Heading:
    """A level 1 to 3 heading. `anchor` makes it a target for `CrossReference`."""

    text: str
    level: int = 1
    anchor: str | None = None

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            raise ValueError(f"heading level must be 1, 2 or 3, not {self.level}")


@dataclass
class Paragraph:
    """Runs of text and links; a plain string given as `runs` is one literal run."""

    runs: list[Inline]

    def __post_init__(self) -> None:
        self.runs = _inlines(self.runs)

    @classmethod
    def of(cls, markup: str) -> Paragraph:
        """A paragraph from `text with *emphasis* and **strong**` (see `parse_markup`)."""
        return cls(parse_markup(markup))

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass
class BulletList:
    """Items are lists of runs, or plain strings (literal text)."""

    items: list[list[Inline]]

    def __post_init__(self) -> None:
        self.items = [_inlines(item) for item in self.items]


Cell = str | list[Inline]


@dataclass
class Table:
    """A table whose header row is repeated on every page it spans.

    `col_widths` are fractions of the text width (normalised to sum to 1); None shares it equally.
    """

    header: list[str]
    rows: list[list[Cell]]
    col_widths: list[float] | None = None
    caption: str = ""

    def __post_init__(self) -> None:
        if not self.header:
            raise ValueError("a table needs at least one column")
        columns = len(self.header)
        for index, row in enumerate(self.rows):
            if len(row) != columns:
                raise ValueError(f"row {index} has {len(row)} cells, the header has {columns}")
        self.rows = [[cell if isinstance(cell, str) else _inlines(cell) for cell in row] for row in self.rows]
        if self.col_widths is not None:
            if len(self.col_widths) != columns or any(width <= 0 for width in self.col_widths):
                raise ValueError("col_widths needs one positive fraction per column")
            total = sum(self.col_widths)
            self.col_widths = [width / total for width in self.col_widths]

    def fractions(self) -> list[float]:
        return self.col_widths or [1 / len(self.header)] * len(self.header)


@dataclass
class Image:
    """A picture scaled to the text width (never enlarged past its natural size), aspect kept.

    `source` is the file's bytes or a path. An image that cannot be read is rendered as a box
    saying « Image illisible : <caption> »; rendering goes on.
    """

    source: bytes | str | os.PathLike[str]
    caption: str = ""
    max_height_cm: float = 12.0


@dataclass
class CodeExcerpt:
    """What a renderer draws for a `CodeBlock`: at most `max_lines` lines, each bounded."""

    lines: list[str]
    first_line: int
    total_lines: int
    shortened_lines: int

    @property
    def truncated(self) -> bool:
        return len(self.lines) < self.total_lines


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


@dataclass
class CodeBlock:
    """A log, script or configuration excerpt: monospace, numbered lines, long lines wrapped.

    Only the first `max_lines` lines of `text` are ever looked at, so `text` may be a whole log
    (str or bytes, decoded as UTF-8 with replacement). Callers that already hold an excerpt pass
    it with `total_lines`, the length of the whole text. When lines are left out, a note
    « … extrait de N lignes sur M ; texte complet en annexe X » follows, linked to `annex_anchor`
    (X is `annex_label`, or the annex heading's text).
    A line longer than `max_line_chars` is wrapped up to that length and then cut, with a note.
    """

    text: str | bytes
    caption: str = ""
    language: str | None = None
    first_line: int = 1
    max_lines: int = 80
    annex_anchor: str | None = None
    total_lines: int | None = None
    annex_label: str | None = None
    max_line_chars: int = 1000

    def __post_init__(self) -> None:
        if self.max_lines < 1:
            raise ValueError("max_lines must be at least 1")
        if self.first_line < 1:
            raise ValueError("first_line must be at least 1")

    def excerpt(self) -> CodeExcerpt:
        """The lines to draw; reads only the head of `text` (plus one count of its newlines)."""
        head = list(_head_lines(self.text, self.max_lines, self.max_line_chars))
        lines, shortened = [], 0
        for line, cut, full_length in head:
            line = _ANSI_ESCAPE.sub("", line).expandtabs(4)
            if cut:
                shortened += 1
                line += f" […] (ligne coupée : {full_length:,} caractères)".replace(",", "\u202f")
            lines.append(line)
        total = self.total_lines if self.total_lines is not None else _count_lines(self.text)
        total = max(total, len(lines))
        return CodeExcerpt(lines, self.first_line, total, shortened)


def _head_lines(text: str | bytes, count: int, max_chars: int) -> Iterator[tuple[str, bool, int]]:
    """The first `count` lines of `text`, each cut to `max_chars`: (line, was cut, full length).

    The full length is in characters for str, in bytes for bytes (never decoded whole).
    """
    is_bytes = isinstance(text, bytes)
    newline = b"\n" if is_bytes else "\n"
    # A UTF-8 character takes at most 4 bytes: this slice always holds max_chars characters.
    slice_length = max_chars * 4 if is_bytes else max_chars + 1
    start, size = 0, len(text)
    for _ in range(count):
        if start >= size:
            return
        end = text.find(newline, start)
        if end == -1:
            end = size
        piece = text[start:min(end, start + slice_length)]
        if is_bytes:
            piece = piece.decode("utf-8", errors="replace")
        cut = len(piece.rstrip("\r")) > max_chars or start + slice_length < end
        yield piece.rstrip("\r")[:max_chars], cut, end - start
        start = end + 1


def _count_lines(text: str | bytes) -> int:
    if not text:
        return 0
    newline = b"\n" if isinstance(text, bytes) else "\n"
    return text.count(newline) + (0 if text.endswith(newline) else 1)


@dataclass
class PdfPages:
    """The pages of a PDF file, merged into the PDF output (the running header and the « Page n / N »
    footer drawn over them) and shown as pictures, each with its text beneath, in Word.

    At most `max_pages` pages are included, with a note saying how many were left out. A PDF
    that cannot be read (encrypted, damaged) is replaced by a note saying why; rendering goes on.
    `caption` names the file (bookmark in the PDF, caption in Word).
    """

    source: bytes | str | os.PathLike[str]
    caption: str = ""
    max_pages: int = 30

    def __post_init__(self) -> None:
        if self.max_pages < 1:
            raise ValueError("max_pages must be at least 1")


@dataclass
class Svg:
    """A vector drawing (network schema…): vector in the PDF, a picture in Word, scaled to the
    text width. Scripts, external references and entities are removed first; a drawing that
    cannot be rendered is replaced by a note saying why."""

    source: bytes | str | os.PathLike[str]
    caption: str = ""
    max_height_cm: float = 16.0


@dataclass
class PageBreak:
    pass


@dataclass
class TableOfContents:
    """The table of contents (headings of levels 1 to 3)."""

    title: str = "Table des matières"


Block = TitlePage | Heading | Paragraph | BulletList | Table | Image | CodeBlock | PageBreak | \
    TableOfContents | CrossReference | PdfPages | Svg


@dataclass
class Document:
    title: str
    author: str
    subject: str = ""
    blocks: list[Block] = field(default_factory=list)
    lang: str = "fr-FR"

    def headings(self) -> list[Heading]:
        return [block for block in self.blocks if isinstance(block, Heading)]

    def anchors(self) -> dict[str, Heading]:
        """Anchor → heading; when two headings share an anchor, the first one keeps it."""
        found: dict[str, Heading] = {}
        for heading in self.headings():
            if heading.anchor and heading.anchor not in found:
                found[heading.anchor] = heading
        return found


def annex_note(excerpt: CodeExcerpt, annex_label: str | None, annex: Heading | None) -> tuple[str, str]:
    """The French note under a cut excerpt, as (text before the link, link text).

    The link text is empty when there is no annex to point to.
    """
    shown = len(excerpt.lines)
    before = f"… extrait de {shown} lignes sur {excerpt.total_lines}"
    if annex is None:
        return before, ""
    if annex_label:
        return before + " ; texte complet en ", f"annexe {annex_label}"
    return before + " ; texte complet en annexe : ", annex.text


def source_bytes(source: bytes | str | os.PathLike[str]) -> bytes:
    """The bytes of an image source; OSError when a path cannot be read."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    return Path(source).read_bytes()

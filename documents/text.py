"""What a render reports back, and the text cleaning both renderers share."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

REPLACEMENT = "\u25a1"  # □, drawn in place of a character the output cannot carry
FALLBACK_REPLACEMENT = "?"

# Not allowed in XML 1.0 (python-docx would refuse them), nor drawable in a PDF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")

# Typographic spaces that French text uses; a font without them gets the nearest space instead.
_SPACE_SUBSTITUTES = {"\u202f": "\u00a0", "\u2009": " ", "\u2007": "\u00a0", "\u200a": " "}


@dataclass
class RenderReport:
    """Filled by a renderer when passed as `report=`: what was changed or left out, and why."""

    format: str = ""
    page_count: int | None = None
    replaced_characters: int = 0
    replaced: Counter[str] = field(default_factory=Counter)
    unreadable_images: list[str] = field(default_factory=list)
    cut_code_blocks: int = 0
    broken_references: list[str] = field(default_factory=list)
    # French notes on embedded files (PDF pages, schemas) left out in whole or in part, and why.
    left_out: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def count_replaced(self, characters: Counter[str]) -> None:
        self.replaced.update(characters)
        self.replaced_characters += sum(characters.values())


class TextCleaner:
    """Replaces the characters an output cannot carry by a visible mark, and counts them.

    `covered` is the set of code points the font draws (None: any character but the XML-invalid
    ones, as for DOCX where Word picks fallback fonts itself). Newlines and tabs are kept: each
    renderer turns them into line breaks and spaces.
    """

    def __init__(self, report: RenderReport, covered: frozenset[int] | None = None) -> None:
        self.report = report
        self.covered = covered
        self.replacement = REPLACEMENT if covered is None or ord(REPLACEMENT) in covered \
            else FALLBACK_REPLACEMENT
        self._cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if self.covered is None:
            if not _XML_INVALID.search(text):
                return text
            found = Counter(_XML_INVALID.findall(text))
            self.report.count_replaced(found)
            return _XML_INVALID.sub(self.replacement, text)
        missing = [char for char in set(text) if ord(char) not in self.covered and char not in "\n\t"]
        if not missing:
            return text
        table = {ord(char): self._substitute(char) for char in missing}
        found = Counter(char for char in text if ord(char) in table)
        replaced = Counter({char: n for char, n in found.items() if table[ord(char)] == self.replacement})
        if replaced:
            self.report.count_replaced(replaced)
        return text.translate(table)

    def _substitute(self, char: str) -> str:
        if char not in self._cache:
            substitute = _SPACE_SUBSTITUTES.get(char)
            if substitute is None or ord(substitute) not in self.covered:  # type: ignore[operator]
                substitute = self.replacement
            self._cache[char] = substitute
        return self._cache[char]

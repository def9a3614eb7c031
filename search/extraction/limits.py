"""Budgets every extractor works within, and the one error they raise.

A bad or hostile file (a zip bomb disguised as a .docx, a PDF of ten thousand pages, a 100-megapixel
screenshot) must cost a bounded amount of time and memory and end with a French reason, never with
an exception escaping to the caller.
"""
from __future__ import annotations

import time
from dataclasses import dataclass


class ExtractionError(Exception):
    """The file's text could not be extracted; `reason` is French and safe to show."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Limits:
    # Text kept per version (characters): enough for any real log or document.
    max_text_chars: int = 5_000_000
    # Bytes read from a text file before decoding (several bytes per character at worst).
    max_text_bytes: int = 20 * 1024 * 1024
    # Whole-extraction wall-clock budget, checked between pages, sheets and chunks.
    seconds: float = 120.0
    max_pdf_pages: int = 2_000
    # Zip-based formats (DOCX, XLSX, ODT, ODS): checked in the central directory before opening.
    max_zip_entries: int = 10_000
    max_zip_uncompressed: int = 200 * 1024 * 1024
    max_zip_member: int = 100 * 1024 * 1024
    max_zip_ratio: int = 200
    max_xml_bytes: int = 50 * 1024 * 1024
    # Images for OCR.
    max_image_pixels: int = 60_000_000
    ocr_seconds: float = 120.0
    # Files larger than this are not read at all.
    max_file_bytes: int = 512 * 1024 * 1024


DEFAULT_LIMITS = Limits()


class Budget:
    """A deadline and a text cap shared by the steps of one extraction."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS):
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.truncated = False

    def check_time(self, what: str = "l'extraction") -> None:
        if time.monotonic() > self.deadline:
            raise ExtractionError(f"Temps maximal dépassé pendant {what} ({self.limits.seconds:.0f} s) : fichier trop long à analyser.")

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())


class TextCollector:
    """Accumulates extracted text up to the budget's character cap, then stops quietly."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.parts: list[str] = []
        self.size = 0

    @property
    def full(self) -> bool:
        return self.size >= self.budget.limits.max_text_chars

    def add(self, text: str) -> None:
        if not text or self.full:
            return
        room = self.budget.limits.max_text_chars - self.size
        if len(text) > room:
            text = text[:room]
            self.budget.truncated = True
        self.parts.append(text)
        self.size += len(text)

    def text(self, separator: str = "\n") -> str:
        return separator.join(self.parts)

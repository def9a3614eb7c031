"""PDF text layer through pypdf, page by page, within the page and time budget."""
from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError

from search.extraction.limits import Budget, ExtractionError, TextCollector

log = logging.getLogger(__name__)
logging.getLogger("pypdf").setLevel(logging.ERROR)


def extract_pdf(path: Path, budget: Budget) -> str:
    try:
        reader = PdfReader(str(path), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:  # pypdf raises several types for unsupported encryption
                raise ExtractionError("PDF protégé par un mot de passe : son texte ne peut pas être lu.") from None
        pages = reader.pages
        count = len(pages)
    except ExtractionError:
        raise
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, OSError) as error:
        raise ExtractionError(f"PDF illisible ou endommagé ({type(error).__name__}).") from None
    collector = TextCollector(budget)
    limit = budget.limits.max_pdf_pages
    unreadable = 0
    for number in range(min(count, limit)):
        budget.check_time(f"la lecture de la page {number + 1} du PDF")
        try:
            text = pages[number].extract_text() or ""
        except Exception:  # one broken page must not lose the others
            log.info("PDF page %s unreadable in %s", number + 1, path, exc_info=True)
            unreadable += 1
            continue
        collector.add(text)
        if collector.full:
            break
    if count > limit:
        budget.truncated = True
    if unreadable and unreadable == min(count, limit):
        raise ExtractionError("Aucune page de ce PDF n'a pu être lue (fichier endommagé ?).")
    return collector.text("\n\n")

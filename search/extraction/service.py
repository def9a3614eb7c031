"""Choosing an extractor for a version, running it within its budget, recording the outcome.

The file-type registry (evidence/filetypes.py) names each type's extractor; EXTRACTORS maps those
names to the functions here. Objects are read through evidence/files.open_version, which refuses a
version held by a backend this instance is not configured with.
"""
from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from evidence.files import open_version
from evidence.filetypes import extension_of, file_type_of
from evidence.models import EvidenceVersion, ExtractionStatus
from storage.base import StorageError

from search.extraction.limits import DEFAULT_LIMITS, Budget, ExtractionError, Limits
from search.extraction.ocr import extract_image
from search.extraction.office import extract_docx, extract_odf, extract_xlsx
from search.extraction.pdf import extract_pdf
from search.extraction.svg import extract_svg
from search.extraction.text import extract_text_file

log = logging.getLogger(__name__)

Extractor = Callable[[Path, Budget], str]

# By the names the file-type registry gives (FileType.extractor).
EXTRACTORS: dict[str, Extractor] = {
    "text": extract_text_file,
    "ocr": extract_image,
    "pdf": extract_pdf,
    "docx": extract_docx,
    "xlsx": extract_xlsx,
    "odf": extract_odf,
    "svg": extract_svg,
}


@dataclass(frozen=True)
class ExtractionResult:
    status: str
    text: str | None = None
    error: str | None = None


UNSUPPORTED = ExtractionResult(
    ExtractionStatus.SKIPPED.value,
    error="Pas d'extraction de texte pour ce type de fichier : il reste trouvable par son titre, sa description et son nom.",
)


def extractor_for(filename: str, media_type: str | None) -> Extractor | None:
    name = file_type_of(filename, media_type).extractor
    return EXTRACTORS[name] if name else None


def extract_path(path: Path, filename: str, media_type: str | None, limits: Limits = DEFAULT_LIMITS) -> ExtractionResult:
    """Extract the text of a local file; never raises for a bad file."""
    extractor = extractor_for(filename, media_type)
    if extractor is None:
        return UNSUPPORTED
    budget = Budget(limits)
    try:
        text = extractor(path, budget)
    except ExtractionError as error:
        return ExtractionResult(ExtractionStatus.FAILED.value, error=error.reason)
    except MemoryError:
        return ExtractionResult(ExtractionStatus.FAILED.value, error="Fichier trop volumineux à analyser (mémoire insuffisante).")
    except Exception:  # a parser bug on a strange file must not reach the caller
        log.exception("Extraction of %s (%s) failed unexpectedly", filename, media_type)
        return ExtractionResult(ExtractionStatus.FAILED.value, error="Erreur inattendue pendant l'extraction du texte de ce fichier.")
    text = (text or "").replace("\x00", "")
    note = None
    if budget.truncated:
        note = f"Texte tronqué : seuls les {limits.max_text_chars:,} premiers caractères (ou les premières pages) sont cherchables.".replace(",", "\u202f")
    return ExtractionResult(ExtractionStatus.DONE.value, text=text, error=note)


def extract_version(version: EvidenceVersion, limits: Limits = DEFAULT_LIMITS) -> None:
    """Read the version's object from the store, extract its text and record the outcome on the row.

    Sets extraction_status (done, failed or skipped), extraction_error (a French reason, or a note
    when the text was truncated) and extracted_text. Does not commit. Never raises for a bad file
    or a storage failure.
    """
    result = _extract(version, limits)
    version.extraction_status = result.status
    version.extraction_error = result.error
    version.extracted_text = result.text if result.status == ExtractionStatus.DONE.value else None


def _extract(version: EvidenceVersion, limits: Limits) -> ExtractionResult:
    if extractor_for(version.filename, version.media_type) is None:
        return UNSUPPORTED
    if version.size > limits.max_file_bytes:
        return ExtractionResult(ExtractionStatus.SKIPPED.value, error="Fichier trop volumineux pour l'extraction de son texte.")
    with tempfile.TemporaryDirectory(prefix="probatio-extract-") as workdir:
        extension = extension_of(version.filename)
        local = Path(workdir) / (f"object.{extension}" if extension else "object")
        try:
            with open_version(version) as source, open(local, "wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
        except StorageError as error:
            return ExtractionResult(ExtractionStatus.FAILED.value, error=f"Fichier illisible dans le stockage : {error}")
        return extract_path(local, version.filename, version.media_type, limits)

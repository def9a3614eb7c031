"""Text extraction from evidence files, one extractor per kind of file, each within a budget.

    extract_version(version)        # read the object, extract, record status/reason/text (no commit)
    schedule_extraction(version_id) # the same in a background job, then reindex the evidence

See kinds.py (how the search filter groups the file kinds of evidence/filetypes.py), limits.py
(budgets), and one module per extractor.
"""
from search.extraction.kinds import KIND_LABELS, Kind, kind_of
from search.extraction.limits import ExtractionError, Limits
from search.extraction.ocr import OCR_MISSING, ocr_status
from search.extraction.service import ExtractionResult, extract_path, extract_version


def schedule_extraction(version_id: int) -> None:
    """Queue the extraction and indexing of a committed version (see tasks.py)."""
    from search.extraction.tasks import schedule_extraction as schedule

    schedule(version_id)


__all__ = [
    "KIND_LABELS", "OCR_MISSING", "ExtractionError", "ExtractionResult", "Kind", "Limits",
    "extract_path", "extract_version", "kind_of", "ocr_status", "schedule_extraction",
]

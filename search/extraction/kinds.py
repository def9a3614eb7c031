"""What kind of file a version is, as the search filter groups them.

The type itself comes from the file-type registry (evidence/filetypes.py: the extension first,
since candidates' logs and scripts often arrive as `application/octet-stream`, then the media
type); this module only says how the filter groups the registry's kinds, in French words stored
in the index.
"""
from __future__ import annotations

from evidence.filetypes import FileKind, file_type_of


class Kind:
    IMAGE = "image"
    TEXT = "texte"
    PDF = "pdf"
    DOCUMENT = "document"
    DIAGRAM = "schéma"
    SCRIPT = "script"
    OTHER = "autre"


KIND_LABELS = {
    Kind.IMAGE: "Image ou capture d'écran",
    Kind.TEXT: "Texte ou journal",
    Kind.PDF: "PDF",
    Kind.DOCUMENT: "Document bureautique",
    Kind.DIAGRAM: "Schéma",
    Kind.SCRIPT: "Script",
    Kind.OTHER: "Autre",
}

FILTER_KINDS = {
    FileKind.TEXT: Kind.TEXT,
    FileKind.SCRIPT: Kind.SCRIPT,
    FileKind.IMAGE: Kind.IMAGE,
    FileKind.PDF: Kind.PDF,
    FileKind.SVG: Kind.DIAGRAM,
    FileKind.DIAGRAM: Kind.DIAGRAM,
    FileKind.DOCUMENT: Kind.DOCUMENT,
    FileKind.SPREADSHEET: Kind.DOCUMENT,
    FileKind.ARCHIVE: Kind.OTHER,
    FileKind.OTHER: Kind.OTHER,
}


def kind_of(filename: str, media_type: str | None) -> str:
    """One of the Kind values (French words, as shown in the filter)."""
    return FILTER_KINDS[file_type_of(filename, media_type).kind]

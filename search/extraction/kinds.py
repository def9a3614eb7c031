"""What kind of file a version is, for the search filter and for choosing an extractor.

Decided from the file name's extension first (candidates' logs and scripts often arrive as
`application/octet-stream`), then from the media type.
"""
from __future__ import annotations

from pathlib import PurePosixPath


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

IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
TEXT_EXTENSIONS = {
    ".txt", ".log", ".csv", ".tsv", ".md", ".rst", ".conf", ".cfg", ".ini", ".cnf", ".yaml", ".yml",
    ".json", ".xml", ".toml", ".properties", ".env", ".out", ".html", ".htm", ".ldif", ".pcap.txt",
}
SCRIPT_EXTENSIONS = {
    ".sh", ".bash", ".zsh", ".ps1", ".psm1", ".bat", ".cmd", ".vbs", ".py", ".pl", ".rb", ".php", ".js",
    ".ts", ".sql", ".tf", ".j2", ".lua", ".go", ".java", ".c", ".h", ".cpp", ".cs", ".ansible",
}
DOCUMENT_EXTENSIONS = {".docx", ".odt", ".xlsx", ".ods"}
DIAGRAM_EXTENSIONS = {".svg", ".drawio", ".vsdx", ".dia"}
SCRIPT_NAMES = {"dockerfile", "makefile", "vagrantfile", "jenkinsfile"}

MEDIA_TYPES = {
    "application/pdf": Kind.PDF,
    "image/svg+xml": Kind.DIAGRAM,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": Kind.DOCUMENT,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": Kind.DOCUMENT,
    "application/vnd.oasis.opendocument.text": Kind.DOCUMENT,
    "application/vnd.oasis.opendocument.spreadsheet": Kind.DOCUMENT,
    "application/x-sh": Kind.SCRIPT,
    "application/x-shellscript": Kind.SCRIPT,
    "text/x-shellscript": Kind.SCRIPT,
    "text/x-python": Kind.SCRIPT,
    "application/json": Kind.TEXT,
    "application/xml": Kind.TEXT,
}


def extension_of(filename: str) -> str:
    return PurePosixPath((filename or "").lower()).suffix


def kind_of(filename: str, media_type: str | None) -> str:
    """One of the Kind values (French words, as shown in the filter)."""
    extension = extension_of(filename)
    name = PurePosixPath((filename or "").lower()).name
    if extension == ".svg":
        return Kind.DIAGRAM
    if extension in IMAGE_EXTENSIONS:
        return Kind.IMAGE
    if extension == ".pdf":
        return Kind.PDF
    if extension in DOCUMENT_EXTENSIONS:
        return Kind.DOCUMENT
    if extension in DIAGRAM_EXTENSIONS:
        return Kind.DIAGRAM
    if extension in SCRIPT_EXTENSIONS or name in SCRIPT_NAMES:
        return Kind.SCRIPT
    if extension in TEXT_EXTENSIONS:
        return Kind.TEXT
    media_type = (media_type or "").split(";")[0].strip().lower()
    if media_type in MEDIA_TYPES:
        return MEDIA_TYPES[media_type]
    if media_type.startswith("image/"):
        return Kind.IMAGE
    if media_type.startswith("text/"):
        return Kind.TEXT
    return Kind.OTHER

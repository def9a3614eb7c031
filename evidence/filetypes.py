"""The file-type registry: every kind of file the application knows, in one table.

For each type: its extensions, the media type an upload records, other media types that mean it,
its kind (text, script, image, PDF, SVG, diagram, document, spreadsheet, archive, other), its
French label, which previewer shows it (evidence/previews.py), which extractor reads its text
(search/extraction/service.py, by name: search sits above evidence), and whether uploads accept
it (`upload_group`: the allow-list group it is listed under; archives only with ALLOW_ARCHIVES).

Uploads, content sniffing, previews, text extraction, the coverage page estimate and the dossier
all ask this table; none keeps a rule of its own about what a file is.

    file_type_of("pare-feu.log", "application/octet-stream").is_text   # True
    upload_type("outil.exe", allow_archives=False)                       # None: refused
"""
from __future__ import annotations

import enum
from dataclasses import dataclass


class FileKind(enum.StrEnum):
    TEXT = "text"  # logs, command output, configurations
    SCRIPT = "script"
    IMAGE = "image"
    PDF = "pdf"
    SVG = "svg"
    DIAGRAM = "diagram"  # draw.io, Visio, Dia
    DOCUMENT = "document"  # Word, OpenDocument text
    SPREADSHEET = "spreadsheet"
    ARCHIVE = "archive"
    OTHER = "other"


TEXT_KINDS = frozenset({FileKind.TEXT, FileKind.SCRIPT})


@dataclass(frozen=True)
class FileType:
    extensions: tuple[str, ...]  # lower case, without the dot: ("jpg", "jpeg"), ("tar.gz",)
    media_type: str  # what an upload records
    label: str  # French, for icons and messages: "image PNG"
    kind: FileKind
    previewer: str = "icon"  # image, text, pdf, svg, document, icon
    extractor: str | None = None  # text, ocr, pdf, docx, xlsx, odf, svg; None: not searchable
    upload_group: str | None = None  # the allow-list group; None: uploads refuse it
    media_types: tuple[str, ...] = ()  # other media types that mean this type
    names: tuple[str, ...] = ()  # whole file names without an extension ("dockerfile")
    signature: str = "media"  # how uploads check the content (evidence/sniffing.content_matches)

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS


def _image(extensions, media_type, label, group=None, previewer="image"):
    return FileType(extensions, media_type, label, FileKind.IMAGE, previewer, "ocr", group)


def _text(extensions, media_type, label, group=None, kind=FileKind.TEXT, **more):
    return FileType(extensions, media_type, label, kind, "text", "text", group, **more)


def _script(extensions, media_type, label, group=None, **more):
    return _text(extensions, media_type, label, group, FileKind.SCRIPT, **more)


_CAPTURES = "captures d'écran"
_LOGS = "journaux et sorties de commandes"
_DIAGRAMS = "schémas"
_SCRIPTS = "scripts et configurations"
_DOCUMENTS = "documents"
_ARCHIVES = "archives"
_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Uploadable types first, in the order the allow list is shown; then types only ever read
# (versions recorded before the allow list, demo data), which search and previews still name.
FILE_TYPES: tuple[FileType, ...] = (
    _image(("png",), "image/png", "image PNG", _CAPTURES),
    _image(("jpg", "jpeg"), "image/jpeg", "image JPEG", _CAPTURES),
    _image(("webp",), "image/webp", "image WebP", _CAPTURES),
    _text(("log",), "text/plain", "journal", _LOGS),
    _text(("txt",), "text/plain", "texte", _LOGS, media_types=("text/plain",)),
    FileType(("svg",), "image/svg+xml", "schéma SVG", FileKind.SVG, "svg", extractor="svg", upload_group=_DIAGRAMS),
    FileType(("pdf",), "application/pdf", "document PDF", FileKind.PDF, "pdf", "pdf", _DIAGRAMS),
    FileType(("drawio",), "application/vnd.jgraph.mxfile", "schéma draw.io", FileKind.DIAGRAM, upload_group=_DIAGRAMS),
    FileType(("vsdx",), "application/vnd.ms-visio.drawing", "schéma Visio", FileKind.DIAGRAM, upload_group=_DIAGRAMS),
    # Packet Tracer files are encrypted: no signature to check, only "not anything else".
    FileType(("pkt",), "application/vnd.cisco.packet-tracer", "maquette Packet Tracer", FileKind.OTHER,
             upload_group=_DIAGRAMS, signature="unsigned"),
    _script(("ps1",), "text/x-powershell", "script PowerShell", _SCRIPTS),
    _script(("sh",), "text/x-shellscript", "script shell", _SCRIPTS,
            media_types=("application/x-sh", "application/x-shellscript")),
    _script(("bash",), "text/x-shellscript", "script Bash", _SCRIPTS),
    _script(("py",), "text/x-python", "script Python", _SCRIPTS),
    _script(("bat",), "text/x-msdos-batch", "script batch", _SCRIPTS),
    _text(("yml", "yaml"), "text/yaml", "fichier YAML", _SCRIPTS, media_types=("application/yaml",)),
    _text(("conf",), "text/plain", "fichier de configuration", _SCRIPTS),
    FileType(("docx",), _WORD, "document Word", FileKind.DOCUMENT, "document", extractor="docx", upload_group=_DOCUMENTS),
    FileType(("xlsx",), _EXCEL, "classeur Excel", FileKind.SPREADSHEET, extractor="xlsx", upload_group=_DOCUMENTS),
    FileType(("odt",), "application/vnd.oasis.opendocument.text", "document OpenDocument", FileKind.DOCUMENT,
             "document", extractor="odf", upload_group=_DOCUMENTS),
    # Archives: accepted only with ALLOW_ARCHIVES.
    FileType(("zip",), "application/zip", "archive ZIP", FileKind.ARCHIVE, upload_group=_ARCHIVES, signature="zip"),
    FileType(("7z",), "application/x-7z-compressed", "archive 7-Zip", FileKind.ARCHIVE, upload_group=_ARCHIVES),
    FileType(("tar.gz", "tgz"), "application/gzip", "archive tar.gz", FileKind.ARCHIVE, upload_group=_ARCHIVES,
             signature="tar.gz"),
    # Read only.
    _image(("gif",), "image/gif", "image GIF", previewer="icon"),
    _image(("bmp",), "image/bmp", "image BMP", previewer="icon"),
    _image(("tif", "tiff"), "image/tiff", "image TIFF", previewer="icon"),
    _text(
        ("csv", "tsv", "md", "rst", "cfg", "ini", "cnf", "json", "xml", "toml", "properties", "env", "out", "html",
         "htm", "ldif"),
        "text/plain", "fichier texte", media_types=("application/json", "application/xml"),
    ),
    _script(
        ("zsh", "psm1", "cmd", "vbs", "pl", "rb", "php", "js", "ts", "sql", "tf", "j2", "lua", "go", "java", "c", "h",
         "cpp", "cs", "ansible"),
        "text/plain", "script", names=("dockerfile", "makefile", "vagrantfile", "jenkinsfile"),
    ),
    FileType(("ods",), "application/vnd.oasis.opendocument.spreadsheet", "classeur OpenDocument",
             FileKind.SPREADSHEET, extractor="odf"),
    FileType(("dia",), "application/x-dia-diagram", "schéma Dia", FileKind.DIAGRAM),
)
# Found by the family of the media type alone ("image/…", "text/…"), or by nothing at all.
SOME_IMAGE = _image((), "application/octet-stream", "image", previewer="icon")
SOME_TEXT = _text((), "text/plain", "fichier texte")
UNKNOWN = FileType((), "application/octet-stream", "fichier", FileKind.OTHER)


def _index(keys_of) -> dict[str, FileType]:
    index: dict[str, FileType] = {}
    for file_type in FILE_TYPES:
        for key in keys_of(file_type):
            index.setdefault(key, file_type)  # the first type listed wins
    return index


_BY_EXTENSION = _index(lambda t: t.extensions)
_BY_NAME = _index(lambda t: t.names)
# A type that claims a media type (`media_types`) wins over one that merely records it on upload:
# "text/plain" means "texte", not "journal".
_BY_MEDIA_TYPE = {**_index(lambda t: (t.media_type,)), **_index(lambda t: t.media_types)}


def extension_of(filename: str | None) -> str:
    """The lower-case extension without its dot ("" when none); "tar.gz" counts as one extension."""
    lower = (filename or "").lower()
    if lower.endswith(".tar.gz"):
        return "tar.gz"
    stem, dot, extension = lower.rpartition(".")
    return extension if dot and stem else ""


def file_type_of(filename: str | None, media_type: str | None = None) -> FileType:
    """The type of a stored or uploaded file: from its extension first (candidates' logs and scripts
    often arrive as application/octet-stream), then its whole name, then its media type."""
    known = _BY_EXTENSION.get(extension_of(filename)) or _BY_NAME.get((filename or "").lower())
    if known is not None:
        return known
    media_type = (media_type or "").split(";")[0].strip().lower()
    if media_type in _BY_MEDIA_TYPE:
        return _BY_MEDIA_TYPE[media_type]
    if media_type.startswith("image/"):
        return SOME_IMAGE
    if media_type.startswith("text/"):
        return SOME_TEXT
    return UNKNOWN


def known_extension_type(filename: str | None) -> FileType | None:
    """The type this file name's extension announces, whether uploads accept it or not."""
    return _BY_EXTENSION.get(extension_of(filename))


def accepts_upload(file_type: FileType, *, allow_archives: bool) -> bool:
    return file_type.upload_group is not None and (allow_archives or file_type.kind != FileKind.ARCHIVE)


def upload_type(filename: str | None, *, allow_archives: bool) -> FileType | None:
    """The type an upload of this name is accepted as, or None when its extension is not on the list."""
    file_type = known_extension_type(filename)
    return file_type if file_type is not None and accepts_upload(file_type, allow_archives=allow_archives) else None


def _upload_groups(allow_archives: bool) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for file_type in FILE_TYPES:
        if accepts_upload(file_type, allow_archives=allow_archives):
            groups.setdefault(file_type.upload_group, []).extend(f".{e}" for e in file_type.extensions)
    return groups


def accepted_extensions(*, allow_archives: bool) -> list[str]:
    """Extensions with their dot, for the file input's `accept` attribute."""
    return [extension for extensions in _upload_groups(allow_archives).values() for extension in extensions]


def allow_list_sentence(*, allow_archives: bool) -> str:
    """The allow list in French: "captures d'écran (.png, .jpg…) ; journaux (…) ; …"."""
    return " ; ".join(f"{group} ({', '.join(extensions)})" for group, extensions in _upload_groups(allow_archives).items())

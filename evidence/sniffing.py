"""What an uploaded file really is: content sniffing.

The extension says what the candidate claims (its type in evidence/filetypes.py); the first bytes
say what the file is. An upload is accepted only when both agree (`content_matches`). Nothing
here parses a whole file: every check works on the head of the stream (HEAD_SIZE bytes), and
nothing interprets XML (no entity, no external reference is ever resolved: SVG and draw.io files
are recognised by a regular expression on their root element only).
"""
from __future__ import annotations

import codecs
import re
import struct
import zlib
from dataclasses import dataclass

import charset_normalizer
import filetype

from evidence.filetypes import FileType

# Enough for the ZIP local headers of an office document and for a reliable text guess.
HEAD_SIZE = 64 * 1024


@dataclass(frozen=True)
class Sniffed:
    """What the first bytes show. `label` is French, with its article, for messages."""

    media_type: str | None
    label: str
    executable: bool = False
    encoding: str | None = None  # set when the content is text

    @property
    def is_text(self) -> bool:
        return self.encoding is not None


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
SEVEN_Z_MAGIC = b"7z\xbc\xaf\x27\x1c"
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b\x08"
MACH_O_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
FAT_BINARY_MAGIC = b"\xca\xfe\xba\xbe"  # Mach-O universal binaries and Java classes alike
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Control characters (Unicode category Cc) except those ordinary text files do contain: tab, line
# and page breaks, and ESC (coloured terminal logs).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
MAX_CONTROL_RATIO = 0.02

ODF_MEDIA_TYPES = {
    "application/vnd.oasis.opendocument.text": "un document OpenDocument texte",
    "application/vnd.oasis.opendocument.spreadsheet": "un classeur OpenDocument",
    "application/vnd.oasis.opendocument.presentation": "une présentation OpenDocument",
    "application/vnd.oasis.opendocument.graphics": "un dessin OpenDocument",
}
OPC_FOLDERS = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "un document Word"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "un classeur Excel"),
    "visio/": ("application/vnd.ms-visio.drawing", "un schéma Visio"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "une présentation PowerPoint"),
}
OPC_MEDIA_TYPES = frozenset(media_type for media_type, _ in OPC_FOLDERS.values())
OPC_GENERIC = "application/x-opc-package"  # an Office Open XML package whose kind the head does not show


def executable_kind(head: bytes) -> str | None:
    """"Windows", "Linux", "macOS" or "Java" when the head is a compiled program, else None."""
    if head.startswith(b"\x7fELF"):
        return "Linux"
    if head.startswith(b"MZ"):
        # A text file may start with "MZ"; a PE file points at its "PE\0\0" header from offset 0x3C.
        if len(head) >= 0x40:
            (offset,) = struct.unpack_from("<I", head, 0x3C)
            if head[offset:offset + 4] == b"PE\x00\x00":
                return "Windows"
        if text_encoding(head) is None:
            return "Windows"  # an MS-DOS program, or a PE header beyond what was read
    if head[:4] in MACH_O_MAGICS:
        return "macOS"
    if head.startswith(FAT_BINARY_MAGIC):
        # Java class files share the magic; their version word stays small where a Mach-O
        # universal binary has its architecture count (tiny) in the same place.
        (second_word,) = struct.unpack_from(">I", head.ljust(8, b"\0"), 4)
        return "Java" if second_word >= 30 else "macOS"
    return None


def text_encoding(head: bytes) -> str | None:
    """The encoding when the bytes are text, else None (binary)."""
    for bom, encoding in BOMS:
        if head.startswith(bom):
            try:
                sample = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            except UnicodeDecodeError:
                return None
            return encoding if _mostly_printable(sample) else None
    if b"\x00" in head:
        # UTF-16 without a byte order mark (some Windows tools): every other byte is NUL.
        encoding = _bomless_utf16(head)
        if encoding is None:
            return None
        try:
            sample = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            return None
        return encoding if _mostly_printable(sample) else None
    try:
        # final=False: the head may end in the middle of a multi-byte character.
        sample = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        best = charset_normalizer.from_bytes(head).best()
        if best is None:
            return None
        sample, encoding = str(best), best.encoding
    else:
        encoding = "utf-8"
    return encoding if _mostly_printable(sample) else None


def _bomless_utf16(head: bytes) -> str | None:
    sample = head[: len(head) // 2 * 2]
    if len(sample) < 8:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) // 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) // 2)
    if odd_nuls > 0.9 and even_nuls < 0.1:
        return "utf-16-le"
    if even_nuls > 0.9 and odd_nuls < 0.1:
        return "utf-16-be"
    return None


def _mostly_printable(text: str) -> bool:
    if not text:
        return True
    return len(CONTROL_CHARACTERS.findall(text)) / len(text) <= MAX_CONTROL_RATIO


def decode_text(data: bytes, *, complete: bool = True, encoding: str | None = None) -> str:
    """Text of `data` in its detected (or given) encoding; undecodable bytes become U+FFFD.

    `complete=False` when `data` is a truncated head: a character cut at the end is dropped.
    """
    encoding = encoding or text_encoding(data[:HEAD_SIZE]) or "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(data, final=complete)


_XML_PROLOGUE = re.compile(
    r"""\A(?:\s+|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[[^\]]*\])*>)*""", re.DOTALL | re.IGNORECASE
)


def xml_root(text: str) -> str | None:
    """The name of the root element (prefix dropped, lower case), or None; XML is never parsed."""
    text = text.lstrip("\ufeff")
    match = _XML_PROLOGUE.match(text)
    rest = text[match.end():] if match else text
    root = re.match(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)[\s/>]", rest)
    return root.group(2).lower() if root else None


def zip_entries(head: bytes) -> dict[str, bytes]:
    """Names (and, for stored entries, the first bytes) of the ZIP local headers found in the head.

    Local headers are found by their signature rather than by walking sizes, since entries
    written with a data descriptor announce no size up front.
    """
    entries: dict[str, bytes] = {}
    position = head.find(ZIP_MAGIC)
    while position != -1 and position + 30 <= len(head):
        method, _, _, _, compressed, _, name_length, extra_length = struct.unpack_from("<HHHIIIHH", head, position + 8)
        start = position + 30
        name = head[start:start + name_length].decode("utf-8", "replace")
        data_start = start + name_length + extra_length
        entries.setdefault(name, head[data_start:data_start + min(compressed, 200)] if method == 0 else b"")
        position = head.find(ZIP_MAGIC, position + 4)
    return entries


def _zip_kind(head: bytes) -> tuple[str, str]:
    entries = zip_entries(head)
    mimetype = entries.get("mimetype", b"").decode("ascii", "replace").strip()
    if mimetype in ODF_MEDIA_TYPES:
        return mimetype, ODF_MEDIA_TYPES[mimetype]
    for folder, kind in OPC_FOLDERS.items():
        if any(name.startswith(folder) for name in entries):
            return kind
    if "[Content_Types].xml" in entries:
        return OPC_GENERIC, "un document Office"
    return "application/zip", "une archive ZIP"


def _is_tar_gzip(head: bytes) -> bool:
    try:
        inflated = zlib.decompressobj(wbits=31).decompress(head, 512)
    except zlib.error:
        return False
    if len(inflated) < 512:
        return False
    if inflated[257:262] == b"ustar":
        return True
    # Old (v7) tar headers have no magic; their checksum field still has to add up.
    try:
        recorded = int(inflated[148:156].replace(b"\x00", b" ").strip() or b"-1", 8)
    except ValueError:
        return False
    return recorded == sum(inflated[:148]) + 8 * 32 + sum(inflated[156:512])


def _is_webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _is_pdf(head: bytes) -> bool:
    # The PDF specification lets readers accept a header within the first 1024 bytes.
    return b"%PDF-" in head[:1024]


def sniff(head: bytes) -> Sniffed:
    """Identify content from its first bytes (HEAD_SIZE is enough)."""
    kind = executable_kind(head)
    if kind is not None:
        return Sniffed("application/x-executable", f"un programme exécutable ({kind})", executable=True)
    if head.startswith(PNG_MAGIC):
        return Sniffed("image/png", "une image PNG")
    if head.startswith(JPEG_MAGIC):
        return Sniffed("image/jpeg", "une image JPEG")
    if _is_webp(head):
        return Sniffed("image/webp", "une image WebP")
    if _is_pdf(head):
        return Sniffed("application/pdf", "un document PDF")
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return Sniffed(*_zip_kind(head))
    if head.startswith(SEVEN_Z_MAGIC):
        return Sniffed("application/x-7z-compressed", "une archive 7-Zip")
    if head.startswith(GZIP_MAGIC):
        if _is_tar_gzip(head):
            return Sniffed("application/gzip", "une archive tar.gz")
        return Sniffed("application/gzip", "un fichier compressé gzip")
    encoding = text_encoding(head)
    if encoding is not None:
        root = xml_root(decode_text(head[:8192], complete=False, encoding=encoding))
        if root == "svg":
            return Sniffed("image/svg+xml", "une image SVG", encoding=encoding)
        if root in ("mxfile", "mxgraphmodel"):
            return Sniffed("application/vnd.jgraph.mxfile", "un schéma draw.io", encoding=encoding)
        if root == "html":
            return Sniffed("text/html", "une page HTML", encoding=encoding)
        return Sniffed("text/plain", "du texte", encoding=encoding)
    guessed = filetype.guess(head)
    if guessed is not None:
        return Sniffed(guessed.mime, f"un fichier {guessed.extension.upper()} ({guessed.mime})")
    return Sniffed(None, "un contenu binaire non reconnu")


def content_matches(file_type: FileType, head: bytes, sniffed: Sniffed) -> bool:
    """Whether the sniffed content is what the extension announces."""
    if sniffed.executable:
        return False
    if file_type.is_text:
        # Any text is fine for logs and scripts, SVG or HTML included: it is only ever shown escaped.
        return sniffed.is_text
    if file_type.signature == "unsigned":
        return sniffed.media_type is None
    if file_type.signature == "zip":
        return head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC))
    if file_type.signature == "tar.gz":
        return sniffed.label == "une archive tar.gz"  # gzip alone has the same media type
    return sniffed.media_type == file_type.media_type or (
        sniffed.media_type == OPC_GENERIC and file_type.media_type in OPC_MEDIA_TYPES
    )

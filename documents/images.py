"""Reading the pictures of `Image` blocks: check they decode, size them, prepare them per output.

Any failure (missing file, corrupt or truncated data, unknown format, absurd size) raises
`UnreadableImageError`; the renderers then draw a placeholder box instead.

Screenshots are the common case and must stay cheap: a PNG is checked through its chunk
checksums and, for the PDF, its compressed pixel data is embedded as it is (PDF reads PNG's
row predictors); a JPEG is checked by a reduced-scale decode and embedded as it is. Only other
pictures (transparency, palettes, other formats, rotated photos, very large pictures) are
decoded and encoded again.
"""
from __future__ import annotations

import hashlib
import io
import struct
import warnings
import zlib
from dataclasses import dataclass

import PIL.Image
import PIL.ImageOps

from documents.model import Image, source_bytes

MAX_PIXELS = 60_000_000  # far above any screenshot; beyond, decoding costs too much memory
DEFAULT_DPI = 96.0  # what a screenshot without resolution information is shown at
PDF_DPI = 200  # resolution at the printed size above which…
REDUCE_ABOVE = 2.5  # …a picture this many times larger is reduced for the PDF
WORD_FORMATS = {"PNG", "JPEG", "GIF", "BMP"}
EXIF_ORIENTATION = 0x0112
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class UnreadableImageError(Exception):
    """The picture cannot be shown; the message says why (for logs, not for users)."""


def _dpi(info: dict) -> float:
    dpi = info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else DEFAULT_DPI
    except (TypeError, ValueError, IndexError):
        return DEFAULT_DPI
    return value if 30 <= value <= 1200 else DEFAULT_DPI


def _open(data: bytes) -> PIL.Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", PIL.Image.DecompressionBombWarning)
        picture = PIL.Image.open(io.BytesIO(data))
    width, height = picture.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        raise UnreadableImageError(f"image size {width}×{height} out of bounds")
    return picture


def _rotated(picture: PIL.Image.Image) -> bool:
    return picture.format == "JPEG" and picture.getexif().get(EXIF_ORIENTATION, 1) != 1


def _check(picture: PIL.Image.Image) -> None:
    """Raises if the data is damaged, without a full decode where the format allows it."""
    if picture.format == "PNG":
        picture.verify()  # every chunk's checksum: catches truncated and altered files
    elif picture.format == "JPEG":
        picture.draft("RGB", (max(1, picture.width // 8), max(1, picture.height // 8)))
        picture.load()
    else:
        picture.load()


def _unreadable(error: Exception) -> UnreadableImageError:
    if isinstance(error, UnreadableImageError):
        return error
    return UnreadableImageError(str(error) or type(error).__name__)


# ------------------------------------------------------------------------------------------ Word


@dataclass(frozen=True)
class ImageFile:
    data: bytes  # in a format Word reads (the original bytes, or a new encoding)
    width_px: int
    height_px: int
    dpi: float


def read_for_word(image: Image, reencode: bool = False) -> ImageFile:
    """The picture, checked; re-encoded when Word could not read it as it is, or when asked."""
    try:
        data = source_bytes(image.source)
        picture = _open(data)
        dpi = _dpi(picture.info)
        as_it_is = picture.format in WORD_FORMATS and picture.mode not in ("CMYK", "YCbCr", "I;16")
        if as_it_is and not reencode and not _rotated(picture):
            width, height = picture.size
            _check(picture)
            return ImageFile(data, width, height, dpi)
        photo = picture.format == "JPEG"
        picture = PIL.ImageOps.exif_transpose(picture)
        return ImageFile(_encode(picture, photo), picture.width, picture.height, dpi)
    except Exception as error:  # Pillow raises many types for bad data
        raise _unreadable(error) from error


# ------------------------------------------------------------------------------------------ PDF


@dataclass(frozen=True)
class PdfPicture:
    """An image stream ready for a PDF image XObject."""

    data: bytes  # zlib data (FlateDecode), or JPEG bytes (DCTDecode)
    filter: str
    colour_space: str  # DeviceRGB or DeviceGray
    png_rows: bool  # zlib data taken from a PNG: each row starts with its PNG predictor byte
    width_px: int  # of the stream
    height_px: int
    shown_width: float  # printed size, in points
    shown_height: float

    @property
    def components(self) -> int:
        return 1 if self.colour_space == "DeviceGray" else 3

    @property
    def key(self) -> str:
        return hashlib.sha1(self.data, usedforsecurity=False).hexdigest()


def read_for_pdf(image: Image, max_width: float, max_height: float) -> PdfPicture:
    """The picture as an image stream, fitted to `max_width` × `max_height` points."""
    try:
        data = source_bytes(image.source)
        picture = _open(data)
        source_format = picture.format
        width, height, dpi = *picture.size, _dpi(picture.info)
        shown = fit(width, height, dpi, max_width, max_height)
        target_width = max(1, round(shown[0] / 72 * PDF_DPI))
        too_large = width > target_width * REDUCE_ABOVE
        if not too_large and not _rotated(picture):
            if source_format == "PNG":
                _check(picture)
                stream = _png_stream(data)
                if stream is not None:
                    return PdfPicture(stream[0], "FlateDecode", stream[1], True, width, height, *shown)
                picture = _open(data)  # verify() leaves the picture unusable
            elif source_format == "JPEG" and picture.mode in ("RGB", "L"):
                _check(picture)
                return PdfPicture(data, "DCTDecode", _space(picture.mode), False, width, height, *shown)
        picture = _flatten(PIL.ImageOps.exif_transpose(picture))
        if too_large:
            picture = picture.reduce(int(picture.width // target_width) or 1)
        if source_format == "JPEG":
            return PdfPicture(_encode(picture, photo=True), "DCTDecode", _space(picture.mode), False,
                              *picture.size, *shown)
        # Plain zlib at its fastest level: as small as a PNG encoding for screenshots, twice as fast.
        return PdfPicture(zlib.compress(picture.tobytes(), 1), "FlateDecode", _space(picture.mode), False,
                          *picture.size, *shown)
    except Exception as error:
        raise _unreadable(error) from error


def _space(mode: str) -> str:
    return "DeviceGray" if mode == "L" else "DeviceRGB"


def _png_stream(data: bytes) -> tuple[bytes, str] | None:
    """The compressed pixel data and colour space of a PNG a PDF can take as it is: 8 bits per
    channel, grey or RGB, no transparency, not interlaced. None for any other PNG."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    position, chunks, header = len(PNG_SIGNATURE), [], None
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        elif kind == b"tRNS":
            return None
        elif kind == b"IEND":
            break
        position += 12 + length
    if header is None or not chunks:
        return None
    _, _, depth, colour_type, _, _, interlace = header
    if depth != 8 or interlace or colour_type not in (0, 2):
        return None
    return b"".join(chunks), "DeviceGray" if colour_type == 0 else "DeviceRGB"


def _flatten(picture: PIL.Image.Image) -> PIL.Image.Image:
    """RGB or greyscale pixels, transparency composited on white (PDF masks cost time and size)."""
    if picture.mode in ("RGB", "L"):
        return picture
    if picture.mode in ("P", "LA", "PA") or "transparency" in picture.info:
        picture = picture.convert("RGBA")
    if picture.mode == "RGBA" and picture.getchannel("A").getextrema() == (255, 255):
        return picture.convert("RGB")  # screenshots often carry an alpha channel that hides nothing
    if picture.mode == "RGBA":
        background = PIL.Image.new("RGB", picture.size, "white")
        background.paste(picture, mask=picture.getchannel("A"))
        return background
    return picture.convert("RGB")


def _encode(picture: PIL.Image.Image, photo: bool) -> bytes:
    buffer = io.BytesIO()
    if photo:
        picture = picture if picture.mode in ("RGB", "L") else picture.convert("RGB")
        picture.save(buffer, "JPEG", quality=90)
    else:
        picture = _flatten(picture)
        picture.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def fit(width_px: int, height_px: int, dpi: float, max_width: float, max_height: float) -> tuple[float, float]:
    """The printed size in points: natural size at `dpi`, reduced (never enlarged) to fit."""
    width, height = width_px / dpi * 72, height_px / dpi * 72
    scale = min(1.0, max_width / width, max_height / height)
    return width * scale, height * scale

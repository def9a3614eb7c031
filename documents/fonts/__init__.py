"""The TrueType fonts the PDF renderer embeds: DejaVu Sans and DejaVu Sans Mono.

They carry French accents, « », ’, “ ”, € and the narrow no-break space. They come from Debian's
`fonts-dejavu-core` (installed by scripts/install-system-deps.sh); no font file is kept in the
repository. PROBATIO_FONT_DIR names another folder holding the same files. Without DejaVu, the
Bitstream Vera fonts shipped inside reportlab are used (same shapes, fewer characters, no
monospace face), and a warning is logged.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import reportlab
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

FONT_DIR_ENV = "PROBATIO_FONT_DIR"
DEBIAN_PACKAGE = "fonts-dejavu-core"
SEARCH_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu
    "/usr/share/fonts/dejavu",  # Fedora, Arch
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/usr/local/share/fonts/dejavu",  # FreeBSD
    "/opt/homebrew/share/fonts",
    "/Library/Fonts",
)
DEJAVU = {
    "regular": "DejaVuSans.ttf",
    "bold": "DejaVuSans-Bold.ttf",
    "italic": "DejaVuSans-Oblique.ttf",
    "bold_italic": "DejaVuSans-BoldOblique.ttf",
    "mono": "DejaVuSansMono.ttf",
    "mono_bold": "DejaVuSansMono-Bold.ttf",
}
VERA = {
    "regular": "Vera.ttf",
    "bold": "VeraBd.ttf",
    "italic": "VeraIt.ttf",
    "bold_italic": "VeraBI.ttf",
    "mono": "Vera.ttf",
    "mono_bold": "VeraBd.ttf",
}


@dataclass(frozen=True)
class FontSet:
    """Registered reportlab font names, and the code points each text face can draw."""

    family: str  # "DejaVu" or "Vera"
    regular: str
    bold: str
    italic: str
    bold_italic: str
    mono: str
    mono_bold: str
    text_coverage: frozenset[int]  # drawn by all four text faces
    mono_coverage: frozenset[int]  # drawn by both monospace faces
    mono_is_fixed: bool


_lock = threading.Lock()
_fonts: FontSet | None = None


def font_set() -> FontSet:
    """The fonts, found and registered with reportlab once per process."""
    global _fonts
    with _lock:
        if _fonts is None:
            _fonts = _register()
        return _fonts


def find_dejavu() -> Path | None:
    """The first folder holding every DejaVu file needed, or None."""
    candidates = [os.environ.get(FONT_DIR_ENV, ""), *SEARCH_DIRS]
    for folder in filter(None, candidates):
        path = Path(folder)
        if all((path / name).is_file() for name in DEJAVU.values()):
            return path
    return None


def _register() -> FontSet:
    folder = find_dejavu()
    if folder is not None:
        family, files = "DejaVu", {face: folder / name for face, name in DEJAVU.items()}
    else:
        log.warning("Polices DejaVu introuvables (paquet Debian %s, ou %s) : repli sur Bitstream Vera, "
                    "sans police à chasse fixe ni certains caractères.", DEBIAN_PACKAGE, FONT_DIR_ENV)
        bundled = Path(reportlab.__file__).parent / "fonts"
        family, files = "Vera", {face: bundled / name for face, name in VERA.items()}
    names, fonts = {}, {}
    for face, path in files.items():
        name = f"Probatio{family}-{face}"
        font = TTFont(name, str(path))
        pdfmetrics.registerFont(font)
        names[face], fonts[face] = name, font
    family_name = f"Probatio{family}"
    addMapping(family_name, 0, 0, names["regular"])
    addMapping(family_name, 1, 0, names["bold"])
    addMapping(family_name, 0, 1, names["italic"])
    addMapping(family_name, 1, 1, names["bold_italic"])
    # Paragraph markup (<b>, <i>) looks a face up by the name of the regular one.
    for face, bold, italic in (("regular", 0, 0), ("bold", 1, 0), ("italic", 0, 1), ("bold_italic", 1, 1)):
        addMapping(names["regular"], bold, italic, names[face])
    addMapping(names["mono"], 0, 0, names["mono"])
    addMapping(names["mono"], 1, 0, names["mono_bold"])
    addMapping(names["mono"], 0, 1, names["mono"])
    addMapping(names["mono"], 1, 1, names["mono_bold"])

    def coverage(*faces: str) -> frozenset[int]:
        sets = [set(fonts[face].face.charToGlyph) for face in faces]
        return frozenset(set.intersection(*sets))

    mono_widths = {fonts["mono"].face.getCharWidth(ord(c)) for c in "iW.M"}
    return FontSet(
        family=family,
        text_coverage=coverage("regular", "bold", "italic", "bold_italic"),
        mono_coverage=coverage("mono", "mono_bold"),
        mono_is_fixed=len(mono_widths) == 1,
        **names,
    )

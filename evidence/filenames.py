"""The name an uploaded file is kept under, and the names that are refused.

Browsers send a bare name, but some send the client's path: old Edge and Internet Explorer send
"C:\\Users\\x\\capture.png", folder uploads send "dossier/capture.png". Such directories are
dropped and the last part kept as the display name: nothing in them is dangerous once removed,
and the candidate recognises their file. A name with a ".." part, a NUL, a control character or
an invisible formatting character (a right-to-left override, U+202E, placed before "gnp.sh"
makes a shell script display as "…hs.png") is refused outright, since it can only come from a mistake or an attack.

The name is only ever displayed (escaped) and sent back in Content-Disposition: objects are stored
under their content hash, so no name reaches a file system path.
"""
from __future__ import annotations

import re
import unicodedata

from evidence.filetypes import extension_of

MAX_FILENAME_LENGTH = 255  # EvidenceVersion.filename
# Bidirectional controls and other invisible format characters that can disguise a name.
FORMAT_CHARACTERS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


class BadFilename(ValueError):
    """A refused name: `shown` is safe to display, `reason` is French."""

    def __init__(self, shown: str, reason: str):
        self.shown = shown
        self.reason = reason
        super().__init__(f"« {shown} » : {reason}")


def shown_name(raw: str | None) -> str:
    """A refused name as it can be shown in a message: control characters replaced, length capped."""
    text = "".join("\ufffd" if unicodedata.category(c) in ("Cc", "Cf") else c for c in (raw or ""))
    return text if len(text) <= 120 else text[:117] + "…"


def display_name(raw: str | None) -> str:
    """The name kept for an uploaded file (NFC, directories dropped, at most 255 characters)."""
    if raw is None or not raw.strip():
        raise BadFilename("sans nom", "le fichier n'a pas de nom.")
    shown = shown_name(raw)
    if "\x00" in raw:
        raise BadFilename(shown, "le nom contient un caractère nul : renommez le fichier.")
    if any(unicodedata.category(c) == "Cc" for c in raw) or FORMAT_CHARACTERS.search(raw):
        raise BadFilename(shown, "le nom contient des caractères de contrôle ou invisibles : renommez le fichier.")
    parts = re.split(r"[\\/]", raw)
    if any(part.strip() == ".." for part in parts):
        raise BadFilename(shown, "le nom contient un chemin relatif (« .. ») : envoyez le fichier sous son seul nom.")
    name = unicodedata.normalize("NFC", parts[-1]).strip()
    if name in ("", "."):
        raise BadFilename(shown, "le nom ne désigne pas un fichier.")
    if len(name) > MAX_FILENAME_LENGTH:
        extension = extension_of(name)
        keep = MAX_FILENAME_LENGTH - len(extension) - 2
        name = f"{name[:keep]}….{extension}" if extension else name[:MAX_FILENAME_LENGTH]
    return name

"""Text, logs and scripts: decode whatever encoding the file uses (UTF-8, Latin-1, UTF-16…)."""
from __future__ import annotations

from pathlib import Path

from charset_normalizer import from_bytes

from search.extraction.limits import Budget, ExtractionError

# Above this share of NUL or other control bytes, the "text" file is binary.
MAX_CONTROL_RATIO = 0.10
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def decode(data: bytes) -> str:
    """The text of `data`: UTF-8 (with or without BOM) when valid, else the detected encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as error:
            # A file cut at the size cap may end inside a multi-byte character.
            if error.start >= len(data) - 3:
                return data[: error.start].decode("utf-8")
    match = from_bytes(data).best()
    if match is None:
        raise ExtractionError("Le fichier ne contient pas de texte lisible (encodage non reconnu ou fichier binaire).")
    return str(match)


def extract_text_file(path: Path, budget: Budget) -> str:
    limits = budget.limits
    with open(path, "rb") as handle:
        data = handle.read(limits.max_text_bytes + 1)
    if len(data) > limits.max_text_bytes:
        data = data[: limits.max_text_bytes]
        budget.truncated = True
    sample = data[:65536]
    utf16 = sample.startswith((b"\xff\xfe", b"\xfe\xff"))
    if sample and not utf16 and sum(sample.count(bytes([b])) for b in _CONTROL) / len(sample) > MAX_CONTROL_RATIO:
        raise ExtractionError("Le fichier ne contient pas de texte lisible : il semble binaire malgré son extension.")
    budget.check_time("le décodage du texte")
    text = decode(data).replace("\x00", "")
    if len(text) > limits.max_text_chars:
        text = text[: limits.max_text_chars]
        budget.truncated = True
    return text

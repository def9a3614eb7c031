"""Text helpers shared by the parsers: cleaning, folding for comparisons, HTML cell fragments."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

_DASHES = str.maketrans({"–": "-", "—": "-", "‑": "-", "’": "'", "‘": "'", "\u00a0": " ", "\u202f": " "})
_TERMINAL = (".", "!", "?", ":", ";", "»", '"')


def clean(text: str) -> str:
    """Unescape entities, turn no-break spaces into spaces and collapse blanks."""
    text = html.unescape(text).replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text).strip()


def fold(text: str) -> str:
    """A comparison form: no accents, no case, plain dashes and apostrophes, single spaces."""
    text = clean(text).translate(_DASHES).replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text).strip().lower()


def strip_markdown(text: str) -> str:
    """Drop the markdown of the text exports: headings, emphasis stars, links, escapes."""
    text = re.sub(r"^#{1,6}\s+", "", text.strip())
    text = re.sub(r"\[((?:\\.|[^\]\\])*)\]\([^)\s]*\)", r"\1", text)
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"\*+", "", text).replace("\\(", "(").replace("\\)", ")")
    return clean(text)


def ends_sentence(text: str) -> bool:
    return text.rstrip().endswith(_TERMINAL)


def starts_continuation(text: str) -> bool:
    """True when a fragment begins in the middle of a sentence (lower case or punctuation)."""
    text = text.lstrip()
    return bool(text) and (text[0].islower() or text[0] in ",.;:)/]")


def split_sentences(text: str) -> list[str]:
    """Split plain prose at sentence ends followed by a capital letter."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜ])", clean(text))
    return [p for p in parts if p]


def upper_ratio(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    return sum(ch.isupper() for ch in letters) / len(letters) if letters else 0.0


def acronym(title: str) -> str:
    """Initials of the significant words: "Technicien informatique en installation…" → "TIIMS"."""
    small = {
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "ou",
        "pour",
        "sur",
        "un",
        "une",
    }
    words = re.findall(r"[^\W\d_]+", fold(title))
    return "".join(w[0] for w in words if w not in small).upper()


@dataclass
class Block:
    """One paragraph ("p") or list item ("li") of a table cell."""

    kind: str
    text: str
    italic: bool = False  # the whole block was in <i>…</i> (RNCP group headings)
    plain: bool = False  # the cell had no paragraph or list markup at all


_TAG = re.compile(r"(<[^>]*>)")
# Inside a list any dash after a blank is a bullet ("-l'accès aux locaux"); outside, only a
# dash between blanks ("comprenant : - la PSSI - la charte"), never a hyphen inside a word.
_BULLET_IN_LIST = re.compile(r"(?:(?<=\s)|^)[-•]")
_BULLET = re.compile(r"(?:(?<=\s)|^)[-•](?=\s|$)")


def cell_blocks(cell: str, starters: re.Pattern[str] | None = None) -> list[Block]:
    """Split an exported table cell into paragraphs and list items.

    Handles <p>, <br>, <ul>/<li> (closed or not), bare "- "/"•" bullets inside or outside lists,
    and inline <i>/<b>/<u>. `starters` marks where a new paragraph begins even without markup
    (e.g. criterion codes in the middle of an unclosed list).
    """
    plain = not re.search(r"<(p|ul|ol|li|br)\b", cell, re.I)
    blocks: list[Block] = []
    parts: list[tuple[str, bool]] = []
    state = {"kind": "p", "depth": 0, "in_li": False, "italic": 0}

    def flush(next_kind: str | None = None) -> None:
        text = clean("".join(p for p, _ in parts))
        if state["kind"] == "li":
            text = re.sub(r"^[-•]\s*", "", text)
        if text:
            italic = all(it for p, it in parts if p.strip())
            blocks.append(Block(state["kind"], text, italic, plain))
        parts.clear()
        state["kind"] = next_kind or ("li" if state["depth"] or state["in_li"] else "p")

    def add_text(segment: str) -> None:
        for piece, starts_paragraph in _split_at(segment, starters):
            if starts_paragraph:
                state["depth"] = 0
                flush("p")
            bullet = _BULLET_IN_LIST if state["depth"] and not state["in_li"] else _BULLET
            for j, chunk in enumerate(bullet.split(piece)):
                if j:
                    flush("li")
                elif _ends_italic_item(parts, state, chunk):
                    state["depth"] = 0
                    flush("p")
                parts.append((chunk, state["italic"] > 0))

    for token in _TAG.split(cell):
        if not token:
            continue
        match = re.fullmatch(r"<\s*(/?)\s*([a-zA-Z]+)[^>]*>", token)
        if not match:
            add_text(token)
            continue
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name == "p":
            if not closing:
                state["depth"] = 0
            flush("p" if not closing else None)
        elif name == "br":
            flush()
        elif name in ("ul", "ol"):
            state["depth"] = max(0, state["depth"] + (-1 if closing else 1))
            flush()
        elif name == "li":
            state["in_li"] = not closing
            flush("li" if not closing else None)
        elif name in ("i", "em"):
            state["italic"] = max(0, state["italic"] + (-1 if closing else 1))
        # b, strong, u, span…: inline, dropped
    flush()
    return _merge_code_pieces(blocks)


def _ends_italic_item(parts: list[tuple[str, bool]], state: dict, chunk: str) -> bool:
    """An italic list item closed by a full stop, then roman text starting a new sentence.

    The exports write list items in italics without closing the list, so this is the only
    sign that the list is over ("- <i>Rédiger un compte rendu….</i> L'ensemble du travail…").
    """
    if state["kind"] != "li" or state["italic"] or state["in_li"] or not chunk.strip():
        return False
    written = [(p, it) for p, it in parts if p.strip()]
    return (
        bool(written)
        and all(it for _, it in written)
        and ends_sentence("".join(p for p, _ in written))
        and chunk.lstrip()[0].isupper()
    )


def _split_at(segment: str, starters: re.Pattern[str] | None) -> list[tuple[str, bool]]:
    """Cut a text segment before every starter match; True marks the pieces that begin one."""
    positions = [m.start() for m in starters.finditer(segment)] if starters else []
    if not positions:
        return [(segment, False)]
    pieces = [(segment[: positions[0]], False)] if positions[0] > 0 else []
    for i, start in enumerate(positions):
        end = positions[i + 1] if i + 1 < len(positions) else len(segment)
        pieces.append((segment[start:end], True))
    return pieces


_CODE_ONLY = re.compile(r"^(CE|CR)\s?\.?\s?\d+$")


def _merge_code_pieces(blocks: list[Block]) -> list[Block]:
    """ "CE11 - Conformité" was split at its dash: glue the code back to its title."""
    merged: list[Block] = []
    for block in blocks:
        if merged and _CODE_ONLY.match(merged[-1].text) and block.kind == "li":
            merged[-1].text = f"{merged[-1].text} - {block.text}"
            continue
        merged.append(block)
    return merged

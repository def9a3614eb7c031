"""Anchors: the exact part of a file version a claim points to (lines, pages, a region, cells).

    add_anchor(claim, version, spot)        check the spot against the version, then record it
    replace_anchor(anchor, spot, version=)  the same anchor, elsewhere (or on another version)
    remove_anchor(anchor)                   back to "the whole file" when it was the last one
    anchors_to_move(evidence)               anchors left on a version that has a newer one
    propose_move(anchor)                    for lines: where the same lines are in the newest version

A spot outside its version is refused with a French message (AnchorError). The facts about a
version (how many lines or pages, which sheets) come from evidence/excerpts.py, which never loads a
whole large file. Each change goes through services.commit_change: validated evidence goes back to
the tutor.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, fields, replace

from accounts.models import User
from extensions import db
from storage.base import StorageError

from evidence import excerpts
from evidence.filetypes import FileKind
from evidence.models import AnchorKind, Claim, ClaimAnchor, Evidence, EvidenceVersion
from evidence.previews import file_type
from evidence.services import EvidenceError, commit_change

# How far around the old place a moved range is looked for, in lines each side.
MOVE_SEARCH_WINDOW = 5_000
REGION_KINDS = frozenset({FileKind.IMAGE, FileKind.SVG})


class AnchorError(EvidenceError):
    """A refused anchor; the message is French and safe to show."""


@dataclass(frozen=True)
class Spot:
    """Where an anchor points, before it is checked; only the fields of its kind are set."""

    kind: str
    line_start: int | None = None
    line_end: int | None = None
    page_start: int | None = None
    page_end: int | None = None
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    sheet: str | None = None
    cells: str | None = None

    @classmethod
    def of(cls, anchor: ClaimAnchor) -> Spot:
        return cls(anchor.kind, **anchor.location)

    @property
    def location(self) -> dict:
        return {key: getattr(self, key) for key in ClaimAnchor.LOCATION_KEYS[AnchorKind(self.kind)]}


@dataclass(frozen=True)
class DraftAnchor:
    """An anchor not saved yet, shaped like ClaimAnchor, so that the excerpt partial shows it
    on the claim form before the candidate saves."""

    version: EvidenceVersion
    kind: str
    line_start: int | None = None
    line_end: int | None = None
    page_start: int | None = None
    page_end: int | None = None
    x: float | None = None
    y: float | None = None
    width: float | None = None
    height: float | None = None
    sheet: str | None = None
    cells: str | None = None
    id: None = None

    @property
    def version_id(self) -> int:
        return self.version.id

    @classmethod
    def of(cls, version: EvidenceVersion, spot: Spot) -> DraftAnchor:
        return cls(version, **{f.name: getattr(spot, f.name) for f in fields(Spot)})


def _n(number: int) -> str:
    """9000 → "9 000" (a no-break space, as French writes it)."""
    return f"{number:,}".replace(",", "\u00a0")


def _plural(count: int, word: str) -> str:
    return f"{_n(count)} {word}{'s' if count > 1 else ''}"


# --- checking a spot against its version ------------------------------------------------------

def check_spot(version: EvidenceVersion, spot: Spot) -> Spot:
    """The spot, normalised (ranges in order, a region rounded), or AnchorError."""
    try:
        kind = AnchorKind(spot.kind)
    except ValueError:
        raise AnchorError("Type d'ancre inconnu : choisissez des lignes, des pages, une zone ou des cellules.") from None
    return {
        AnchorKind.LINES: _check_lines, AnchorKind.PAGES: _check_pages,
        AnchorKind.REGION: _check_region, AnchorKind.CELLS: _check_cells,
    }[kind](version, spot)


def _range(start, end, what: str) -> tuple[int, int]:
    if start is None:
        raise AnchorError(f"Indiquez la première {what} de l'extrait.")
    end = start if end is None else end
    if start < 1 or end < 1:
        raise AnchorError(f"Les numéros de {what}s commencent à 1.")
    return (start, end) if start <= end else (end, start)


def _check_lines(version: EvidenceVersion, spot: Spot) -> Spot:
    start, end = _within(version, excerpts.line_count(version), spot.line_start, spot.line_end, "ligne",
                         "n'est pas un fichier texte : choisissez des pages ou une zone")
    return Spot(AnchorKind.LINES.value, line_start=start, line_end=end)


def _check_pages(version: EvidenceVersion, spot: Spot) -> Spot:
    start, end = _within(version, excerpts.page_count(version), spot.page_start, spot.page_end, "page",
                         "n'a pas de pages : choisissez des lignes ou une zone")
    return Spot(AnchorKind.PAGES.value, page_start=start, page_end=end)


def _within(version: EvidenceVersion, count: int | None, start, end, what: str, without: str) -> tuple[int, int]:
    """The range `start`–`end` of `what`s (lines, pages), refused when the version has none of them
    (`without` says so) or fewer than `end`."""
    if count is None:
        raise AnchorError(f"« {version.filename} » {without}.")
    start, end = _range(start, end, what)
    if end > count:
        raise AnchorError(
            f"La {what} {_n(end)} n'existe pas : « {version.filename} » (version {version.number}) compte "
            f"{_plural(count, what)}."
        )
    return start, end


def _check_region(version: EvidenceVersion, spot: Spot) -> Spot:
    if file_type(version).kind not in REGION_KINDS:
        raise AnchorError(f"« {version.filename} » n'est pas une image : une zone ne s'y choisit pas.")
    values = (spot.x, spot.y, spot.width, spot.height)
    if any(v is None for v in values):
        raise AnchorError("Indiquez la zone entière : sa gauche, son haut, sa largeur et sa hauteur.")
    x, y, width, height = (round(float(v), 4) for v in values)
    if not all(0 <= v <= 1 for v in (x, y, width, height)):
        raise AnchorError("La zone sort de l'image : chaque valeur doit être comprise entre 0 et 100 %.")
    if width <= 0 or height <= 0:
        raise AnchorError("La zone est vide : donnez-lui une largeur et une hauteur.")
    if x + width > 1.0001 or y + height > 1.0001:
        raise AnchorError("La zone dépasse le bord de l'image : réduisez sa largeur ou sa hauteur.")
    return Spot(AnchorKind.REGION.value, x=x, y=y, width=min(width, 1 - x), height=min(height, 1 - y))


_CELL = re.compile(r"^([A-Z]{1,3})([1-9][0-9]{0,6})$")


def _cell(text: str) -> tuple[int, int]:
    """"B12" → (row 12, column 2)."""
    match = _CELL.match(text)
    if not match:
        raise AnchorError(f"« {text} » n'est pas une cellule : écrivez par exemple B2, ou B2:D40 pour une plage.")
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - ord("A") + 1
    return int(match.group(2)), column


def _check_cells(version: EvidenceVersion, spot: Spot) -> Spot:
    names = excerpts.sheet_names(version)
    if not names:
        raise AnchorError(f"« {version.filename} » n'est pas un tableur : choisissez des lignes, des pages ou une zone.")
    sheet = (spot.sheet or "").strip()
    if sheet not in names:
        raise AnchorError(f"La feuille « {sheet} » n'existe pas dans « {version.filename} » : choisissez parmi {', '.join(names)}.")
    text = (spot.cells or "").replace(" ", "").replace("$", "").upper()
    if not text:
        raise AnchorError("Indiquez les cellules, par exemple B2:D40.")
    corners = text.split(":")
    if len(corners) > 2:
        raise AnchorError(f"« {spot.cells} » n'est pas une plage : écrivez par exemple B2:D40.")
    (r1, c1), (r2, c2) = _cell(corners[0]), _cell(corners[-1])
    bounds = excerpts.sheet_bounds(version, sheet)
    max_row, max_col = bounds or (0, 0)
    if max(r1, r2) > max_row or max(c1, c2) > max_col:
        raise AnchorError(f"La plage {text} sort de la feuille « {sheet} », qui va jusqu'à la ligne {_n(max_row)} et la colonne {_n(max_col)}.")
    return Spot(AnchorKind.CELLS.value, sheet=sheet, cells=text)


def _check_version(claim: Claim, version: EvidenceVersion | None) -> EvidenceVersion:
    if version is None or version.file.evidence_id != claim.evidence_id or version.file.removed_at is not None:
        raise AnchorError("Ce fichier n'appartient pas à cette preuve : choisissez un de ses fichiers.")
    return version


# --- changes ----------------------------------------------------------------------------------

def preview_anchor(claim: Claim, version: EvidenceVersion | None, spot: Spot) -> DraftAnchor:
    """The checked spot as an unsaved anchor, to show its excerpt before saving."""
    version = _check_version(claim, version)
    return DraftAnchor.of(version, check_spot(version, spot))


def add_anchor(claim: Claim, version: EvidenceVersion | None, spot: Spot, by: User | None = None) -> ClaimAnchor:
    version = _check_version(claim, version)
    spot = check_spot(version, spot)
    anchor = ClaimAnchor(claim=claim, version_id=version.id, kind=spot.kind, **spot.location)
    db.session.add(anchor)
    commit_change(claim.evidence, by)
    return anchor


def replace_anchor(anchor: ClaimAnchor, spot: Spot, version: EvidenceVersion | None = None, by: User | None = None) -> ClaimAnchor:
    """Point the anchor elsewhere, on its version or (moving it) on `version`."""
    version = _check_version(anchor.claim, version or anchor.version)
    spot = check_spot(version, spot)
    for keys in ClaimAnchor.LOCATION_KEYS.values():
        for key in keys:
            setattr(anchor, key, None)
    anchor.kind = spot.kind
    anchor.version_id = version.id
    anchor.version = version
    for key, value in spot.location.items():
        setattr(anchor, key, value)
    commit_change(anchor.claim.evidence, by)
    return anchor


def remove_anchor(anchor: ClaimAnchor, by: User | None = None) -> None:
    evidence = anchor.claim.evidence
    anchor.claim.anchors.remove(anchor)
    db.session.delete(anchor)
    commit_change(evidence, by)


# --- new versions -----------------------------------------------------------------------------

def newest_version(anchor: ClaimAnchor) -> EvidenceVersion | None:
    """The file's newest version when the anchor is on an older one, else None."""
    current = anchor.version.file.current
    return current if current is not None and current.id != anchor.version_id else None


def anchors_to_move(evidence: Evidence) -> list[ClaimAnchor]:
    """Anchors left on a version that has a newer one, of files still in the evidence."""
    return [
        a for c in sorted(evidence.claims, key=lambda c: c.criterion.key) for a in c.anchors
        if a.version.file.removed_at is None and newest_version(a) is not None
    ]


@dataclass(frozen=True)
class MoveProposal:
    spot: Spot
    matched: bool  # True: the same lines were found (content matching)
    identical: bool  # True: every line is the same, not only most of them
    note: str  # French, for the candidate


def _lines(version: EvidenceVersion, start: int, end: int) -> list[str]:
    return excerpts.read_lines(version, start, end)


def propose_move(anchor: ClaimAnchor) -> MoveProposal | None:
    """Where the anchor should go in the newest version; None when there is no newer version.

    For lines, the anchored lines are looked for in the new version near where they were: the
    same run of lines first, else the closest match (difflib). Other kinds keep their place."""
    new = newest_version(anchor)
    if new is None:
        return None
    spot = Spot.of(anchor)
    if anchor.kind != AnchorKind.LINES.value:
        return MoveProposal(spot, False, False, "Vérifiez que cet endroit montre toujours la preuve dans la nouvelle version.")
    count = excerpts.line_count(new)
    if not count:
        return MoveProposal(spot, False, False, "La nouvelle version n'est plus un fichier texte : choisissez un nouvel extrait.")
    low = max(1, anchor.line_start - MOVE_SEARCH_WINDOW)
    high = min(count, anchor.line_end + MOVE_SEARCH_WINDOW)
    try:
        old = _lines(anchor.version, anchor.line_start, anchor.line_end)
        window = _lines(new, low, high)
    except StorageError:
        return MoveProposal(spot, False, False, "Le stockage des fichiers ne répond pas : vérifiez vous-même les lignes dans la nouvelle version.")
    found = _best_match(window, old, anchor.line_start - low)
    if found is None:
        kept = replace(spot, line_start=min(spot.line_start, count), line_end=min(spot.line_end, count))
        return MoveProposal(kept, False, False, "Ces lignes ne se retrouvent pas dans la nouvelle version : choisissez un nouvel extrait.")
    start, end, same = found
    moved = Spot(AnchorKind.LINES.value, line_start=low + start, line_end=low + end)
    if same == len(old) and end - start + 1 == len(old):
        return MoveProposal(moved, True, True, f"Les mêmes lignes se trouvent aux lignes {_n(moved.line_start)}–{_n(moved.line_end)} de la nouvelle version.")
    return MoveProposal(
        moved, True, False,
        f"Lignes les plus proches : {_n(moved.line_start)}–{_n(moved.line_end)} ({_n(same)} sur {_plural(len(old), 'ligne')} identiques) ; vérifiez-les.",
    )


def _best_match(window: list[str], old: list[str], near: int) -> tuple[int, int, int] | None:
    """(first, last, lines identical) of `old` inside `window`, 0-based; the exact run nearest to
    `near` first, else difflib's matching blocks. None when nothing matches."""
    if not old or not window:
        return None
    size = len(old)
    exact = [i for i in range(len(window) - size + 1) if window[i] == old[0] and window[i:i + size] == old]
    if exact:
        first = min(exact, key=lambda i: abs(i - near))
        return first, first + size - 1, size
    blocks = [b for b in difflib.SequenceMatcher(None, window, old, autojunk=False).get_matching_blocks() if b.size]
    if not blocks:
        return None
    first = max(0, blocks[0].a - blocks[0].b)
    last = min(len(window) - 1, blocks[-1].a + blocks[-1].size - 1 + (size - blocks[-1].b - blocks[-1].size))
    return first, last, sum(b.size for b in blocks)


def anchor_label(anchor) -> str:
    """French, without reading the file: "lignes 1 200–1 234", "page 3", "zone de l'image", "feuille X, B2:D40"."""
    kind = anchor.kind
    if kind == AnchorKind.LINES.value:
        return _span("ligne", anchor.line_start, anchor.line_end)
    if kind == AnchorKind.PAGES.value:
        return _span("page", anchor.page_start, anchor.page_end)
    if kind == AnchorKind.REGION.value:
        return (f"zone de l'image ({round(anchor.x * 100)} % à {round((anchor.x + anchor.width) * 100)} % de la largeur, "
                f"{round(anchor.y * 100)} % à {round((anchor.y + anchor.height) * 100)} % de la hauteur)")
    return f"feuille {anchor.sheet}, {anchor.cells}"


def _span(word: str, start: int, end: int) -> str:
    return f"{word} {_n(start)}" if start == end else f"{word}s {_n(start)}–{_n(end)}"

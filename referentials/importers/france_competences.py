"""France Compétences open data: the RNCP export (XML, flux version 4.1), streamed.

The public export is a zip holding one large XML file `FICHES/FICHE`; it is read with iterparse,
one FICHE at a time, each element cleared once read, so memory stays flat whatever the size.

    for fiche in iter_fiches(path): ...        # path to a .xml or a .zip
    fiche = find_fiche(path, "RNCP38596")
    draft = skeleton_draft(fiche)               # blocs and competences, no criteria
    match = match_blocs(fiche, certification_blocs)
"""
from __future__ import annotations

import re
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator
from xml.etree.ElementTree import iterparse

from referentials.importers import draft as d
from referentials.importers.errors import ReferentialImportError
from referentials.importers.text import cell_blocks, clean, fold


@dataclass
class FicheBloc:
    code: str  # "RNCP38596BC02"
    title: str
    competences: list[str] = field(default_factory=list)
    modalities: str = ""


@dataclass
class Fiche:
    number: str  # "RNCP38596"
    title: str
    level: str | None = None
    certifiers: list[str] = field(default_factory=list)
    blocs: list[FicheBloc] = field(default_factory=list)


@contextmanager
def open_export(source: Path | IO[bytes]) -> Iterator[IO[bytes]]:
    """The XML stream of an export: `source` is a path or a binary file, holding the XML itself
    or a zip of it. A file object must be seekable to be recognised as a zip; it is not closed."""
    seekable = isinstance(source, Path) or (hasattr(source, "seekable") and source.seekable())
    if seekable and zipfile.is_zipfile(source):
        if not isinstance(source, Path):
            source.seek(0)
        with zipfile.ZipFile(source) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith(".xml")]
            if not names:
                raise ReferentialImportError("L'archive ne contient aucun fichier XML de France Compétences.")
            with archive.open(names[0]) as stream:
                yield stream
    elif isinstance(source, Path):
        with open(source, "rb") as stream:
            yield stream
    else:
        if seekable:
            source.seek(0)
        yield source


def _text(element, path: str) -> str:
    found = element.find(path)
    return clean(found.text or "") if found is not None and found.text else ""


def _html_items(html: str) -> list[str]:
    """The competences listed in an HTML fragment (<ul><li>…, <p>…, or plain lines)."""
    return [b.text for b in cell_blocks(html.replace("\n", " ")) if b.text]


def _fiche(element) -> Fiche:
    fiche = Fiche(number=_text(element, "NUMERO_FICHE"), title=_text(element, "INTITULE"))
    level = _text(element, "NOMENCLATURE_EUROPE/NIVEAU")
    fiche.level = (re.sub(r"^NIV", "", level) or None) if level else None
    fiche.certifiers = [
        _text(c, "NOM_CERTIFICATEUR") for c in element.iterfind("CERTIFICATEURS/CERTIFICATEUR") if _text(c, "NOM_CERTIFICATEUR")
    ]
    for bloc in element.iterfind("BLOCS_COMPETENCES/BLOC_COMPETENCES"):
        fiche.blocs.append(
            FicheBloc(
                code=_text(bloc, "CODE"), title=_text(bloc, "LIBELLE"),
                competences=_html_items(bloc.findtext("LISTE_COMPETENCES") or ""),
                modalities=clean(re.sub(r"<[^>]+>", " ", bloc.findtext("MODALITES_EVALUATION") or "")),
            )
        )
    return fiche


def _fiche_elements(source: Path | IO[bytes]) -> Iterator:
    """Every FICHE element of the export, one at a time; each is cleared once the caller is done."""
    with open_export(source) as stream:
        try:
            context = iterparse(stream, events=("start", "end"))
            _, root = next(context)
            if root.tag != "FICHES":
                raise ReferentialImportError(
                    f"Ce fichier XML n'est pas un export RNCP de France Compétences (élément racine {root.tag}, FICHES attendu)."
                )
            for event, element in context:
                if event == "end" and element.tag == "FICHE":
                    yield element
                    element.clear()
                    root.clear()  # drop the references the root keeps to read fiches
        except SyntaxError as error:  # ParseError
            raise ReferentialImportError(f"Le fichier XML de France Compétences est illisible : {error}.") from None
        except StopIteration:
            raise ReferentialImportError("Le fichier XML de France Compétences est vide.") from None


def iter_fiches(source: Path | IO[bytes]) -> Iterator[Fiche]:
    """Every FICHE of the export, one at a time (the tree is cleared as it goes)."""
    for element in _fiche_elements(source):
        yield _fiche(element)


@dataclass
class FicheSummary:
    number: str
    title: str
    level: str | None
    blocs: int


def summarize_fiches(source: Path | IO[bytes]) -> Iterator[FicheSummary]:
    """Number, title, level and bloc count of every fiche, without reading their blocs."""
    for element in _fiche_elements(source):
        level = _text(element, "NOMENCLATURE_EUROPE/NIVEAU")
        yield FicheSummary(
            number=_text(element, "NUMERO_FICHE"), title=_text(element, "INTITULE"),
            level=(re.sub(r"^NIV", "", level) or None) if level else None,
            blocs=len(element.findall("BLOCS_COMPETENCES/BLOC_COMPETENCES")),
        )


def find_fiche(source: Path | IO[bytes], number: str) -> Fiche | None:
    """The fiche of that number; the others are skipped on their number, never read whole."""
    wanted = number.strip().upper()
    for element in _fiche_elements(source):
        if _text(element, "NUMERO_FICHE").upper() == wanted:
            return _fiche(element)
    return None


def skeleton_draft(fiche: Fiche) -> d.CertificationDraft:
    """A certification skeleton: blocs and competences, no criteria (the export has none)."""
    draft = d.CertificationDraft(
        title=fiche.title, certifier=", ".join(fiche.certifiers) or None, code=fiche.number, level=fiche.level,
        source_name=f"France Compétences {fiche.number}", key=fiche.number,
    )
    for position, bloc in enumerate(fiche.blocs, 1):
        short = re.sub(rf"^{re.escape(fiche.number)}", "", bloc.code) or f"BC{position:02d}"
        draft.blocs.append(
            d.BlocDraft(
                code=short, title=bloc.title, order=position, description=bloc.modalities,
                competences=[d.CompetenceDraft(code="", text=text) for text in bloc.competences],
            )
        )
    d.renumber(draft)
    d.assign_keys(draft)
    return draft


@dataclass
class BlocMatch:
    bloc_code: str
    bloc_title: str
    official_code: str | None
    official_title: str | None
    score: float


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]{4,}", fold(text))}


def match_blocs(fiche: Fiche, blocs: list[tuple[str, str]]) -> list[BlocMatch]:
    """Each (code, title) bloc matched to the fiche's bloc with the closest title (word overlap)."""
    matches = []
    free = list(fiche.blocs)
    for code, title in blocs:
        words = _words(title)
        scored = [(len(words & _words(b.title)) / max(1, len(words | _words(b.title))), b) for b in free]
        best = max(scored, key=lambda s: s[0], default=(0.0, None))
        if best[1] is not None and best[0] >= 0.3:
            free.remove(best[1])
            matches.append(BlocMatch(code, title, best[1].code, best[1].title, round(best[0], 2)))
        else:
            matches.append(BlocMatch(code, title, None, None, 0.0))
    return matches

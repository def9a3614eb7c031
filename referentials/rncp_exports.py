"""France Compétences RNCP exports on the web: an uploaded export kept in the object store, its
fiches listed, one fiche matched to a loaded certification and applied after confirmation."""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass

from extensions import db
from storage.access import object_store
from storage.base import ObjectNotFound, StorageError, content_key

from referentials.curation import METADATA_FIELDS, update_metadata
from referentials.importers.errors import ReferentialImportError
from referentials.importers.france_competences import find_fiche, match_blocs, open_export, summarize_fiches
from referentials.importers.text import fold
from referentials.models import Certification, CertificationChange

def apply_fiche(certification: Certification, fiche, matches, changed_by_id: int | None = None) -> list[str]:
    """After the administrator confirmed the match: the fiche's code, level, and title and
    certifier where missing, and the official code of each matched bloc; all audited."""

    values = _fiche_values(certification, fiche)
    changed = update_metadata(certification, values, changed_by_id, source="France Compétences")
    by_code = {b.code: b for b in certification.blocs}
    for match in matches:
        bloc = by_code.get(match.bloc_code)
        if bloc is None or not match.official_code or bloc.official_code == match.official_code:
            continue
        db.session.add(
            CertificationChange(
                certification_id=certification.id, changed_by_id=changed_by_id, field=f"bloc {bloc.code}"[:40],
                old_value=bloc.official_code, new_value=match.official_code, source="France Compétences",
            )
        )
        bloc.official_code = match.official_code
        changed.append(f"code officiel du bloc {bloc.code}")
    db.session.commit()
    return changed


# The web import.
#
# The uploaded export (XML, or the zip of it) is kept as its XML in the object store, with a small
# JSON list of its fiches beside it; the screens name that list by its SHA-256. Every read of the
# export streams it (iterparse, one fiche at a time), whatever its size.

@dataclass
class StoredExport:
    """An uploaded RNCP export: its name, the key of its XML, and the fiches it holds."""

    digest: str  # SHA-256 of this summary, what the URLs carry
    name: str
    xml_key: str
    fiches: list[dict]

    def search(self, query: str, limit: int = 100) -> list[dict]:

        wanted = fold(query.strip())
        found = [f for f in self.fiches if not wanted or wanted in fold(f["number"]) or wanted in fold(f["title"])]
        return found[:limit]


def store_rncp_export(source, name: str) -> StoredExport:
    """Keep an uploaded export (a seekable binary file: XML or zip) and list its fiches."""
    store = object_store()
    with open_export(source) as xml:
        xml_ref = store.put(xml)
    with store.open(xml_ref.key) as stream:
        fiches = [
            {"number": f.number, "title": f.title, "level": f.level, "blocs": f.blocs}
            for f in summarize_fiches(stream)
        ]
    if not fiches:
        raise ReferentialImportError("Aucune fiche (FICHES/FICHE) dans ce fichier : est-ce bien l'export RNCP de France Compétences ?")
    body = json.dumps({"name": name, "xml_key": xml_ref.key, "fiches": fiches}, ensure_ascii=False).encode("utf-8")
    ref = store.put(io.BytesIO(body), len(body))
    return StoredExport(ref.sha256, name, xml_ref.key, fiches)


def stored_rncp_export(digest: str) -> StoredExport | None:
    """The export uploaded earlier under that summary digest, or None if there is none.

    StorageError when the store cannot answer: the export may still be there."""
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        return None
    try:
        with object_store().open(content_key(digest)) as stream:
            data = json.loads(stream.read().decode("utf-8"))
    except ObjectNotFound:
        return None
    except ValueError:
        raise ReferentialImportError("Le résumé de cet export de France Compétences est illisible : déposez-le de nouveau.") from None
    return StoredExport(digest, data["name"], data["xml_key"], data["fiches"])


def stored_fiche(export: StoredExport, number: str):
    """The whole fiche (blocs and their codes), streamed from the stored export."""

    try:
        with object_store().open(export.xml_key) as stream:
            fiche = find_fiche(stream, number)
    except StorageError:
        raise ReferentialImportError("Cet export de France Compétences n'est plus disponible : déposez-le de nouveau.") from None
    if fiche is None:
        raise ReferentialImportError(f"La fiche {number} ne figure pas dans cet export.")
    return fiche


@dataclass
class FicheMatchReport:
    """What confirming a match will write: (field label, current value, new value) and the blocs."""

    fiche: object
    certification: Certification
    fields: list[tuple[str, str, str]]
    matches: list


def fiche_match_report(certification: Certification, fiche) -> FicheMatchReport:
    values = _fiche_values(certification, fiche)
    fields = [
        (METADATA_FIELDS[name], str(getattr(certification, name) or ""), str(value))
        for name, value in values.items()
        if (getattr(certification, name) or "") != value
    ]
    return FicheMatchReport(fiche, certification, fields, match_blocs(fiche, [(b.code, b.title) for b in certification.blocs]))


def _fiche_values(certification: Certification, fiche) -> dict:
    values = {"code": fiche.number}
    if fiche.level:
        values["level"] = fiche.level
    if not certification.title:
        values["title"] = fiche.title
    if not certification.certifier and fiche.certifiers:
        values["certifier"] = ", ".join(fiche.certifiers)
    return values

"""Reading a version's stored object, always through the backend that recorded it.

Every reader of evidence files (download, previews, thumbnails, text extraction, the dossier)
opens them with `open_version`, or asks `store_of` for the store when it needs more than a
stream (a presigned download link). A version whose `backend` is not the configured store (the
files stayed in a store this instance no longer uses) is refused with a French StorageError,
never read from whatever store happens to be configured.

`version_keys(backend)` is what storage garbage collection must keep for evidence
(storage/gc.py), `stored_versions(backend)` what the integrity scrub checks them against
(storage/verify.py); app.py registers both.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO

from sqlalchemy import select

from extensions import db
from storage.access import object_store
from storage.base import ObjectStore, StorageError
from storage.verify import ExpectedObject

from evidence.models import EvidenceFile, EvidenceVersion


class StoredElsewhere(StorageError):
    """The version's object is held by a backend this instance is not configured with."""

    def __init__(self, backend: str, key: str):
        super().__init__(
            backend, "open", f"ce fichier est conservé par le stockage « {backend} », non configuré ici", key=key
        )


def _location(version: EvidenceVersion | Mapping[str, Any]) -> tuple[str, str]:
    if isinstance(version, Mapping):  # a version frozen in a submission snapshot
        return version["backend"], version["object_key"]
    return version.backend, version.object_key


def store_of(version: EvidenceVersion | Mapping[str, Any]) -> ObjectStore:
    """The configured store, when it is the one that holds this version; else StoredElsewhere."""
    backend, key = _location(version)
    store = object_store()
    if backend != store.name:
        raise StoredElsewhere(backend, key)
    return store


def open_version(version: EvidenceVersion | Mapping[str, Any]) -> BinaryIO:
    """A stream of the version's bytes (a model row or a snapshot's version entry); StorageError
    (French) when its backend is not the configured one or the store fails."""
    return store_of(version).open(_location(version)[1])


def version_keys(backend: str) -> set[str]:
    """Object keys that evidence versions recorded in `backend` point at."""
    return set(db.session.scalars(select(EvidenceVersion.object_key).where(EvidenceVersion.backend == backend)))


def stored_versions(backend: str) -> Iterator[ExpectedObject]:
    """What each evidence version recorded in `backend` says its object is (the integrity scrub,
    storage/verify.py: app.py registers it)."""
    query = (
        select(EvidenceVersion.object_key, EvidenceVersion.size, EvidenceVersion.sha256, EvidenceVersion.number,
               EvidenceVersion.filename, EvidenceFile.evidence_id)
        .join(EvidenceFile, EvidenceVersion.file_id == EvidenceFile.id)
        .where(EvidenceVersion.backend == backend)
        .order_by(EvidenceVersion.id)
    )
    for key, size, sha256, number, filename, evidence_id in db.session.execute(query):
        yield ExpectedObject(key, size, sha256, f"version {number} de « {filename} », preuve n° {evidence_id}")

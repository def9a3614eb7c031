"""Garbage collection of the object store: remove objects nothing references (`flask storage gc`).

Storage knows no table. What must be kept is told by reference providers the application wires
in (app.py): each is a callable taking a backend name and returning the object keys it holds
there, registered with `register_references(app, provider)` into
`app.extensions["storage_references"]`. Today: evidence versions (evidence/files.version_keys)
and export results (files, session archives and their parts: exports.services.stored_object_keys).

Safety: with no provider registered, collection refuses to run (it would take every object for
garbage). Objects younger than the grace period are spared: an upload stores its object before
it records its version.

Derived objects (`derived/<sha256>/<name>`: line indexes, crops, page thumbnails cut for excerpts)
are caches of their source object: they are kept while the source is referenced, and removed
with it (or once their source is gone), older than the grace period like any object.

`collect_temporary(store, older_than)` removes what unfinished uploads left (a server killed
mid-upload: a file in `objects/tmp/`, a `tmp/` key or an unfinished multipart upload on S3),
once older than `older_than`; `flask storage gc` runs it too, and a periodic task may call it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from flask import Flask, current_app

from storage.access import object_store
from storage.base import ObjectNotFound, ObjectStore, content_key, source_of_derived

GC_GRACE = timedelta(hours=1)
# An upload in flight keeps its temporary file or multipart upload: spare them long enough for
# the slowest upload of the largest file (S3 dates a multipart upload by its start).
TEMPORARY_GRACE = timedelta(hours=6)
REFERENCES = "storage_references"

ReferenceProvider = Callable[[str], Iterable[str]]


class CollectionRefused(Exception):
    """Garbage collection cannot run safely; the message is French."""


def register_references(app: Flask, provider: ReferenceProvider) -> None:
    """Declare `provider(backend) -> keys` as holding objects garbage collection must keep."""
    providers = app.extensions.setdefault(REFERENCES, [])
    if provider not in providers:
        providers.append(provider)


def referenced_keys(backend: str) -> set[str]:
    """Every key some provider holds in `backend`; CollectionRefused when none is registered."""
    providers = current_app.extensions.get(REFERENCES) or []
    if not providers:
        raise CollectionRefused(
            "Nettoyage du stockage refusé : aucune source de références n'est déclarée "
            "(app.extensions['storage_references']), tous les objets passeraient pour orphelins."
        )
    keys: set[str] = set()
    for provider in providers:
        keys.update(provider(backend))
    return keys


def _older_than(store, key: str, cutoff: datetime) -> bool:
    try:
        modified = store.stat(key).modified
    except ObjectNotFound:
        return False
    if modified is None:
        return False
    return _as_utc(modified) <= cutoff


def collect_garbage(dry_run: bool = False, *, grace: timedelta = GC_GRACE) -> list[str]:
    """Remove the objects of the configured store that no provider references, older than `grace`.

    With dry_run, nothing is removed and the keys that would be are returned. Raises
    CollectionRefused (nothing removed) when no reference provider is registered. A grace of zero
    (or less) spares nothing, whatever the dates (S3 servers may date an object a second ahead).
    """
    store = object_store()
    referenced = referenced_keys(store.name)
    cutoff = datetime.now(UTC) - grace
    old_orphans = [
        key for key in store.keys()
        if key not in referenced and (grace <= timedelta(0) or _older_than(store, key, cutoff))
    ]
    old_orphans += [
        key for key in store.derived_keys()
        if not derived_is_kept(key, referenced) and (grace <= timedelta(0) or _older_than(store, key, cutoff))
    ]
    # A version or an export may have been recorded while the store was listed: ask again.
    referenced = referenced_keys(store.name)
    removed = [key for key in old_orphans if key not in referenced and not derived_is_kept(key, referenced)]
    if not dry_run:
        for key in removed:
            store.delete(key)
    return removed


def derived_is_kept(key: str, referenced: set[str]) -> bool | None:
    """For a derived key: whether its source object is referenced (then it is an expected cache,
    not a leftover). None for a content key."""
    if not key.startswith("derived/"):
        return None
    return content_key(source_of_derived(key)) in referenced


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def collect_temporary(
    store: ObjectStore, older_than: timedelta = TEMPORARY_GRACE, *, dry_run: bool = False
) -> list[str]:
    """Remove the leftovers of unfinished uploads in `store` last written before now - older_than.

    Returns their names (`tmp/…`, `multipart:<key>:<upload id>`); with dry_run, removes nothing.
    A leftover without a date is kept, unless older_than is zero (or less): then every leftover
    goes, uploads in flight included. Raises StorageError (French) when the store fails.
    """
    cutoff = datetime.now(UTC) - older_than
    stale = [
        upload for upload in store.temporary_uploads()
        if older_than <= timedelta(0) or (upload.started is not None and _as_utc(upload.started) <= cutoff)
    ]
    if not dry_run:
        for upload in stale:
            store.remove_temporary(upload)
    return [upload.name for upload in stale]

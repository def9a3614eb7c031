"""The integrity scrub (`flask storage verify`): every recorded object read back and checked.

Storage knows no table. What the database says an object must be is told by **record providers**
the application wires in (app.py), `provider(backend) -> iterable of ExpectedObject`, registered
with `register_records(app, provider)` into `app.extensions["storage_records"]`; today the
evidence versions (evidence/files.stored_versions). Each expected object is streamed (never held
in memory) and its size and SHA-256 compared with the row. Objects held only by the garbage
collection providers (export results) are read too and checked against their content key.
Objects no provider references are reported as well: after a crash, `flask storage gc` removes
them; right after an upload, one may be a version about to be recorded. Derived objects
(`derived/<sha256>/…`: excerpt caches) are expected while their source is referenced (counted in
`Report.derived`, not read: they are recomputed when damaged); those whose source is gone are
reported as unreferenced.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flask import Flask, current_app

from storage.access import object_store
from storage.base import CHUNK_SIZE, ObjectNotFound, ObjectStore, StorageError, is_valid_key, sha256_of_key
from storage.gc import derived_is_kept, referenced_keys

RECORDS = "storage_records"


@dataclass(frozen=True)
class ExpectedObject:
    """What a row says about one object: its key, size and SHA-256, and the row, named in French."""

    key: str
    size: int
    sha256: str
    label: str


RecordProvider = Callable[[str], Iterable[ExpectedObject]]


@dataclass(frozen=True)
class Problem:
    kind: str  # "missing", "altered", "unreferenced", "unreadable"
    key: str
    message: str  # French

    def __str__(self) -> str:
        return self.message


@dataclass
class Report:
    checked: int = 0
    bytes_read: int = 0
    derived: int = 0  # derived objects (caches) of referenced objects
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def register_records(app: Flask, provider: RecordProvider) -> None:
    """Declare `provider(backend) -> ExpectedObject…` as rows the scrub checks objects against."""
    providers = app.extensions.setdefault(RECORDS, [])
    if provider not in providers:
        providers.append(provider)


def _digest(store: ObjectStore, key: str) -> tuple[int, str]:
    """Size and SHA-256 of the stored object, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with store.open(key) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _check(store: ObjectStore, key: str, rows: list[ExpectedObject], report: Report) -> None:
    names = ", ".join(row.label for row in rows) or "un résultat de tâche"
    try:
        size, sha256 = _digest(store, key)
    except ObjectNotFound:
        report.problems.append(Problem("missing", key, f"Objet manquant : {key} ({names})."))
        return
    except StorageError as error:
        report.problems.append(Problem("unreadable", key, f"Objet illisible : {key} ({names}) — {error}"))
        return
    report.checked += 1
    report.bytes_read += size
    # The content must match its own address, and every row recording it.
    expected = [(sha256_of_key(key) if is_valid_key(key) else "?", None, names)]
    expected += [(row.sha256, row.size, row.label) for row in rows]
    for exp_sha, exp_size, label in expected:
        if exp_sha != sha256 or exp_size not in (None, size):
            shown_size = f"{exp_size} octets, " if exp_size is not None else ""
            report.problems.append(Problem(
                "altered", key,
                f"Objet altéré : {key} ({label}) — lu {size} octets, SHA-256 {sha256[:12]}… ; "
                f"attendu {shown_size}SHA-256 {exp_sha[:12]}….",
            ))
            return


def verify_store(store: ObjectStore | None = None) -> Report:
    """Check every object the database records in the configured store, and list the unreferenced.

    Raises CollectionRefused (French) when no reference provider is registered, StorageError when
    the store cannot be listed.
    """
    store = store or object_store()
    rows: dict[str, list[ExpectedObject]] = {}
    for provider in current_app.extensions.get(RECORDS) or []:
        for row in provider(store.name):
            rows.setdefault(row.key, []).append(row)
    referenced = referenced_keys(store.name) | set(rows)
    report = Report()
    for key in sorted(referenced):
        _check(store, key, rows.get(key, []), report)
    stored = set(store.keys())
    # A version or an export recorded while the store was listed is not an orphan: ask again.
    unreferenced = stored - referenced - referenced_keys(store.name)
    again = referenced_keys(store.name) | set(rows)
    for key in sorted(store.derived_keys()):
        if derived_is_kept(key, again):
            report.derived += 1
        else:
            report.problems.append(Problem(
                "unreferenced", key,
                f"Objet dérivé sans source : {key} (l'objet dont il a été calculé n'est plus référencé ; "
                "`flask storage gc` le supprimera).",
            ))
    for key in sorted(unreferenced):
        report.problems.append(Problem(
            "unreferenced", key,
            f"Objet non référencé : {key} (aucune version ni aucun résultat ne le cite ; "
            "`flask storage gc` le supprimera).",
        ))
    return report

"""Backup and restore of one instance: the database dump, then a copy of the object store.

    flask storage backup DEST      DEST/database.sqlite or DEST/database.dump, DEST/objects/, DEST/backup.json
    flask storage restore SRC      the database back from the dump, the missing objects back into the store
    flask storage verify           then confirms every recorded object is there and intact

The database goes first: objects are only ever added under new keys (content-addressed) or
removed by garbage collection, so every row of the dump finds its object in the copy made after
it, provided `flask storage gc` does not run meanwhile. The copy is a LocalStore folder whatever
the backend (so a MinIO bucket can be restored into a folder and back), each object checked
against its key on the way; a second backup into the same folder copies only the new objects.
SQLite is copied with its online backup API, PostgreSQL with pg_dump / pg_restore.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy.engine import make_url

from extensions import db
from storage.access import object_store
from storage.base import ObjectStore, StorageError
from storage.local import LocalStore

MANIFEST = "backup.json"


class BackupError(Exception):
    """The backup or the restore cannot go on; the message is French."""


@dataclass(frozen=True)
class CopyReport:
    copied: int
    present: int


def _database_url():
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _libpq_url(url) -> str:
    """The URL as pg_dump reads it: no SQLAlchemy driver name, the password kept."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str], what: str) -> None:
    try:
        result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise BackupError(f"{what} impossible : {command[0]} est introuvable (paquet postgresql-client).") from None
    if result.returncode != 0:
        raise BackupError(f"{what} en échec ({command[0]}) : {result.stderr.strip()[-500:]}")


def dump_database(dest: Path) -> Path:
    url = _database_url()
    db.session.remove()
    if url.get_backend_name() == "sqlite":
        target = dest / "database.sqlite"
        target.unlink(missing_ok=True)
        with sqlite3.connect(url.database) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return target
    target = dest / "database.dump"
    _run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq_url(url)], "La sauvegarde de la base")
    return target


def restore_database(src: Path) -> None:
    url = _database_url()
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "sqlite":
        dump = src / "database.sqlite"
        if not dump.is_file():
            raise BackupError(f"Aucune sauvegarde SQLite dans {src} (database.sqlite manquant).")
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(dump) as source, sqlite3.connect(url.database) as target:
            source.backup(target)
        return
    dump = src / "database.dump"
    if not dump.is_file():
        raise BackupError(f"Aucune sauvegarde PostgreSQL dans {src} (database.dump manquant).")
    _run(["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq_url(url)}", str(dump)],
         "La restauration de la base")


def copy_objects(source: ObjectStore, target: ObjectStore) -> CopyReport:
    """Every object of `source` missing in `target`, streamed and checked against its key."""
    copied = present = 0
    for key in source.keys():
        if target.exists(key):
            present += 1
            continue
        with source.open(key) as stream:
            ref = target.put(stream)
        if ref.key != key:
            target.delete(ref.key)
            raise StorageError(source.name, "open", f"contenu différent de son empreinte, non copié : {key}", key=key)
        copied += 1
    return CopyReport(copied=copied, present=present)


def backup(dest: Path) -> dict:
    """Dump the database, then copy the objects into dest/objects; returns the manifest."""
    dest.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    dump = dump_database(dest)
    report = copy_objects(object_store(), LocalStore(dest / "objects"))
    manifest = {
        "started_at": started, "database": dump.name, "backend": object_store().name,
        "objects_copied": report.copied, "objects_already_there": report.present,
    }
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def restore(src: Path) -> CopyReport:
    """Put the database back from src, then every object of src/objects missing in the store."""
    if not (src / MANIFEST).is_file():
        raise BackupError(f"{src} n'est pas une sauvegarde Probatio ({MANIFEST} manquant).")
    restore_database(src)
    objects = src / "objects"
    if not os.path.isdir(objects):
        raise BackupError(f"Aucun objet dans la sauvegarde {src} (dossier objects/ manquant).")
    return copy_objects(LocalStore(objects), object_store())

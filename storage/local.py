"""Objects as files in a folder: root/sha256/ab/cd/<hex>, uploads in progress in root/tmp/, derived
objects (recomputable caches: line indexes, crops) in root/derived/<hex>/<name>."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import BinaryIO

from storage.base import (
    CHUNK_SIZE,
    HashingReader,
    ObjectNotFound,
    ObjectRef,
    ObjectStat,
    ObjectStore,
    LimitedReader,
    StorageError,
    TemporaryUpload,
    check_any_key,
    check_derived,
    check_key,
    check_range,
    is_derived_key,
    is_valid_key,
    sha256_of_key,
)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: str | Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class LocalStore(ObjectStore):
    """A folder on a local or mounted file system.

    A file becomes visible under its key only once complete and synced (temporary file in
    root/tmp, fsync, atomic rename, fsync of the folder), so a crash leaves at worst an orphan in
    root/tmp, which keys() never lists.
    """

    name = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.objects_dir = self.root / "sha256"
        self.tmp_dir = self.root / "tmp"
        self.derived_dir = self.root / "derived"

    def __repr__(self) -> str:
        return f"LocalStore(root={str(self.root)!r})"

    def _error(self, action: str, error: OSError, key: str | None = None) -> StorageError:
        detail = error.strerror or type(error).__name__
        return StorageError(self.name, action, f"erreur du système de fichiers : {detail}", key=key)

    def _path(self, action: str, key: str) -> Path:
        check_any_key(self.name, action, key)
        if is_derived_key(key):
            _, source, name = key.split("/")
            return self.derived_dir / source / name
        _, first, second, digest = key.split("/")
        return self.objects_dir / first / second / digest

    def put(
        self,
        stream: BinaryIO,
        length: int | None = None,
        *,
        max_size: int | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> ObjectRef:
        reader = HashingReader(stream, self.name, length=length, max_size=max_size, on_progress=on_progress)
        try:
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp_path = tempfile.mkstemp(dir=self.tmp_dir, prefix="put-", suffix=".part")
        except OSError as error:
            raise self._error("put", error) from error
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := reader.read(CHUNK_SIZE):
                    out.write(chunk)
                ref = reader.finish()
                out.flush()
                os.fsync(out.fileno())
            final = self._path("put", ref.key)
            if final.exists():
                _unlink_quietly(tmp_path)
                return ref
            created = not final.parent.is_dir()
            final.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_path, 0o444)  # content-addressed objects never change
            os.replace(tmp_path, final)
            _fsync_dir(final.parent)
            if created:
                _fsync_dir(final.parent.parent)
                _fsync_dir(self.objects_dir)
            return ref
        except BaseException as error:
            _unlink_quietly(tmp_path)
            if isinstance(error, OSError) and error is not reader.source_error:
                raise self._error("put", error) from error
            raise

    def open(self, key: str) -> BinaryIO:
        path = self._path("open", key)
        try:
            return open(path, "rb")
        except FileNotFoundError:
            raise ObjectNotFound(self.name, "open", key) from None
        except OSError as error:
            raise self._error("open", error, key) from error

    def open_range(self, key: str, offset: int, length: int) -> BinaryIO:
        check_range(self.name, key, offset, length)
        stream = self.open(key)
        try:
            stream.seek(offset)
        except OSError as error:
            stream.close()
            raise self._error("range", error, key) from error
        return LimitedReader(stream, length)

    def put_derived(self, key: str, data: bytes) -> None:
        check_derived(self.name, key, data)
        final = self._path("put", key)
        try:
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp_path = tempfile.mkstemp(dir=self.tmp_dir, prefix="derived-", suffix=".part")
        except OSError as error:
            raise self._error("put", error) from error
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_path, final)
        except BaseException as error:
            _unlink_quietly(tmp_path)
            if isinstance(error, OSError):
                raise self._error("put", error, key) from error
            raise

    def derived_keys(self) -> Iterator[str]:
        try:
            for source in sorted(_subdirs(self.derived_dir)):
                with os.scandir(self.derived_dir / source) as entries:
                    for entry in entries:
                        key = f"derived/{source}/{entry.name}"
                        if entry.is_file() and is_derived_key(key):
                            yield key
        except OSError as error:
            raise self._error("keys", error) from error

    def url(self, key: str, filename: str, expires: timedelta = timedelta(minutes=5)) -> str | None:
        check_key(self.name, "url", key)
        return None

    def delete(self, key: str) -> None:
        path = self._path("delete", key)
        try:
            _unlink_quietly(path)
            if is_derived_key(key):
                try:
                    path.parent.rmdir()  # the last derived object of its source
                except OSError:
                    pass
        except OSError as error:
            raise self._error("delete", error, key) from error

    def exists(self, key: str) -> bool:
        return self._path("exists", key).is_file()

    def stat(self, key: str) -> ObjectStat:
        path = self._path("stat", key)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise ObjectNotFound(self.name, "stat", key) from None
        except OSError as error:
            raise self._error("stat", error, key) from error
        return ObjectStat(
            key=key,
            size=info.st_size,
            sha256=None if is_derived_key(key) else sha256_of_key(key),
            modified=datetime.fromtimestamp(info.st_mtime, tz=timezone.utc),
        )

    def keys(self) -> Iterator[str]:
        try:
            for first in sorted(_subdirs(self.objects_dir)):
                for second in sorted(_subdirs(self.objects_dir / first)):
                    with os.scandir(self.objects_dir / first / second) as entries:
                        for entry in entries:
                            key = f"sha256/{first}/{second}/{entry.name}"
                            if entry.is_file() and is_valid_key(key):
                                yield key
        except OSError as error:
            raise self._error("keys", error) from error

    def temporary_uploads(self) -> Iterator[TemporaryUpload]:
        try:
            if not self.tmp_dir.is_dir():
                return
            with os.scandir(self.tmp_dir) as entries:
                for entry in entries:
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except FileNotFoundError:
                        continue  # finished (renamed) or removed while listed
                    yield TemporaryUpload(
                        name=f"tmp/{entry.name}",
                        started=datetime.fromtimestamp(info.st_mtime, tz=timezone.utc),
                        size=info.st_size,
                    )
        except OSError as error:
            raise self._error("temporary", error) from error

    def remove_temporary(self, upload: TemporaryUpload) -> None:
        name = upload.name.removeprefix("tmp/")
        if not name or "/" in name or name in (".", ".."):
            raise StorageError(self.name, "delete", f"envoi inachevé inconnu : {upload.name!r}")
        try:
            _unlink_quietly(self.tmp_dir / name)
        except IsADirectoryError:
            shutil.rmtree(self.tmp_dir / name, ignore_errors=True)
        except OSError as error:
            raise self._error("delete", error) from error


def _subdirs(path: Path) -> list[str]:
    if not path.is_dir():
        return []
    with os.scandir(path) as entries:
        return [entry.name for entry in entries if entry.is_dir()]

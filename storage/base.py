"""The object store interface, its errors, and the pieces every backend shares.

Objects are content-addressed: the key of a file is derived from the SHA-256 of its bytes
(`sha256/ab/cd/abcd…`), so the same file stored twice is one object, and a key never changes
meaning. Backends stream: no method holds a whole file in memory.
"""
from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO
from urllib.parse import quote

CHUNK_SIZE = 1024 * 1024
KEY_PATTERN = re.compile(r"sha256/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
# Derived objects: what is computed from a stored object and cached beside it (a text's line
# index, an image crop, a PDF page thumbnail), `derived/<sha256 of the source>/<name>`. They can
# always be made again from their source; garbage collection removes them with it.
DERIVED_PATTERN = re.compile(r"derived/([0-9a-f]{64})/([a-z0-9][a-z0-9._-]{0,119})")
DERIVED_MAX_SIZE = 32 * 1024 * 1024

# What each action is called in messages: "échec de <label> (<action>)".
ACTION_LABELS = {
    "init": "l'initialisation",
    "put": "l'enregistrement",
    "open": "la lecture",
    "url": "la création du lien de téléchargement",
    "delete": "la suppression",
    "exists": "la vérification de présence",
    "stat": "la lecture des informations",
    "keys": "l'inventaire des objets",
    "temporary": "l'inventaire des envois inachevés",
    "range": "la lecture partielle",
}


def _restore_error(cls: type, state: dict) -> StorageError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    error.args = (error.message,)
    return error


class StorageError(Exception):
    """Every failure of a backend.

    Attributes: backend ("local", "minio"), action ("put", "open", "url", "delete", "exists",
    "stat", "keys", "init"), key (or None) and reason. str(e) is one French sentence naming the
    backend and the action; it never contains a secret.
    """

    def __init__(self, backend: str, action: str, reason: str, key: str | None = None):
        self.backend = backend
        self.action = action
        self.reason = reason
        self.key = key
        label = ACTION_LABELS.get(action, action)
        self.message = f"Stockage {backend} : échec de {label} ({action}) — {reason}"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):
        # Exceptions cross process boundaries (job queues); keep every attribute.
        return _restore_error, (type(self), dict(self.__dict__))


class ObjectNotFound(StorageError):
    """The key names no object."""

    def __init__(self, backend: str, action: str, key: str):
        super().__init__(backend, action, f"objet introuvable : {key}", key=key)


class ObjectTooLarge(StorageError):
    """put() received more than max_size bytes; nothing was kept."""

    def __init__(self, backend: str, limit: int):
        self.limit = limit
        super().__init__(backend, "put", f"fichier trop volumineux (limite : {human_size(limit)})")


@dataclass(frozen=True)
class ObjectRef:
    """What put() returns: enough to find the object again and to check it."""

    backend: str
    key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ObjectStat:
    key: str
    size: int
    sha256: str | None
    modified: datetime | None


@dataclass(frozen=True)
class TemporaryUpload:
    """What an unfinished put() left behind: a temporary file or key, or an unfinished multipart
    upload. `name` identifies it in reports; `started` is when it was last written (UTC)."""

    name: str
    started: datetime | None
    size: int | None = None


class ObjectStore(ABC):
    """Where evidence files live. Implementations: LocalStore, MinioStore."""

    name: str

    @abstractmethod
    def put(
        self,
        stream: BinaryIO,
        length: int | None = None,
        *,
        max_size: int | None = None,
        on_progress: Callable[[int], None] | None = None,
    ) -> ObjectRef:
        """Store the stream's bytes under their content key and return the reference.

        The SHA-256 is computed while streaming. `length`, when given, is checked against the bytes
        received. More than `max_size` bytes raise ObjectTooLarge as soon as the limit is crossed,
        leaving nothing behind. Existing content is kept (same key, same ref). `on_progress` is
        called with the number of bytes read so far.
        """

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object (the caller closes it); ObjectNotFound if missing."""

    @abstractmethod
    def open_range(self, key: str, offset: int, length: int) -> BinaryIO:
        """A readable stream of at most `length` bytes of the object from byte `offset` (fewer at
        its end, none past it); the caller closes it. ObjectNotFound if missing. Content and
        derived keys alike."""

    @abstractmethod
    def put_derived(self, key: str, data: bytes) -> None:
        """Store `data` (at most DERIVED_MAX_SIZE bytes) under a derived key (`derived_key()`),
        replacing what was there; readers see the whole object or none. open, open_range,
        exists, stat and delete take derived keys too."""

    @abstractmethod
    def derived_keys(self) -> Iterator[str]:
        """Every derived key stored (keys() lists content keys only)."""

    @abstractmethod
    def url(self, key: str, filename: str, expires: timedelta = timedelta(minutes=5)) -> str | None:
        """A time-limited download URL that saves as `filename`, or None when the app must stream."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under this key."""

    @abstractmethod
    def stat(self, key: str) -> ObjectStat:
        """Size and dates of the object; ObjectNotFound if missing."""

    @abstractmethod
    def keys(self) -> Iterator[str]:
        """Every stored key (never a temporary upload), for garbage collection."""

    @abstractmethod
    def temporary_uploads(self) -> Iterator[TemporaryUpload]:
        """What unfinished uploads left (a process killed mid-put), including those in flight."""

    @abstractmethod
    def remove_temporary(self, upload: TemporaryUpload) -> None:
        """Remove one leftover listed by temporary_uploads(); a missing one is not an error."""


def content_key(sha256_hex: str) -> str:
    return f"sha256/{sha256_hex[:2]}/{sha256_hex[2:4]}/{sha256_hex}"


def is_valid_key(key: object) -> bool:
    if not isinstance(key, str):
        return False
    match = KEY_PATTERN.fullmatch(key)
    return bool(match) and match.group(3)[:2] == match.group(1) and match.group(3)[2:4] == match.group(2)


def check_key(backend: str, action: str, key: object) -> str:
    """Return the key, or raise StorageError if it is not a content address (e.g. a path escape)."""
    if not is_valid_key(key):
        shown = repr(key)[:80]
        raise StorageError(backend, action, f"clé invalide : {shown} (attendu sha256/xx/yy/<empreinte>)")
    return key  # type: ignore[return-value]


def sha256_of_key(key: str) -> str:
    return key.rsplit("/", 1)[1]


def derived_key(source_sha256: str, name: str) -> str:
    """The key of an object derived from the object of SHA-256 `source_sha256` (e.g. "lines-v1")."""
    key = f"derived/{source_sha256}/{name}"
    if not DERIVED_PATTERN.fullmatch(key):
        raise ValueError(f"invalid derived key: {key!r}")
    return key


def is_derived_key(key: object) -> bool:
    return isinstance(key, str) and bool(DERIVED_PATTERN.fullmatch(key))


def source_of_derived(key: str) -> str:
    """The SHA-256 of the object a derived key was computed from."""
    return key.split("/", 2)[1]


def check_any_key(backend: str, action: str, key: object) -> str:
    """Return a content or derived key, or raise StorageError (e.g. a path escape)."""
    if is_derived_key(key):
        return key  # type: ignore[return-value]
    return check_key(backend, action, key)


def check_derived(backend: str, key: object, data: bytes) -> str:
    if not is_derived_key(key):
        shown = repr(key)[:80]
        raise StorageError(backend, "put", f"clé dérivée invalide : {shown} (attendu derived/<empreinte>/<nom>)")
    if len(data) > DERIVED_MAX_SIZE:
        raise ObjectTooLarge(backend, DERIVED_MAX_SIZE)
    return key  # type: ignore[return-value]


def check_range(backend: str, key: str, offset: int, length: int) -> None:
    if offset < 0 or length < 0:
        raise StorageError(backend, "range", f"plage invalide (début {offset}, longueur {length})", key=key)


class LimitedReader(io.RawIOBase):
    """At most `length` bytes of an underlying stream, then end of file; closes it when closed."""

    def __init__(self, stream: BinaryIO, length: int):
        super().__init__()
        self._stream = stream
        self._left = length

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(size) or b""
        self._left -= len(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        chunks = []
        while data := self.read(CHUNK_SIZE):
            chunks.append(data)
        return b"".join(chunks)

    def close(self) -> None:
        if not self.closed:
            try:
                self._stream.close()
            finally:
                super().close()


class HashingReader:
    """Wraps an input stream: hashes and counts what is read, and enforces the size limits.

    Any exception raised by the wrapped stream itself is remembered in `source_error`, so that
    stores can let the caller's own failure (a dropped upload, say) through unchanged.
    """

    def __init__(
        self,
        stream: BinaryIO,
        backend: str,
        *,
        length: int | None = None,
        max_size: int | None = None,
        on_progress: Callable[[int], None] | None = None,
    ):
        if length is not None and length < 0:
            raise StorageError(backend, "put", f"taille annoncée négative ({length})")
        if max_size is not None and length is not None and length > max_size:
            raise ObjectTooLarge(backend, max_size)
        self._stream = stream
        self._backend = backend
        self._length = length
        self._max_size = max_size
        self._on_progress = on_progress
        self._hash = hashlib.sha256()
        self.size = 0
        self.source_error: BaseException | None = None

    def _allowance(self) -> int | None:
        """Bytes still acceptable, plus one so that crossing a limit is seen at once."""
        limits = [limit for limit in (self._length, self._max_size) if limit is not None]
        return min(limits) - self.size + 1 if limits else None

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = CHUNK_SIZE
        allowance = self._allowance()
        if allowance is not None:
            size = min(size, allowance)
        try:
            data = self._stream.read(size) if size else b""
        except BaseException as error:
            self.source_error = error
            raise
        if data is None:
            data = b""
        self.size += len(data)
        if self._max_size is not None and self.size > self._max_size:
            raise ObjectTooLarge(self._backend, self._max_size)
        if self._length is not None and self.size > self._length:
            raise self._length_mismatch()
        self._hash.update(data)
        if data and self._on_progress is not None:
            self._on_progress(self.size)
        return data

    def _length_mismatch(self) -> StorageError:
        return StorageError(
            self._backend,
            "put",
            f"taille reçue ({self.size} octets) différente de la taille annoncée ({self._length} octets)",
        )

    def finish(self) -> ObjectRef:
        """Check the announced length and return the reference of what was read."""
        if self._length is not None and self.size != self._length:
            raise self._length_mismatch()
        digest = self._hash.hexdigest()
        return ObjectRef(backend=self._backend, key=content_key(digest), sha256=digest, size=self.size)


def human_size(size: int) -> str:
    """A size for French messages: 512 Mo, 1,5 Go, 300 octets."""
    for unit, factor in (("Go", 1024**3), ("Mo", 1024**2), ("Ko", 1024)):
        if size >= factor:
            value = f"{size / factor:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{value} {unit}"
    return f"{size} octets"


def attachment_disposition(filename: str) -> str:
    """Content-Disposition for a download: RFC 6266 UTF-8 name plus a plain ASCII fallback."""
    cleaned = "".join(c for c in filename if c.isprintable()) or "fichier"
    ascii_name = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    ascii_name = re.sub(r'["\\]', "_", ascii_name).strip() or "fichier"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(cleaned, safe='')}"

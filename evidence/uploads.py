"""Upload pipeline: check a file's name and content, stream it into the object store, record it.

An upload goes through two steps, usable apart (the web view does, to refuse a whole request
before recording anything) or together through `store_upload`:

1. `prepare_upload` checks the name and the extension, reads the first bytes to check that the
   content is what the extension says, then streams the rest into the object store, which hashes
   it on the way and refuses it as soon as it passes MAX_UPLOAD_MB. Nothing is read into memory
   beyond the sniffed head, and no temporary copy is made outside the store's own.
2. `record_upload` records the EvidenceVersion (version n+1 of its EvidenceFile, retrying when a
   concurrent upload took the number), or tells that identical content is already there. When the
   database refuses, the object just stored is removed unless another version references it.

Once recorded, the version is announced (evidence/signals.version_stored: search queues its text
extraction). Objects that end up referenced by nothing (a crash between the two steps) are removed
by `flask storage gc` (storage/gc.py). A whole upload request (a multipart body of several files)
is handled by evidence/upload_requests.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from extensions import db
from storage.access import object_store
from storage.base import ObjectRef, ObjectTooLarge, StorageError, human_size

from evidence.filenames import BadFilename, display_name
from evidence.filetypes import (
    FileKind, FileType, allow_list_sentence, extension_of, file_type_of, known_extension_type, upload_type,
)
from evidence.models import Evidence, EvidenceFile, EvidenceVersion
from evidence.services import EvidenceError, announce_reopened, reopen_if_approved
from evidence.signals import announce_stored
from evidence.sniffing import HEAD_SIZE, Sniffed, content_matches, sniff

RECORD_ATTEMPTS = 5


class UploadRefused(EvidenceError):
    """The file itself was refused (name, type, content or size); sending it again will not help."""

    def __init__(self, filename: str, reason: str, *, too_large: bool = False):
        self.filename = filename
        self.reason = reason
        self.too_large = too_large
        super().__init__(f"« {filename} » : {reason}")


class UploadFailed(EvidenceError):
    """The file could not be stored or recorded (storage or database failure); a retry may work."""

    def __init__(self, filename: str, reason: str):
        self.filename = filename
        self.reason = reason
        super().__init__(f"« {filename} » : {reason}")


class AlreadyUploaded(EvidenceError):
    """Identical content is already the current version; nothing new was recorded."""

    def __init__(self, filename: str, version: EvidenceVersion, message: str):
        self.filename = filename
        self.version = version
        super().__init__(message)


class KindChanged(EvidenceError):
    """A new version of another kind than the current one (a log as the new version of a
    screenshot): recorded only once the candidate confirms it."""

    def __init__(self, filename: str, current: EvidenceVersion, current_label: str, new_label: str):
        self.filename = filename
        self.current = current
        super().__init__(
            f"« {filename} » ({new_label}) n'est pas du même type que la version actuelle "
            f"« {current.filename} » ({current_label}) : confirmez que c'est bien sa nouvelle version."
        )


@dataclass(frozen=True)
class PreparedUpload:
    """A checked file whose object is stored but not yet recorded."""

    filename: str
    media_type: str
    ref: ObjectRef


# --- settings -----------------------------------------------------------------------------------

def max_upload_bytes() -> int:
    return int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024


def archives_allowed() -> bool:
    return bool(current_app.config.get("ALLOW_ARCHIVES", False))


# --- names and refusals ------------------------------------------------------------------------

def clean_filename(raw: str | None) -> str:
    """The display name kept for an uploaded file (see evidence/filenames.py), or UploadRefused."""
    try:
        return display_name(raw)
    except BadFilename as error:
        raise UploadRefused(error.shown, error.reason) from None


def _unsupported_reason(name: str) -> str:
    extension = extension_of(name)
    accepted = allow_list_sentence(allow_archives=archives_allowed())
    if not extension:
        return f"le nom n'a pas d'extension, le type du fichier est inconnu. Types acceptés : {accepted}."
    known = known_extension_type(name)
    if known is not None and known.kind == FileKind.ARCHIVE:
        return f"les archives (.{extension}) ne sont pas acceptées : déposez les fichiers eux-mêmes."
    return f"type de fichier non accepté (.{extension}). Types acceptés : {accepted}."


def _mismatch_reason(name: str, file_type: FileType, sniffed: Sniffed) -> str:
    if sniffed.executable:
        return f"refusé, ce fichier est {sniffed.label} et non {_with_article(file_type.label)}."
    return (
        f"le contenu ne correspond pas à l'extension .{extension_of(name)} "
        f"(attendu : {file_type.label} ; reçu : {sniffed.label})."
    )


def _with_article(label: str) -> str:
    feminine = label.split()[0] in ("image", "archive", "maquette")
    return f"{'une' if feminine else 'un'} {label}"


# --- step 1: check and store --------------------------------------------------------------------

class _Prefixed:
    """The sniffed head, then the rest of the stream, read as one stream."""

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head = head
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0 or size >= len(self._head):
                data, self._head = self._head, b""
            else:
                data, self._head = self._head[:size], self._head[size:]
            return data
        return self._stream.read(size)


def _read_head(stream: BinaryIO, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        data = stream.read(remaining)
        if not data:
            break
        chunks.append(data)
        remaining -= len(data)
    return b"".join(chunks)


def prepare_upload(stream: BinaryIO, filename: str | None, *, content_length: int | None = None) -> PreparedUpload:
    """Check the file and stream it into the object store; nothing is recorded yet.

    Raises UploadRefused (name, type, content, size: before or while streaming, never after) or
    UploadFailed (storage failure). A refused file leaves nothing in the store. The stream is read
    only as far as needed: the caller discards the rest of a refused file.
    """
    name = clean_filename(filename)
    file_type = upload_type(name, allow_archives=archives_allowed())
    if file_type is None:
        raise UploadRefused(name, _unsupported_reason(name))
    limit = max_upload_bytes()
    too_large = f"fichier trop volumineux : la limite est de {human_size(limit)} par fichier."
    if content_length is not None and content_length > limit:
        raise UploadRefused(name, too_large, too_large=True)
    head = _read_head(stream, HEAD_SIZE)
    if not head:
        raise UploadRefused(name, "fichier vide : il ne contient aucune donnée.")
    sniffed = sniff(head)
    if not content_matches(file_type, head, sniffed):
        raise UploadRefused(name, _mismatch_reason(name, file_type, sniffed))
    try:
        ref = object_store().put(_Prefixed(head, stream), content_length, max_size=limit)
    except ObjectTooLarge:
        raise UploadRefused(name, too_large, too_large=True) from None
    except StorageError as error:
        current_app.logger.error("Upload of %r not stored: %s", name, error)
        raise UploadFailed(
            name, "le stockage des fichiers n'a pas répondu, rien n'a été enregistré. Réessayez ce fichier."
        ) from error
    return PreparedUpload(filename=name, media_type=file_type.media_type, ref=ref)


# --- step 2: record -----------------------------------------------------------------------------

def _check_target(evidence: Evidence, file: EvidenceFile | None, filename: str) -> None:
    if file is None:
        return
    if file.evidence_id != evidence.id:
        raise EvidenceError("Ce fichier n'appartient pas à cette preuve.")
    if file.removed_at is not None:
        raise UploadRefused(filename, "ce fichier a été retiré de la preuve : déposez-le comme un nouveau fichier.")


def _current_version(file_id: int) -> EvidenceVersion | None:
    return db.session.scalar(
        select(EvidenceVersion).where(EvidenceVersion.file_id == file_id).order_by(EvidenceVersion.number.desc()).limit(1)
    )


def _duplicate(evidence: Evidence, file: EvidenceFile | None, prepared: PreparedUpload) -> AlreadyUploaded | None:
    """Identical content already current: in the target file, or (for a new file) in the evidence."""
    sha256 = prepared.ref.sha256
    if file is not None:
        current = _current_version(file.id)
        if current is not None and current.sha256 == sha256:
            return AlreadyUploaded(
                prepared.filename, current,
                f"« {prepared.filename} » est identique à la version actuelle (version {current.number}) : "
                "aucune nouvelle version n'a été créée.",
            )
        return None
    candidates = db.session.scalars(
        select(EvidenceVersion)
        .join(EvidenceFile, EvidenceVersion.file_id == EvidenceFile.id)
        .where(EvidenceFile.evidence_id == evidence.id, EvidenceFile.removed_at.is_(None), EvidenceVersion.sha256 == sha256)
    )
    for candidate in candidates:
        current = _current_version(candidate.file_id)
        if current is not None and current.id == candidate.id:
            return AlreadyUploaded(
                prepared.filename, current,
                f"« {prepared.filename} » est déjà dans cette preuve (« {current.filename} », "
                f"version {current.number}) : aucun doublon n'a été créé.",
            )
    return None


def _check_kind(file: EvidenceFile | None, prepared: PreparedUpload) -> None:
    current = _current_version(file.id) if file is not None else None
    if current is None:
        return
    before = file_type_of(current.filename, current.media_type)
    after = file_type_of(prepared.filename, prepared.media_type)
    if before.kind != after.kind:
        raise KindChanged(prepared.filename, current, before.label, after.label)


def record_upload(
    evidence: Evidence, prepared: PreparedUpload, *, uploaded_by, file: EvidenceFile | None = None,
    confirm_kind: bool = False,
) -> EvidenceVersion:
    """Record the stored object as version n+1 of `file` (a new file when None), commit, and
    announce it (version_stored). A validated evidence goes back to the tutor ("à revoir").

    Raises AlreadyUploaded when identical content is already current, KindChanged when the new
    version is of another kind and `confirm_kind` is not set (nothing recorded, the object left to
    the caller), UploadFailed when the database refuses (the object is then removed unless another
    version references it).
    """
    _check_target(evidence, file, prepared.filename)
    if not confirm_kind:
        _check_kind(file, prepared)
    file_id = file.id if file is not None else None
    uploader_id = getattr(uploaded_by, "id", None)
    for _ in range(RECORD_ATTEMPTS):
        number = None
        try:
            target = db.session.get(EvidenceFile, file_id) if file_id is not None else None
            duplicate = _duplicate(evidence, target, prepared)
            if duplicate is not None:
                raise duplicate
            version = _new_version(evidence, target, prepared, uploader_id)
            number = version.number
            reopened = reopen_if_approved(evidence, uploaded_by)
            db.session.commit()
            announce_stored(version)
            if reopened:
                announce_reopened(evidence, uploaded_by)
            return version
        except IntegrityError as error:
            db.session.rollback()
            if file_id is not None and number is not None and _number_taken(file_id, number):
                continue  # a concurrent upload took this version number first: count again
            _failed_to_record(prepared, error)
        except SQLAlchemyError as error:
            db.session.rollback()
            _failed_to_record(prepared, error)
    discard_upload(prepared)
    raise UploadFailed(prepared.filename, "trop d'envois simultanés sur ce fichier. Réessayez dans un instant.")


def _new_version(
    evidence: Evidence, target: EvidenceFile | None, prepared: PreparedUpload, uploader_id: int | None
) -> EvidenceVersion:
    if target is None:
        position = db.session.scalar(select(func.max(EvidenceFile.position)).where(EvidenceFile.evidence_id == evidence.id))
        target = EvidenceFile(evidence_id=evidence.id, position=0 if position is None else position + 1)
        db.session.add(target)
        number = 1
    else:
        latest = db.session.scalar(select(func.max(EvidenceVersion.number)).where(EvidenceVersion.file_id == target.id))
        number = (latest or 0) + 1
    version = EvidenceVersion(
        file=target, number=number, backend=prepared.ref.backend, object_key=prepared.ref.key,
        filename=prepared.filename, media_type=prepared.media_type, size=prepared.ref.size,
        sha256=prepared.ref.sha256, uploaded_by_id=uploader_id,
    )
    db.session.add(version)
    return version


def _number_taken(file_id: int, number: int) -> bool:
    try:
        return db.session.scalar(
            select(EvidenceVersion.id).where(EvidenceVersion.file_id == file_id, EvidenceVersion.number == number)
        ) is not None
    except SQLAlchemyError:
        db.session.rollback()
        return False


def _failed_to_record(prepared: PreparedUpload, error: Exception):
    current_app.logger.error("Upload of %r not recorded: %s", prepared.filename, error)
    discard_upload(prepared)
    raise UploadFailed(
        prepared.filename, "la base de données n'a pas pu l'enregistrer, rien n'a été conservé. Réessayez ce fichier."
    ) from error


def discard_upload(prepared: PreparedUpload) -> bool:
    """Remove a stored but unrecorded object unless a version references it; True when removed.

    Failures are logged, never raised: `flask storage gc` removes whatever is left.
    """
    ref = prepared.ref
    try:
        referenced = db.session.scalar(
            select(EvidenceVersion.id)
            .where(EvidenceVersion.object_key == ref.key, EvidenceVersion.backend == ref.backend)
            .limit(1)
        )
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("Unrecorded object %s kept (database unavailable: %s)", ref.key, error)
        return False
    if referenced is not None:
        return False
    try:
        object_store().delete(ref.key)
    except StorageError as error:
        current_app.logger.warning("Unrecorded object %s not removed: %s", ref.key, error)
        return False
    return True


def store_upload(
    evidence: Evidence,
    stream: BinaryIO,
    filename: str | None,
    *,
    uploaded_by,
    file: EvidenceFile | None = None,
    content_length: int | None = None,
    confirm_kind: bool = False,
) -> EvidenceVersion:
    """Check, store and record one uploaded file: the new EvidenceVersion.

    Raises UploadRefused, UploadFailed, AlreadyUploaded or KindChanged (all EvidenceError, French
    messages naming the file); a refused kind change keeps nothing.
    """
    _check_target(evidence, file, clean_filename(filename))
    prepared = prepare_upload(stream, filename, content_length=content_length)
    try:
        return record_upload(evidence, prepared, uploaded_by=uploaded_by, file=file, confirm_kind=confirm_kind)
    except KindChanged:
        discard_upload(prepared)
        raise

"""One upload request: a multipart body of one or more files, each streamed into the store as it
arrives, then recorded (evidence/uploads.py does one file).

The body is read part by part (evidence/multipart.py), never as a whole: each file goes from the
socket to the object store without being spooled. The caller's `verify_token` (the view's CSRF
check) runs before the first file is stored, with the token from the request header or from a
`csrf_token` field sent before the files. A request refused as a whole (too many files, a new
version of several files, a malformed body, a bad token) keeps nothing; otherwise each file has
its own outcome (stored, duplicate, refused, failed), shown to the user.
"""
from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app

from extensions import db

from evidence.models import Evidence, EvidenceFile, EvidenceVersion
from evidence.multipart import BodyStalled, MalformedBody, MultipartReader
from evidence.services import EvidenceError
from evidence.uploads import (
    AlreadyUploaded,
    KindChanged,
    PreparedUpload,
    UploadFailed,
    UploadRefused,
    discard_upload,
    max_upload_bytes,
    prepare_upload,
    record_upload,
)

DEFAULT_MAX_FILES_PER_REQUEST = 20
DEFAULT_IDLE_TIMEOUT = 30.0  # seconds without a byte (UPLOAD_IDLE_TIMEOUT)
FILES_FIELD = "files"
NO_FILES = "Aucun fichier reçu : choisissez au moins un fichier."


class UploadRequestRefused(EvidenceError):
    """The request as a whole is refused (nothing is kept); the message is French."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)


@dataclass
class UploadResult:
    """The outcome of one file of an upload request, as shown to the user."""

    filename: str
    outcome: str  # stored, duplicate, refused, failed, confirm (a kind change to confirm)
    message: str
    status: int
    version: EvidenceVersion | None = None
    file: EvidenceFile | None = None  # the file whose new version awaits confirmation

    @property
    def ok(self) -> bool:
        return self.outcome in ("stored", "duplicate")

    @property
    def category(self) -> str:
        return {"stored": "success", "duplicate": "info", "confirm": "warning"}.get(self.outcome, "error")

    @property
    def needs_confirmation(self) -> bool:
        return self.outcome == "confirm"


@dataclass
class UploadOutcome:
    results: list[UploadResult]

    @property
    def status(self) -> int:
        """200 when one file at least went in, else the first file's refusal."""
        return 200 if any(r.ok for r in self.results) else self.results[0].status

    @property
    def to_confirm(self) -> UploadResult | None:
        return next((r for r in self.results if r.needs_confirmation), None)


@dataclass(frozen=True)
class UploadBody:
    """What the view hands over of the request: its unread stream and where the token may be."""

    stream: BinaryIO
    boundary: bytes
    header_token: str | None = None
    # The connection the body arrives on (client_socket), given an idle timeout while it is read.
    connection: socket.socket | None = None


def client_socket(environ: dict) -> socket.socket | None:
    """The client connection of a request, as werkzeug's and gunicorn's servers expose it."""
    return environ.get("werkzeug.socket") or environ.get("gunicorn.socket")


@contextmanager
def _idle_timeout(connection: socket.socket | None) -> Iterator[None]:
    """Give up reading when nothing arrives for UPLOAD_IDLE_TIMEOUT seconds: a body shorter than
    its Content-Length would otherwise hold the worker until the client goes away."""
    if connection is None:
        yield
        return
    previous = connection.gettimeout()
    connection.settimeout(float(current_app.config.get("UPLOAD_IDLE_TIMEOUT", DEFAULT_IDLE_TIMEOUT)))
    try:
        yield
    finally:
        try:
            connection.settimeout(previous)
        except OSError:  # already closed
            pass


def max_files_per_request() -> int:
    return int(current_app.config.get("MAX_FILES_PER_REQUEST", DEFAULT_MAX_FILES_PER_REQUEST))


def request_size_limit() -> int:
    """The request body limit: the app-wide MAX_CONTENT_LENGTH allows one file, a request may carry
    several, each of which is held to MAX_UPLOAD_MB while it streams."""
    return max_files_per_request() * (max_upload_bytes() + 1024 * 1024)


def receive_upload(
    evidence: Evidence, body: UploadBody, *, uploaded_by, verify_token: Callable[[str | None], object]
) -> UploadOutcome:
    """Store and record every file of the body: one new file each, or a new version of `file_id`.

    Raises UploadRequestRefused (nothing kept), or whatever `verify_token` raises for a bad token
    (nothing stored).
    """
    with _idle_timeout(body.connection):
        items, target, confirm_kind = _receive(evidence, body, verify_token)
    return UploadOutcome([_record(evidence, item, target, uploaded_by, confirm_kind) for item in items])


def _target_file(evidence: Evidence, raw: str) -> EvidenceFile | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise UploadRequestRefused("Requête d'envoi mal formée : identifiant de fichier invalide.")
    file = db.session.get(EvidenceFile, int(raw))
    if file is None or file.evidence_id != evidence.id:
        raise UploadRequestRefused("Ce fichier n'existe pas dans cette preuve.", 404)
    if file.removed_at is not None:
        raise UploadRequestRefused("Ce fichier a été retiré de la preuve : déposez-le comme un nouveau fichier.")
    return file


def _receive(
    evidence: Evidence, body: UploadBody, verify_token: Callable[[str | None], object]
) -> tuple[list[PreparedUpload | UploadResult], EvidenceFile | None, bool]:
    """Read the body part by part, storing each file as it arrives (nothing is recorded yet).

    `confirm_kind` (a field sent before the files) confirms a new version of another kind."""
    token = body.header_token
    checked = False
    confirm_kind = False
    target: EvidenceFile | None = None
    items: list[PreparedUpload | UploadResult] = []
    limit = max_files_per_request()
    try:
        for part in MultipartReader(body.stream, body.boundary):
            if part.filename is None:
                if part.name == "csrf_token":
                    token = token or part.read_value()
                elif part.name == "file_id":
                    checked = checked or _verified(verify_token, token)
                    target = _target_file(evidence, part.read_value())
                elif part.name == "confirm_kind":
                    confirm_kind = part.read_value().strip() in ("1", "on", "oui", "true")
                continue
            if part.name != FILES_FIELD or part.filename == "":
                continue  # an empty file input sends a nameless, empty part
            checked = checked or _verified(verify_token, token)  # before anything is stored
            if len(items) >= limit:
                raise UploadRequestRefused(
                    f"Trop de fichiers dans un seul envoi : {limit} au plus. Aucun fichier n'a été enregistré ; "
                    "déposez-les en plusieurs fois."
                )
            items.append(_prepare(part))
    except MalformedBody as error:
        _discard(items)
        raise UploadRequestRefused(str(error), 408 if isinstance(error, BodyStalled) else 400) from None
    except BaseException:
        _discard(items)
        raise
    if not checked:
        verify_token(token)
    if not items:
        raise UploadRequestRefused(NO_FILES)
    if target is not None and len(items) > 1:
        _discard(items)
        raise UploadRequestRefused("Une nouvelle version se dépose un seul fichier à la fois.")
    return items, target, confirm_kind


def _verified(verify_token: Callable[[str | None], object], token: str | None) -> bool:
    verify_token(token)
    return True


def _prepare(part) -> PreparedUpload | UploadResult:
    try:
        return prepare_upload(part, part.filename)
    except UploadRefused as error:
        return UploadResult(error.filename, "refused", str(error), 413 if error.too_large else 422)
    except UploadFailed as error:
        return UploadResult(error.filename, "failed", str(error), 503)


def _discard(items: list) -> None:
    for item in items:
        if isinstance(item, PreparedUpload):
            discard_upload(item)


def _record(
    evidence: Evidence, item: PreparedUpload | UploadResult, target: EvidenceFile | None, uploaded_by,
    confirm_kind: bool = False,
) -> UploadResult:
    if isinstance(item, UploadResult):
        return item
    try:
        version = record_upload(evidence, item, uploaded_by=uploaded_by, file=target, confirm_kind=confirm_kind)
    except KindChanged as error:
        # Nothing is kept until the candidate confirms: the file is sent again with the confirmation.
        discard_upload(item)
        return UploadResult(item.filename, "confirm", str(error), 409, file=target)
    except AlreadyUploaded as error:
        return UploadResult(item.filename, "duplicate", str(error), 200, error.version)
    except UploadRefused as error:
        discard_upload(item)
        return UploadResult(item.filename, "refused", str(error), 422)
    except UploadFailed as error:
        return UploadResult(item.filename, "failed", str(error), 503)
    message = f"« {version.filename} » enregistré"
    message += f" (version {version.number})." if version.number > 1 else "."
    return UploadResult(version.filename, "stored", message, 200, version)

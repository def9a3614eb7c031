"""Upload, download and preview of evidence files.

The upload view reads the multipart body itself (evidence/multipart.py) so that each file goes
from the socket to the object store without being spooled; it is therefore exempt from
Flask-WTF's before-request CSRF check (which would parse the whole body first) and checks the
token itself, from the X-CSRFToken header or from a csrf_token field sent before the files.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, same_origin, validate_csrf
from werkzeug.exceptions import NotFound
from werkzeug.wsgi import wrap_file
from wtforms.validators import ValidationError

from accounts.policy import Permission, authorize, requires
from core.errors import render_error
from storage.access import object_store
from extensions import csrf, db
from storage.base import ObjectStore, StorageError, attachment_disposition, human_size

from evidence import previews
from evidence.models import Evidence, EvidenceFile, EvidenceVersion
from evidence.multipart import MalformedBody, MultipartReader
from evidence.sniffing import accepted_extensions, allow_list_sentence
from search.extraction import schedule_extraction
from evidence.uploads import (
    AlreadyUploaded,
    PreparedUpload,
    UploadFailed,
    UploadRefused,
    archives_allowed,
    discard_upload,
    max_upload_bytes,
    prepare_upload,
    record_upload,
)

bp = Blueprint("evidence_files", __name__)

DEFAULT_MAX_FILES_PER_REQUEST = 20
DOWNLOAD_LINK_LIFETIME = timedelta(minutes=5)
DOWNLOAD_CSP = "default-src 'none'; sandbox"
FILES_FIELD = "files"


class UploadRequestRefused(Exception):
    """The request as a whole is refused (nothing is kept); the message is French."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)


@dataclass
class UploadResult:
    """The outcome of one file of an upload request, as shown to the user."""

    filename: str
    outcome: str  # stored, duplicate, refused, failed
    message: str
    status: int
    version: EvidenceVersion | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("stored", "duplicate")

    @property
    def category(self) -> str:
        return {"stored": "success", "duplicate": "info"}.get(self.outcome, "error")


def max_files_per_request() -> int:
    return int(current_app.config.get("MAX_FILES_PER_REQUEST", DEFAULT_MAX_FILES_PER_REQUEST))


def _evidence_page(evidence: Evidence) -> str:
    """Where a plain (non-htmx) upload returns."""
    return url_for("evidence.show", evidence_id=evidence.id)


# --- template helpers (available to every template, e.g. the lead's evidence page) ----------------

@bp.app_template_global("evidence_preview")
def evidence_preview(version: EvidenceVersion) -> previews.Preview:
    return previews.preview_of(version)


@bp.app_template_global("evidence_upload_settings")
def evidence_upload_settings() -> dict:
    allow_archives = archives_allowed()
    return {
        "accept": ",".join(accepted_extensions(allow_archives=allow_archives)),
        "allow_list": allow_list_sentence(allow_archives=allow_archives),
        "max_bytes": max_upload_bytes(),
        "max_size": human_size(max_upload_bytes()),
        "max_files": max_files_per_request(),
    }


@bp.app_template_filter("file_size")
def file_size(size: int) -> str:
    return human_size(size)


# --- upload ------------------------------------------------------------------------------------

def _check_csrf(token: str | None) -> bool:
    """What CSRFProtect.protect() does, for a body it must not parse: True, or CSRFError."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(token)
    except ValidationError as error:
        raise CSRFError(error.args[0]) from None
    if request.is_secure and current_app.config.get("WTF_CSRF_SSL_STRICT", True):
        if not request.referrer or not same_origin(request.referrer, f"https://{request.host}/"):
            raise CSRFError("The referrer does not match the host.")
    return True


def _header_token() -> str | None:
    for header in current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"]):
        if request.headers.get(header):
            return request.headers[header]
    return None


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


def _receive(evidence: Evidence) -> tuple[list[PreparedUpload | UploadResult], EvidenceFile | None]:
    """Read the body part by part, storing each file as it arrives (nothing is recorded yet)."""
    if request.mimetype != "multipart/form-data":
        _check_csrf(_header_token() or request.form.get("csrf_token"))
        raise UploadRequestRefused("Aucun fichier reçu : choisissez au moins un fichier.")
    token = _header_token()
    checked = False
    target: EvidenceFile | None = None
    items: list[PreparedUpload | UploadResult] = []
    limit = max_files_per_request()
    boundary = request.mimetype_params.get("boundary", "").encode("latin-1", "replace")
    try:
        for part in MultipartReader(request.stream, boundary):
            if part.filename is None:
                if part.name == "csrf_token":
                    token = token or part.read_value()
                elif part.name == "file_id":
                    checked = checked or _check_csrf(token)
                    target = _target_file(evidence, part.read_value())
                continue
            if part.name != FILES_FIELD or part.filename == "":
                continue  # an empty file input sends a nameless, empty part
            checked = checked or _check_csrf(token)  # before anything is stored
            if len(items) >= limit:
                raise UploadRequestRefused(
                    f"Trop de fichiers dans un seul envoi : {limit} au plus. Aucun fichier n'a été enregistré ; "
                    "déposez-les en plusieurs fois."
                )
            items.append(_prepare(part))
    except BaseException:
        _discard(items)
        raise
    if not checked:
        _check_csrf(token)
    if not items:
        raise UploadRequestRefused("Aucun fichier reçu : choisissez au moins un fichier.")
    if target is not None and len(items) > 1:
        _discard(items)
        raise UploadRequestRefused("Une nouvelle version se dépose un seul fichier à la fois.")
    return items, target


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


def _record(evidence: Evidence, item: PreparedUpload | UploadResult, target: EvidenceFile | None) -> UploadResult:
    if isinstance(item, UploadResult):
        return item
    try:
        version = record_upload(evidence, item, uploaded_by=current_user._get_current_object(), file=target)
    except AlreadyUploaded as error:
        return UploadResult(item.filename, "duplicate", str(error), 200, error.version)
    except UploadRefused as error:
        discard_upload(item)
        return UploadResult(item.filename, "refused", str(error), 422)
    except UploadFailed as error:
        return UploadResult(item.filename, "failed", str(error), 503)
    message = f"« {version.filename} » enregistré"
    message += f" (version {version.number})." if version.number > 1 else "."
    _schedule_extraction(version)
    return UploadResult(version.filename, "stored", message, 200, version)


def _schedule_extraction(version: EvidenceVersion) -> None:
    """Queue text extraction for search; a queue that is down never fails an upload already stored."""
    try:
        schedule_extraction(version.id)
    except Exception:  # the file is safe; `flask search extract --retry-failed` catches up
        current_app.logger.exception("Could not queue the text extraction of version %s", version.id)


@bp.route("/preuves/<int:evidence_id>/fichiers", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def upload(evidence_id: int):
    """Upload one or more files (field `files`), or a new version of `file_id`."""
    evidence = db.session.get(Evidence, evidence_id)
    authorize(Permission.CHANGE_PORTFOLIO, evidence)
    # The app-wide MAX_CONTENT_LENGTH allows one file; a request may carry several, each of which
    # is held to MAX_UPLOAD_MB while it streams.
    request.max_content_length = max_files_per_request() * (max_upload_bytes() + 1024 * 1024)
    try:
        items, target = _receive(evidence)
    except (UploadRequestRefused, MalformedBody) as error:
        status = getattr(error, "status", 400)
        return render_error(status, str(error))
    results = [_record(evidence, item, target) for item in items]
    status = 200 if any(r.ok for r in results) else results[0].status
    if request.htmx:
        return render_template("evidence/_upload_results.html", results=results, evidence=evidence), status
    for result in results:
        flash(result.message, result.category)
    return redirect(_evidence_page(evidence), 303)


csrf.exempt(upload)


# --- reading: download, preview, thumbnail, text ----------------------------------------------

def _authorize_download(version: EvidenceVersion | None) -> None:
    """Who may read a version (download, preview, thumbnail, text): the one place to extend."""
    authorize(Permission.READ_EVIDENCE_FILE, version)


def _readable_version(version_id: int) -> EvidenceVersion:
    version = db.session.get(EvidenceVersion, version_id)
    _authorize_download(version)
    return version


def _store_of(version: EvidenceVersion) -> ObjectStore:
    store = object_store()
    if version.backend != store.name:
        raise StorageError(
            version.backend, "open", f"ce fichier est conservé par le stockage « {version.backend} », non configuré ici",
            key=version.object_key,
        )
    return store


@bp.route("/versions/<int:version_id>/telechargement")
@requires(Permission.VIEW_PORTFOLIO)
def download(version_id: int):
    """The file itself, always as an attachment (never rendered by the browser)."""
    version = _readable_version(version_id)
    store = _store_of(version)
    link = store.url(version.object_key, version.filename, expires=DOWNLOAD_LINK_LIFETIME)
    if link:
        return redirect(link, 302)
    stream = store.open(version.object_key)
    response = Response(
        wrap_file(request.environ, stream), mimetype="application/octet-stream", direct_passthrough=True
    )
    response.content_length = version.size
    response.set_etag(version.sha256)
    response.headers["Content-Disposition"] = attachment_disposition(version.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = DOWNLOAD_CSP
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request, accept_ranges=True, complete_length=version.size)


@bp.route("/versions/<int:version_id>/apercu")
@requires(Permission.VIEW_PORTFOLIO)
def preview(version_id: int):
    """The preview fragment (htmx) or a page around it."""
    version = _readable_version(version_id)
    if request.htmx:
        return render_template("evidence/previews/_preview.html", version=version, large=True)
    return render_template(
        "evidence/previews/page.html", version=version, evidence=version.file.evidence, large=True
    )


@bp.route("/versions/<int:version_id>/miniature")
@requires(Permission.VIEW_PORTFOLIO)
def thumbnail(version_id: int):
    """A PNG thumbnail of an image or of a PDF's first page (?taille=petite|grande)."""
    version = _readable_version(version_id)
    max_side = previews.THUMBNAIL_SIZES.get(request.args.get("taille", "petite"))
    if max_side is None:
        raise NotFound()
    etag = f"{version.sha256}-{max_side}-1"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    png = previews.thumbnail(version, max_side)
    if png is None:
        raise NotFound()
    response = Response(png, mimetype="image/png")
    response.set_etag(etag)
    # Versions never change: the browser may keep the thumbnail, privately.
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/versions/<int:version_id>/texte")
@requires(Permission.VIEW_PORTFOLIO)
def text(version_id: int):
    """A text version in full (up to a generous limit), escaped and highlighted."""
    version = _readable_version(version_id)
    if not previews.is_text(version):
        raise NotFound()
    content = previews.highlighted_text(
        version, max_bytes=previews.TEXT_PAGE_MAX_BYTES, max_lines=previews.TEXT_PAGE_MAX_LINES
    )
    return render_template("evidence/version_text.html", version=version, content=content, evidence=version.file.evidence)


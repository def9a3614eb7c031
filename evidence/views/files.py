"""Upload, download and preview of evidence files.

The upload view hands the unread request body to the upload service
(evidence/upload_requests.receive_upload), which streams each file from the socket to the object
store without spooling it. The view is therefore exempt from Flask-WTF's before-request CSRF
check (which would parse the whole body first) and gives the service its own check, which the
service runs before storing anything, with the token from the X-CSRFToken header or from a
csrf_token field sent before the files.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, same_origin, validate_csrf
from werkzeug.exceptions import NotFound
from werkzeug.wsgi import wrap_file
from wtforms.validators import ValidationError

from accounts.policy import Permission, authorize, requires
from core.errors import render_error
from extensions import csrf, db
from storage.base import attachment_disposition, human_size

from evidence import previews
from evidence.files import open_version, store_of
from evidence.filetypes import accepted_extensions, allow_list_sentence
from evidence.models import Evidence, EvidenceVersion
from evidence.upload_requests import (
    NO_FILES,
    UploadBody,
    UploadRequestRefused,
    client_socket,
    max_files_per_request,
    receive_upload,
    request_size_limit,
)
from evidence.uploads import archives_allowed, max_upload_bytes

bp = Blueprint("evidence_files", __name__)

DOWNLOAD_LINK_LIFETIME = timedelta(minutes=5)
DOWNLOAD_CSP = "default-src 'none'; sandbox"


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

def _check_csrf(token: str | None) -> None:
    """What CSRFProtect.protect() does, for a body it must not parse: nothing, or CSRFError."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    try:
        validate_csrf(token)
    except ValidationError as error:
        raise CSRFError(error.args[0]) from None
    if request.is_secure and current_app.config.get("WTF_CSRF_SSL_STRICT", True):
        if not request.referrer or not same_origin(request.referrer, f"https://{request.host}/"):
            raise CSRFError("The referrer does not match the host.")


def _header_token() -> str | None:
    for header in current_app.config.get("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"]):
        if request.headers.get(header):
            return request.headers[header]
    return None


@bp.route("/preuves/<int:evidence_id>/fichiers", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def upload(evidence_id: int):
    """Upload one or more files (field `files`), or a new version of `file_id`."""
    evidence = db.session.get(Evidence, evidence_id)
    authorize(Permission.CHANGE_PORTFOLIO, evidence)
    request.max_content_length = request_size_limit()
    if request.mimetype != "multipart/form-data":
        _check_csrf(_header_token() or request.form.get("csrf_token"))
        return render_error(400, NO_FILES)
    body = UploadBody(
        request.stream, request.mimetype_params.get("boundary", "").encode("latin-1", "replace"), _header_token(),
        client_socket(request.environ),
    )
    try:
        outcome = receive_upload(
            evidence, body, uploaded_by=current_user._get_current_object(), verify_token=_check_csrf
        )
    except UploadRequestRefused as error:
        page, status = render_error(error.status, str(error))
        # After an idle timeout the connection cannot carry another request: the server closes it.
        return page, status, {"Connection": "close"} if status == 408 else {}
    if request.htmx:
        return render_template("evidence/_upload_results.html", results=outcome.results, evidence=evidence), outcome.status
    if outcome.to_confirm is not None:
        return render_template("evidence/confirm_version.html", result=outcome.to_confirm, evidence=evidence), 409
    for result in outcome.results:
        flash(result.message, result.category)
    return redirect(url_for("evidence.show", evidence_id=evidence.id), 303)


csrf.exempt(upload)


# --- reading: download, preview, thumbnail, text ----------------------------------------------

def _authorize_download(version: EvidenceVersion | None) -> None:
    """Who may read a version (download, preview, thumbnail, text): the one place to extend."""
    authorize(Permission.READ_EVIDENCE_FILE, version)


def _readable_version(version_id: int) -> EvidenceVersion:
    version = db.session.get(EvidenceVersion, version_id)
    _authorize_download(version)
    return version


@bp.route("/versions/<int:version_id>/telechargement")
@requires(Permission.VIEW_PORTFOLIO)
def download(version_id: int):
    """The file itself, always as an attachment (never rendered by the browser)."""
    version = _readable_version(version_id)
    store = store_of(version)
    link = store.url(version.object_key, version.filename, expires=DOWNLOAD_LINK_LIFETIME)
    if link:
        return redirect(link, 302)
    stream = open_version(version)
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


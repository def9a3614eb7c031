"""After the jury: the candidate's results and documents, and the public face of the credentials
(keys, issuer, status list, verification page)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask_login import current_user

from accounts.models import Role
from accounts.policy import Permission, authorize, public, requires
from exports.results import FORMATS
from exports.tasks import render
from extensions import db
from grading import audit
from grading.models import SessionAssignment

from awards import credentials as creds
from awards import keys
from awards.accrochage import services as accrochage
from awards.attestation import attestation_filename, build_attestation
from awards.releve import build_releve, releve_filename
from awards.results import published, results_of, signed_assignments

bp = Blueprint("awards", __name__)


def _published_assignment(assignment_id: int, permission: Permission) -> SessionAssignment:
    assignment = db.session.get(SessionAssignment, assignment_id)
    authorize(permission, assignment)
    if not published(assignment):  # nothing exists for the candidate before the signature
        abort(404)
    return assignment


@bp.route("/resultats")
@requires(Permission.VIEW_RESULTS)
def index():
    own = signed_assignments(candidate=current_user) if current_user.has_role(Role.CANDIDATE) else []
    tutored = signed_assignments(tutor=current_user) if current_user.has_role(Role.TUTOR) else []
    # Holders are asked for their identity, for the declaration to the Caisse des Dépôts.
    lineages = {a.session.certification.lineage for a in own}
    holder_of = sorted(lineage for lineage in lineages if accrochage.holder(current_user, lineage) is not None)
    return render_template("awards/index.html", own=[results_of(a) for a in own], tutored=[results_of(a) for a in tutored],
                           holder_of=holder_of)


@bp.route("/resultats/<int:assignment_id>")
@requires(Permission.VIEW_RESULTS)
def show(assignment_id: int):
    assignment = _published_assignment(assignment_id, Permission.VIEW_RESULTS)
    results = results_of(assignment)
    downloads = current_user.has_role(Role.ADMIN) or assignment.candidate.id == current_user.id
    issued = creds.issue_credentials(results) if downloads else []
    return render_template("awards/show.html", results=results, downloads=downloads, credentials=issued,
                           verification_url=creds.verification_url, has_key=keys.signing_key() is not None)


@bp.route("/resultats/<int:assignment_id>/releve.<fmt>")
@requires(Permission.DOWNLOAD_RESULTS)
def releve(assignment_id: int, fmt: str):
    assignment = _published_assignment(assignment_id, Permission.DOWNLOAD_RESULTS)
    if fmt not in FORMATS:
        abort(404)
    results = results_of(assignment)
    data, _ = render(build_releve(results), fmt)
    audit.record("releve.downloaded", "results", assignment.id, actor=current_user, session_id=assignment.session_id,
                 after={"format": fmt, "candidate_id": assignment.candidate.id})
    db.session.commit()
    return _attachment(data, FORMATS[fmt], releve_filename(results, fmt))


@bp.route("/attestations/<uid>.pdf")
@requires(Permission.DOWNLOAD_RESULTS)
def attestation(uid: str):
    credential = creds.credential_by_uid(uid)
    if credential is None or credential.kind != "bloc":
        abort(404)
    authorize(Permission.DOWNLOAD_RESULTS, credential.assignment)
    if credential.revoked_at is not None:
        abort(410)
    data, _ = render(build_attestation(credential), "pdf")
    audit.record("attestation.downloaded", "credential", credential.id, actor=current_user,
                 session_id=credential.assignment.session_id, after={"number": credential.number})
    db.session.commit()
    return _attachment(data, FORMATS["pdf"], attestation_filename(credential))


def _attachment(data: bytes, media_type: str, filename: str) -> Response:
    return Response(data, mimetype=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
    })


# --- public: what anyone verifying a credential needs ---------------------------------------------

@bp.route("/.well-known/jwks.json")
@public
def jwks():
    response = jsonify(keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/badges/emetteur")
@public
def issuer():
    return jsonify({
        "@context": creds.CONTEXTS, "id": creds.issuer_url(), "type": ["Profile"],
        "name": "Certificateur (Probatio)", "url": request.host_url.rstrip("/"),
    })


@bp.route("/badges/statut/<int:list_id>")
@public
def status_list(list_id: int):
    token = creds.status_list_token() if list_id == creds.STATUS_LIST_ID else None
    if token is None:
        abort(404)
    return Response(token, mimetype="application/vc+jwt", headers={"Cache-Control": "no-cache"})


@bp.route("/badges/<uid>.jwt")
@public
def credential_token(uid: str):
    credential = creds.credential_by_uid(uid) or abort(404)
    return Response(credential.token, mimetype="application/vc+jwt",
                    headers={"Content-Disposition": f'attachment; filename="badge-{credential.number.lower()}.jwt"'})


@bp.route("/badges/<uid>")
@public
def verify_page(uid: str):
    """The credential as it verifies: only what it holds itself, never the account behind it."""
    credential = creds.credential_by_uid(uid) or abort(404)
    return render_template("awards/verify.html", verification=creds.verify_jwt(credential.token), uid=uid)


@bp.route("/badges/verifier", methods=["GET", "POST"])
@public
def verify_token():
    verification = creds.verify_jwt(request.form.get("token", "")) if request.method == "POST" else None
    return render_template("awards/verify.html", verification=verification, uid=None)

"""The declaration screens: certifier settings, holders and their identity (admins), the
candidate's own identity form, preparing / downloading / sending a declaration and recording the
CDC's answer per passage."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from accounts.models import User
from accounts.policy import Permission, requires
from extensions import db
from referentials.models import Certification

from awards import AwardsError
from awards.accrochage import identity as identities
from awards.accrochage import services
from awards.accrochage.rules import ACCESS_MODES, CERTIFICATION_TYPES
from awards.models import AccrochageDeclaration, AccrochagePassage

bp = Blueprint("accrochage", __name__)


def _lineages() -> list[tuple[str, str]]:
    rows = db.session.scalars(select(Certification).order_by(Certification.lineage, Certification.version_number)).all()
    return list({c.lineage: c.display_title for c in rows}.items())


def _known_lineage(lineage: str) -> str:
    if lineage not in dict(_lineages()):
        abort(404)
    return lineage


@bp.route("/admin/accrochage")
@requires(Permission.MANAGE_AWARDS)
def index():
    return render_template("awards/accrochage_index.html", lineages=_lineages())


@bp.route("/admin/accrochage/<lineage>")
@requires(Permission.MANAGE_AWARDS)
def lineage_page(lineage: str):
    _known_lineage(lineage)
    return render_template(
        "awards/accrochage.html", lineage=lineage, title=dict(_lineages())[lineage], settings=services.settings_of(lineage),
        holders=services.holders_of(lineage), declarations=services.declarations_of(lineage),
        types=CERTIFICATION_TYPES, passage_labels=services.PASSAGE_LABELS, declaration_labels=services.DECLARATION_LABELS,
        problems=None,
    )


@bp.route("/admin/accrochage/<lineage>/parametres", methods=["POST"])
@requires(Permission.MANAGE_AWARDS)
def save_settings(lineage: str):
    _known_lineage(lineage)
    form = request.form
    try:
        services.save_settings(lineage, form.get("client_id", ""), form.get("contract_id", ""),
                               form.get("certification_type", ""), form.get("certification_code", ""), actor=current_user)
        flash("Paramètres enregistrés.", "success")
    except AwardsError as error:
        flash(str(error), "error")
    return redirect(url_for("accrochage.lineage_page", lineage=lineage), 303)


def _identity_form(candidate: User, lineage: str, *, admin: bool):
    holder = services.holder(candidate, lineage)
    if holder is None:
        abort(404)
    identity = identities.Identity()
    error = None
    if request.method == "POST":
        identity = identities.Identity.from_form(request.form)
        try:
            services.save_identity(candidate, lineage, identity, actor=current_user)
        except AwardsError as failure:
            error = str(failure)
        else:
            flash("Identité enregistrée (chiffrée).", "success")
            target = url_for("accrochage.lineage_page", lineage=lineage) if admin else url_for("awards.index")
            return redirect(target, 303)
    elif admin and holder.identity is not None:
        identity = services.read_identity(holder.identity)  # administrators only read it back
    return render_template(
        "awards/identity.html", holder=holder, identity=identity, admin=admin, error=error, lineage=lineage,
        access_modes=ACCESS_MODES, purpose=identities.PURPOSE, retention=identities.retention_notice(),
    ), (422 if error else 200)


@bp.route("/admin/accrochage/<lineage>/titulaires/<int:candidate_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_AWARDS)
def admin_identity(lineage: str, candidate_id: int):
    _known_lineage(lineage)
    candidate = db.session.get(User, candidate_id) or abort(404)
    return _identity_form(candidate, lineage, admin=True)


@bp.route("/resultats/identite/<lineage>", methods=["GET", "POST"])
@requires(Permission.DECLARE_IDENTITY)
def my_identity(lineage: str):
    _known_lineage(lineage)
    return _identity_form(current_user, lineage, admin=False)


@bp.route("/admin/accrochage/<lineage>/declarations", methods=["POST"])
@requires(Permission.MANAGE_AWARDS)
def prepare(lineage: str):
    _known_lineage(lineage)
    try:
        declaration = services.prepare_declaration(lineage, actor=current_user)
    except services.DeclarationRefused as refused:
        return render_template(
            "awards/accrochage.html", lineage=lineage, title=dict(_lineages())[lineage],
            settings=services.settings_of(lineage), holders=services.holders_of(lineage),
            declarations=services.declarations_of(lineage), types=CERTIFICATION_TYPES,
            passage_labels=services.PASSAGE_LABELS, declaration_labels=services.DECLARATION_LABELS,
            problems=refused.problems,
        ), 422
    except AwardsError as error:
        flash(str(error), "error")
        return redirect(url_for("accrochage.lineage_page", lineage=lineage), 303)
    flash(f"Déclaration {declaration.id_flux} préparée : {len(declaration.passages)} titulaire(s). Téléchargez le "
          "fichier, déposez-le sur le portail de la Caisse des Dépôts puis marquez-le envoyé.", "success")
    return redirect(url_for("accrochage.lineage_page", lineage=lineage), 303)


@bp.route("/admin/accrochage/declarations/<int:declaration_id>.xml")
@requires(Permission.MANAGE_AWARDS)
def download(declaration_id: int):
    declaration = db.session.get(AccrochageDeclaration, declaration_id) or abort(404)
    data = services.declaration_xml(declaration, actor=current_user)
    return Response(data, mimetype="application/xml", headers={
        "Content-Disposition": f'attachment; filename="{declaration.id_flux}.xml"', "Cache-Control": "no-store",
    })


@bp.route("/admin/accrochage/declarations/<int:declaration_id>/envoi", methods=["POST"])
@requires(Permission.MANAGE_AWARDS)
def mark_sent(declaration_id: int):
    declaration = db.session.get(AccrochageDeclaration, declaration_id) or abort(404)
    try:
        services.mark_sent(declaration, actor=current_user)
        flash("Déclaration marquée envoyée.", "success")
    except AwardsError as error:
        flash(str(error), "error")
    return redirect(url_for("accrochage.lineage_page", lineage=declaration.lineage), 303)


@bp.route("/admin/accrochage/passages/<int:passage_id>/retour", methods=["POST"])
@requires(Permission.MANAGE_AWARDS)
def record_outcome(passage_id: int):
    passage = db.session.get(AccrochagePassage, passage_id) or abort(404)
    outcome = request.form.get("outcome", "")
    if outcome not in ("accepted", "rejected"):
        abort(400)
    try:
        services.record_outcome(passage, outcome == "accepted", request.form.get("reason", ""), actor=current_user)
        flash("Retour de la Caisse des Dépôts enregistré.", "success")
    except AwardsError as error:
        flash(str(error), "error")
    return redirect(url_for("accrochage.lineage_page", lineage=passage.declaration.lineage), 303)

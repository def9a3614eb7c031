"""Referential screens: list, browse as a tree, import with a report before confirming, export."""
from __future__ import annotations

import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from core.errors import render_error
from core.forms import FrenchForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp
from sqlalchemy import select

from accounts.policy import Permission, requires
from storage.access import object_store
from extensions import db
from storage.base import StorageError

from referentials import curation
from referentials import rncp_exports
from referentials import services as referentials
from referentials.models import Bloc, Certification
from referentials.importers.errors import ReferentialImportError

bp = Blueprint("referentials", __name__)

MAX_REFERENTIAL_BYTES = 5 * 1024 * 1024


class ReferentialUploadForm(FrenchForm):
    document = FileField("Document du référentiel (texte RNCP ou REAC, fichier YAML exporté ou paquet CASE JSON)", validators=[FileRequired("Choisissez un fichier.")])
    accept_incomplete = BooleanField("Importer même si le document semble tronqué ou incomplet (il sera marqué incomplet)")


class CompletenessForm(FrenchForm):
    confirm = BooleanField(
        "Je confirme que ce référentiel est complet",
        validators=[DataRequired("Cochez la case pour confirmer que le référentiel est complet.")],
    )


_DATE = Regexp(r"^\d{4}-\d{2}-\d{2}$", message="Date au format AAAA-MM-JJ.")


class MetadataForm(FrenchForm):
    form_name = HiddenField(default="informations", validators=[InputRequired()])
    title = StringField("Intitulé de la certification", validators=[Length(max=300)])
    certifier = StringField("Certificateur", validators=[Length(max=300)])
    code = StringField("Code RNCP ou RS (ex. RNCP37682)", validators=[Optional(), Length(max=40)])
    level = StringField("Niveau", validators=[Length(max=40)])
    valid_from = StringField("Début de validité (AAAA-MM-JJ)", validators=[Optional(), _DATE])
    valid_until = StringField("Fin de validité (AAAA-MM-JJ)", validators=[Optional(), _DATE])
    dossier_min_pages = IntegerField("Dossier : nombre minimum de pages", validators=[Optional()])
    interview_minutes = IntegerField("Durée de l'entretien (minutes)", validators=[Optional()])
    questionnaire_minutes = IntegerField("Durée du questionnaire (minutes)", validators=[Optional()])
    extra_time_ratio = StringField("Temps majoré (ex. 1/3)", validators=[Optional(), Length(max=10)])


@bp.route("/referentiels")
@requires(Permission.VIEW_REFERENTIALS)
def index():
    certifications = db.session.scalars(select(Certification).order_by(Certification.title, Certification.version_number)).all()
    return render_template("referentials/referentials.html", certifications=certifications, form=ReferentialUploadForm())


@bp.route("/referentiels/<int:certification_id>")
@requires(Permission.VIEW_REFERENTIALS)
def show(certification_id: int):
    certification = db.session.get(Certification, certification_id) or abort(404)
    opened = request.args.getlist("bloc", type=int)
    return render_template("referentials/referential_tree.html", certification=certification, opened=set(opened))


@bp.route("/referentiels/<int:certification_id>/blocs/<int:bloc_id>")
@requires(Permission.VIEW_REFERENTIALS)
def bloc(certification_id: int, bloc_id: int):
    bloc = db.session.get(Bloc, bloc_id)
    if bloc is None or bloc.certification_id != certification_id:
        abort(404)
    if request.htmx:
        return render_template("referentials/_bloc_tree.html", bloc=bloc)
    return redirect(url_for("referentials.show", certification_id=certification_id, bloc=bloc_id, _anchor=f"bloc-{bloc_id}"))


@bp.route("/admin/referentiels/import", methods=["POST"])
@requires(Permission.MANAGE_REFERENTIALS)
def upload():
    form = ReferentialUploadForm()
    if not form.validate_on_submit():
        flash("Choisissez un fichier de référentiel à importer.", "error")
        return redirect(url_for("referentials.index"), code=303)
    storage = form.document.data
    data = storage.stream.read(MAX_REFERENTIAL_BYTES + 1)
    if len(data) > MAX_REFERENTIAL_BYTES:
        flash("Le fichier dépasse 5 Mo : ce n'est pas un référentiel.", "error")
        return redirect(url_for("referentials.index"), code=303)
    name = (storage.filename or "referentiel.txt").replace("/", "_").replace("\\", "_")[:200]
    accept_incomplete = bool(form.accept_incomplete.data)
    try:
        draft, shape = referentials.parse_file(data, name, accept_incomplete=accept_incomplete)
        report = referentials.build_report(draft, shape)
        # Kept in the object store so the confirmation loads exactly the file that was reported on.
        ref = object_store().put(io.BytesIO(data), len(data))
    except ReferentialImportError as error:
        flash(f"Import impossible : {error}", "error")
        return redirect(url_for("referentials.index"), code=303)
    except StorageError as error:
        flash(f"Le fichier n'a pas pu être conservé pour confirmation : {error}", "error")
        return redirect(url_for("referentials.index"), code=303)
    return render_template(
        "referentials/import_report.html", report=report, object_key=ref.key, source_name=name, accept_incomplete=accept_incomplete
    )


@bp.route("/admin/referentiels/confirmer", methods=["POST"])
@requires(Permission.MANAGE_REFERENTIALS)
def confirm():
    key = request.form.get("object_key", "")
    name = request.form.get("source_name", "referentiel.txt")[:200]
    try:
        with object_store().open(key) as stream:
            data = stream.read(MAX_REFERENTIAL_BYTES + 1)
        draft, _ = referentials.parse_file(data, name, accept_incomplete=request.form.get("accept_incomplete") == "oui")
        certification = referentials.load_draft(
            draft, loaded_by_id=current_user.id, accept_unplaced=request.form.get("accept_unplaced") == "oui",
            choice=request.form.get("choice") or None,
        )
    except (ReferentialImportError, StorageError) as error:
        flash(f"Import refusé : {error}", "error")
        return redirect(url_for("referentials.index"), code=303)
    if certification.completeness_unverified and request.form.get("confirm_complete") == "oui":
        curation.confirm_complete(certification, current_user.id)
        flash(f"Référentiel chargé : {certification.label}, sa complétude confirmée par vous.", "success")
        return redirect(url_for("referentials.show", certification_id=certification.id), code=303)
    flash(f"Référentiel chargé : {certification.label}.", "success")
    return redirect(url_for("referentials.show", certification_id=certification.id), code=303)


@bp.route("/admin/referentiels/<int:certification_id>/export")
@requires(Permission.MANAGE_REFERENTIALS)
def export(certification_id: int):
    certification = db.session.get(Certification, certification_id) or abort(404)
    text = referentials.export_yaml(certification)
    filename = f"{certification.lineage}-v{certification.version_number}.yaml"
    return Response(
        text,
        mimetype="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/admin/referentiels/<int:certification_id>/export-case")
@requires(Permission.MANAGE_REFERENTIALS)
def export_case(certification_id: int):
    certification = db.session.get(Certification, certification_id) or abort(404)
    filename = f"{certification.lineage}-v{certification.version_number}.case.json"
    return Response(
        referentials.export_case(certification),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/admin/referentiels/<int:certification_id>/informations", methods=["GET", "POST"])
@requires(Permission.MANAGE_REFERENTIALS)
def edit_metadata(certification_id: int):
    certification = db.session.get(Certification, certification_id) or abort(404)
    form = MetadataForm(obj=certification)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in curation.METADATA_FIELDS}
        changed = curation.update_metadata(certification, values, current_user.id)
        flash(
            f"Informations enregistrées : {', '.join(changed)}." if changed else "Aucune modification.",
            "success",
        )
        return redirect(url_for("referentials.show", certification_id=certification.id), code=303)
    return render_template(
        "referentials/metadata_form.html", certification=certification, form=form,
        changes=curation.metadata_changes(certification),
    )


@bp.route("/admin/referentiels/<int:certification_id>/completude", methods=["GET", "POST"])
@requires(Permission.MANAGE_REFERENTIALS)
def confirm_completeness(certification_id: int):
    """The administrator compares what was loaded with the official fiche and confirms it whole."""
    certification = db.session.get(Certification, certification_id) or abort(404)
    form = CompletenessForm()
    if certification.completeness_unverified and form.validate_on_submit():
        curation.confirm_complete(certification, current_user.id)
        flash("Complétude confirmée : le référentiel n'est plus signalé « complétude non vérifiable ».", "success")
        return redirect(url_for("referentials.show", certification_id=certification.id), code=303)
    return render_template(
        "referentials/completeness_form.html", certification=certification, form=form,
        summary=curation.completeness_summary(certification),
        confirmations=[c for c in curation.metadata_changes(certification) if c.field == curation.COMPLETENESS_FIELD],
    ), (400 if form.errors else 200)


# --- France Compétences: the RNCP export, and matching a fiche to a loaded certification ------

class RncpExportForm(FrenchForm):
    export = FileField(
        "Export RNCP de France Compétences (fichier XML, ou l'archive zip téléchargée)",
        validators=[FileRequired("Choisissez le fichier de l'export.")],
    )


@bp.route("/admin/referentiels/france-competences", methods=["GET", "POST"])
@requires(Permission.MANAGE_REFERENTIALS)
def france_competences():
    """Upload the export: the file is spooled to disk by the form parser, then streamed into the
    object store and read one fiche at a time (it can weigh hundreds of megabytes)."""
    form = RncpExportForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash("Choisissez le fichier de l'export RNCP à importer.", "error")
            return render_template("referentials/france_competences.html", form=form), 400
        storage = form.export.data
        name = (storage.filename or "export-rncp.xml").replace("/", "_").replace("\\", "_")[:200]
        try:
            stored = rncp_exports.store_rncp_export(storage.stream, name)
        except ReferentialImportError as error:
            flash(f"Import impossible : {error}", "error")
            return render_template("referentials/france_competences.html", form=form), 400
        except StorageError as error:
            flash(f"Le fichier n'a pas pu être conservé : {error}", "error")
            return render_template("referentials/france_competences.html", form=form), 503
        flash(f"{len(stored.fiches)} fiche(s) trouvée(s) dans {name}.", "success")
        return redirect(url_for("referentials.rncp_fiches", digest=stored.digest), code=303)
    return render_template("referentials/france_competences.html", form=form)


class _ExportUnavailable(Exception):
    """The uploaded export cannot be shown; `response` is the French error page that says why."""

    def __init__(self, response):
        self.response = response


def _stored_export(digest: str):
    """The uploaded export; _ExportUnavailable with a 404 when there is none, a 503 when the
    store does not answer, a 400 when its summary cannot be read."""
    try:
        export = rncp_exports.stored_rncp_export(digest)
    except StorageError:
        raise _ExportUnavailable(render_error(503)) from None
    except ReferentialImportError as error:
        raise _ExportUnavailable(render_error(400, str(error))) from None
    if export is None:
        raise _ExportUnavailable(render_error(404, "Cet export de France Compétences n'est plus disponible : déposez-le de nouveau."))
    return export


@bp.errorhandler(_ExportUnavailable)
def _export_unavailable(error: _ExportUnavailable):
    return error.response


@bp.route("/admin/referentiels/france-competences/<digest>")
@requires(Permission.MANAGE_REFERENTIALS)
def rncp_fiches(digest: str):
    export = _stored_export(digest)
    query = request.args.get("q", "")[:200]
    certifications = db.session.scalars(select(Certification).order_by(Certification.lineage, Certification.version_number)).all()
    return render_template(
        "referentials/rncp_fiches.html", export=export, query=query, fiches=export.search(query), certifications=certifications,
    )


@bp.route("/admin/referentiels/france-competences/<digest>/fiches/<number>", methods=["GET", "POST"])
@requires(Permission.MANAGE_REFERENTIALS)
def rncp_match(digest: str, number: str):
    """What matching the fiche to the chosen certification will fill (GET), then doing it (POST)."""
    export = _stored_export(digest)
    certification_id = request.values.get("certification_id", type=int)
    certification = db.session.get(Certification, certification_id) if certification_id else None
    if certification is None:
        flash("Choisissez la certification à associer à la fiche.", "error")
        return redirect(url_for("referentials.rncp_fiches", digest=digest), code=303)
    try:
        fiche = rncp_exports.stored_fiche(export, number)
    except ReferentialImportError as error:
        flash(str(error), "error")
        return redirect(url_for("referentials.rncp_fiches", digest=digest), code=303)
    report = rncp_exports.fiche_match_report(certification, fiche)
    if request.method == "POST":
        changed = rncp_exports.apply_fiche(certification, fiche, report.matches, changed_by_id=current_user.id)
        flash(
            f"Fiche {fiche.number} associée : " + (", ".join(changed) if changed else "aucune modification") + ".", "success"
        )
        return redirect(url_for("referentials.show", certification_id=certification.id), code=303)
    return render_template("referentials/rncp_match.html", export=export, report=report)

"""Evidence pages: describe, tag to criteria, mark deliverables, review status, comments.

A new evidence is created from its portfolio (portfolio/views.new_evidence, same form and template).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from accounts.policy import Permission, authorize, may, requires
from extensions import db

from evidence import anchors, services
from evidence.forms import ClaimForm, CommentForm, DeliverablesForm, EvidenceForm, JustificationForm, StatusForm
from evidence.models import Claim, Evidence, EvidenceStatus

bp = Blueprint("evidence", __name__)


def _evidence(evidence_id: int, permission: Permission) -> Evidence:
    evidence = db.session.get(Evidence, evidence_id)
    authorize(permission, evidence)
    return evidence


@dataclass(frozen=True)
class OcrUnknown:
    """What the page assumes when no search is wired in: nothing to warn about."""

    available: bool = True
    reason: str = ""


def _ocr_status():
    """Whether screenshots' text will be searchable. Search registers the answer
    (`app.extensions["ocr_status"]`, see search/sync.init_search); evidence never imports search."""
    status = current_app.extensions.get("ocr_status")
    return status() if status is not None else OcrUnknown()


def _back_to(evidence: Evidence, anchor: str | None = None):
    return redirect(url_for("evidence.show", evidence_id=evidence.id, _anchor=anchor), code=303)


@bp.route("/preuves/<int:evidence_id>")
@requires(Permission.VIEW_PORTFOLIO)
def show(evidence_id: int):
    evidence = _evidence(evidence_id, Permission.VIEW_PORTFOLIO)
    services.mark_comments_read(evidence, current_user)
    just_claimed = request.args.get("rattache", type=int)
    return render_template("evidence/show.html", **_page_context(evidence, just_claimed=just_claimed))


def _page_context(evidence: Evidence, **overrides) -> dict:
    portfolio = evidence.portfolio
    comment_form = CommentForm()
    comment_form.claim_id.choices = [("", "Toute la preuve")] + [
        (str(c.id), f"{c.criterion.label} — {c.criterion.text[:80]}") for c in evidence.claims
    ]
    deliverables_form = DeliverablesForm(deliverables=[d.id for d in evidence.deliverables])
    deliverables_form.deliverables.choices = [
        (d.id, f"{bloc.code} — {d.text}")
        for bloc in portfolio.certification.blocs
        for evaluation in bloc.evaluations
        for d in evaluation.deliverables
    ]
    others = db.session.scalars(select(Evidence).where(
        Evidence.portfolio_id == portfolio.id, Evidence.id != evidence.id, Evidence.deleted_at.is_(None)
    )).all()
    context = {
        "evidence": evidence,
        "portfolio": portfolio,
        # Deliverables other evidence already provides: the checklist folds them under "voir tout".
        "met_elsewhere": {d.id for other in others for d in other.deliverables},
        "claims": sorted(evidence.claims, key=lambda c: c.criterion.key),
        "anchors_to_move": anchors.anchors_to_move(evidence) if may(current_user, Permission.CHANGE_PORTFOLIO, evidence) else [],
        "threads": services.comment_threads(evidence),
        "claim_form": ClaimForm(),
        "comment_form": comment_form,
        "deliverables_form": deliverables_form,
        "status_form": StatusForm(),
        "can_change": may(current_user, Permission.CHANGE_PORTFOLIO, evidence),
        "can_review": may(current_user, Permission.REVIEW_PORTFOLIO, evidence),
        "can_comment": may(current_user, Permission.COMMENT_PORTFOLIO, evidence),
        "candidate_transitions": sorted(
            {t for (f, t) in services.CANDIDATE_TRANSITIONS if f.value == evidence.status}, key=list(EvidenceStatus).index
        ),
        "reviewer_transitions": sorted(
            {t for (f, t) in services.REVIEWER_TRANSITIONS if f.value == evidence.status}, key=list(EvidenceStatus).index
        ),
        "criteria_matches": [],
        "query": "",
        "ocr": _ocr_status(),
    }
    context.update(overrides)
    return context


@bp.route("/preuves/<int:evidence_id>/modifier", methods=["GET", "POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def edit(evidence_id: int):
    evidence = _evidence(evidence_id, Permission.CHANGE_PORTFOLIO)
    form = EvidenceForm(obj=evidence)
    if form.validate_on_submit():
        try:
            services.update_evidence(evidence, form.evidence_fields(), by=current_user)
        except services.EvidenceError as error:
            form.title.errors = [*form.title.errors, str(error)]
        else:
            flash("Preuve enregistrée.", "success")
            return _back_to(evidence)
    return render_template("evidence/edit.html", form=form, portfolio=evidence.portfolio, evidence=evidence)


@bp.route("/preuves/<int:evidence_id>/supprimer", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def delete(evidence_id: int):
    evidence = _evidence(evidence_id, Permission.CHANGE_PORTFOLIO)
    services.delete_evidence(evidence)
    flash(
        f"Preuve n°{evidence.number} retirée du portefeuille. Elle reste récupérable dans « Preuves retirées ».", "success"
    )
    return redirect(url_for("portfolio.show", portfolio_id=evidence.portfolio_id, _anchor="preuves-retirees"), code=303)


@bp.route("/preuves/<int:evidence_id>/restaurer", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def restore(evidence_id: int):
    evidence = db.session.get(Evidence, evidence_id)
    # A deleted evidence refuses CHANGE; restoring is asked of its portfolio instead.
    authorize(Permission.CHANGE_PORTFOLIO, evidence.portfolio if evidence else None)
    services.restore_evidence(evidence)
    flash(f"Preuve n°{evidence.number} rétablie.", "success")
    return _back_to(evidence)


@bp.route("/preuves/<int:evidence_id>/criteres")
@requires(Permission.CHANGE_PORTFOLIO)
def criteria_picker(evidence_id: int):
    evidence = _evidence(evidence_id, Permission.CHANGE_PORTFOLIO)
    query = request.args.get("q", "").strip()[:200]
    matches = services.find_criteria(evidence.portfolio.certification_id, query) if query else []
    if request.htmx:
        return render_template("evidence/_criteria_matches.html", evidence=evidence, criteria_matches=matches, query=query)
    return render_template("evidence/show.html", **_page_context(evidence, criteria_matches=matches, query=query))


@bp.route("/preuves/<int:evidence_id>/rattachements", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def add_claim(evidence_id: int):
    evidence = _evidence(evidence_id, Permission.CHANGE_PORTFOLIO)
    form = ClaimForm()
    if form.validate_on_submit():
        on_existing = request.form.get("on_existing") or None
        try:
            claim = services.add_claim(
                evidence, form.criterion_id.data, form.justification.data, on_existing=on_existing, by=current_user
            )
        except services.ClaimAlreadyTagged as conflict:
            # Nothing is replaced silently: the candidate chooses, on a page that works without JS.
            return render_template(
                "evidence/claim_conflict.html", evidence=evidence, claim=conflict.claim,
                justification=conflict.justification, error=str(conflict),
            ), 409
        except services.EvidenceError as error:
            flash(str(error), "error")
        else:
            if on_existing == services.KEEP_JUSTIFICATION:
                flash(f"Justification précédente conservée pour le critère {claim.criterion.label}.", "success")
            elif on_existing == services.REPLACE_JUSTIFICATION:
                flash(f"Justification remplacée pour le critère {claim.criterion.label} ; l'ancienne reste dans l'historique.", "success")
            else:
                flash(f"Preuve rattachée au critère {claim.criterion.label}.", "success")
            if request.form.get("ensuite") == "extrait":
                return redirect(url_for("evidence_anchors.new", claim_id=claim.id), code=303)
            # Back to the claim's row, which then offers to point at the excerpt that proves it.
            return redirect(url_for("evidence.show", evidence_id=evidence.id, rattache=claim.id,
                                    _anchor=f"rattachement-{claim.id}"), code=303)
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
    return _back_to(evidence, "rattachements")


def _claim(claim_id: int) -> Claim:
    claim = db.session.get(Claim, claim_id) or abort(404)
    authorize(Permission.CHANGE_PORTFOLIO, claim.evidence)
    return claim


@bp.route("/rattachements/<int:claim_id>/modifier", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def update_claim(claim_id: int):
    claim = _claim(claim_id)
    form = JustificationForm()
    if form.validate_on_submit():
        services.update_claim(claim, form.justification.data, by=current_user)
        flash("Justification enregistrée.", "success")
    else:
        flash("La justification ne peut pas être vide.", "error")
    return _back_to(claim.evidence, f"rattachement-{claim.id}")


@bp.route("/rattachements/<int:claim_id>/supprimer", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def remove_claim(claim_id: int):
    claim = _claim(claim_id)
    evidence = claim.evidence
    services.remove_claim(claim, by=current_user)
    flash("Rattachement retiré.", "success")
    return _back_to(evidence, "rattachements")


@bp.route("/preuves/<int:evidence_id>/livrables", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def set_deliverables(evidence_id: int):
    evidence = _evidence(evidence_id, Permission.CHANGE_PORTFOLIO)
    try:
        ids = {int(value) for value in request.form.getlist("deliverables")}
        services.set_deliverables(evidence, ids, by=current_user)
    except (ValueError, services.EvidenceError) as error:
        flash(str(error) if isinstance(error, services.EvidenceError) else "Livrable invalide.", "error")
    else:
        flash("Livrables enregistrés.", "success")
    return _back_to(evidence, "livrables")


@bp.route("/preuves/<int:evidence_id>/statut", methods=["POST"])
@requires(Permission.VIEW_PORTFOLIO)
def change_status(evidence_id: int):
    # Missing first: may() without a target answers for the role alone, so None would pass it.
    evidence = db.session.get(Evidence, evidence_id) or abort(404)
    as_reviewer = may(current_user, Permission.REVIEW_PORTFOLIO, evidence)
    if not (as_reviewer or may(current_user, Permission.CHANGE_PORTFOLIO, evidence)):
        authorize(Permission.CHANGE_PORTFOLIO, evidence)
    try:
        change = services.change_status(evidence, request.form.get("status", ""), current_user, as_reviewer=as_reviewer)
    except services.EvidenceError as error:
        flash(str(error), "error")
    else:
        flash(f"Statut : {EvidenceStatus(change.to_status).label}.", "success")
    return _back_to(evidence, "statut")


@bp.route("/preuves/<int:evidence_id>/commentaires", methods=["POST"])
@requires(Permission.COMMENT_PORTFOLIO)
def add_comment(evidence_id: int):
    evidence = _evidence(evidence_id, Permission.COMMENT_PORTFOLIO)
    form = CommentForm()
    try:
        parent_id = int(form.parent_id.data) if form.parent_id.data else None
        claim_id = int(form.claim_id.data) if form.claim_id.data else None
        comment = services.add_comment(evidence, current_user, form.body.data or "", parent_id=parent_id, claim_id=claim_id)
    except ValueError:
        flash("Commentaire invalide.", "error")
    except services.EvidenceError as error:
        flash(str(error), "error")
    else:
        flash("Commentaire publié.", "success")
        return _back_to(evidence, f"commentaire-{comment.id}")
    return _back_to(evidence, "commentaires")

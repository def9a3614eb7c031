"""Choosing where a claim's proof is in a file: lines, pages, a region of an image, cells.

One page per anchor (new or existing), working as a plain form: "Voir l'extrait" shows the chosen
excerpt before anything is saved, "Enregistrer l'extrait" saves it. static/js/anchors.js adds
click / shift-click on line numbers and dragging a rectangle on an image; both fill the same
labelled number fields a keyboard user types in. Moving an anchor to a newer version is the same
page, prefilled with the lines found again in the new version.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from accounts.policy import Permission, authorize, requires
from extensions import db
from storage.base import StorageError

from evidence import anchors, excerpts
from evidence.filetypes import FileKind
from evidence.forms import AnchorForm
from evidence.models import AnchorKind, Claim, ClaimAnchor, EvidenceVersion
from evidence.previews import file_type

bp = Blueprint("evidence_anchors", __name__)

# Lines shown at once in the selection table of a text file.
LINES_PER_SCREEN = 200

KIND_LABELS = {
    AnchorKind.LINES.value: "Des lignes",
    AnchorKind.PAGES.value: "Des pages",
    AnchorKind.REGION.value: "Une zone de l'image",
    AnchorKind.CELLS.value: "Des cellules d'une feuille",
}


def kinds_for(version: EvidenceVersion) -> list[str]:
    """The kinds of anchor a version can take, the most natural first."""
    kind = file_type(version).kind
    if kind in (FileKind.TEXT, FileKind.SCRIPT):
        return [AnchorKind.LINES.value]
    if kind in (FileKind.IMAGE, FileKind.SVG):
        return [AnchorKind.REGION.value]
    if kind == FileKind.SPREADSHEET:
        # Pages only where the rendering of the workbook has some.
        return [AnchorKind.CELLS.value] + ([AnchorKind.PAGES.value] if excerpts.page_count(version) else [])
    if kind in (FileKind.PDF, FileKind.DOCUMENT):
        return [AnchorKind.PAGES.value]
    return []


def _claim(claim_id: int) -> Claim:
    claim = db.session.get(Claim, claim_id) or abort(404)
    authorize(Permission.CHANGE_PORTFOLIO, claim)
    return claim


def _anchor(anchor_id: int) -> ClaimAnchor:
    anchor = db.session.get(ClaimAnchor, anchor_id) or abort(404)
    authorize(Permission.CHANGE_PORTFOLIO, anchor)
    return anchor


def _version(claim: Claim, default: EvidenceVersion | None = None) -> EvidenceVersion:
    raw = request.values.get("version", type=int)
    version = db.session.get(EvidenceVersion, raw) if raw else default
    if version is None or version.file.evidence_id != claim.evidence_id:
        abort(404)
    return version


def _back(claim: Claim):
    return redirect(url_for("evidence.show", evidence_id=claim.evidence_id, _anchor=f"rattachement-{claim.id}"), code=303)


@bp.route("/rattachements/<int:claim_id>/extraits/nouveau", methods=["GET", "POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def new(claim_id: int):
    claim = _claim(claim_id)
    live = [f.current for f in claim.evidence.files if f.removed_at is None and f.current is not None]
    if not request.values.get("version") and len(live) != 1:
        return render_template("evidence/anchors/pick_file.html", claim=claim, versions=live)
    return _form_page(claim, _version(claim, live[0] if live else None), None)


@bp.route("/extraits/<int:anchor_id>/modifier", methods=["GET", "POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def edit(anchor_id: int):
    anchor = _anchor(anchor_id)
    version = _version(anchor.claim, anchor.version)
    return _form_page(anchor.claim, version, anchor)


@bp.route("/extraits/<int:anchor_id>/supprimer", methods=["POST"])
@requires(Permission.CHANGE_PORTFOLIO)
def remove(anchor_id: int):
    anchor = _anchor(anchor_id)
    claim = anchor.claim
    anchors.remove_anchor(anchor, by=current_user)
    flash("Extrait retiré." + ("" if claim.anchors else " Le critère renvoie de nouveau au fichier entier."), "success")
    return _back(claim)


def _form_page(claim: Claim, version: EvidenceVersion, anchor: ClaimAnchor | None):
    kinds = kinds_for(version)
    if not kinds:
        flash(f"On ne peut pas désigner un extrait de « {version.filename} » : le critère renvoie au fichier entier.", "error")
        return _back(claim)
    form = AnchorForm()
    form.kind.choices = [(k, KIND_LABELS[k]) for k in kinds]
    sheets = excerpts.sheet_names(version) if AnchorKind.CELLS.value in kinds else []
    form.sheet.choices = [(s, s) for s in sheets]
    moving = anchor is not None and version.id != anchor.version_id
    proposal = None
    if request.method == "GET":
        if moving:
            proposal = anchors.propose_move(anchor)
            form.fill(proposal.spot if proposal else anchors.Spot.of(anchor))
        elif anchor is not None:
            form.fill(anchors.Spot.of(anchor))
        else:
            form.kind.data = kinds[0]
        if request.args.get("debut", type=int):
            # A line number followed without JavaScript: that line, to widen in the fields.
            form.line_start.data = request.args.get("debut", type=int)
            form.line_end.data = request.args.get("fin", type=int) or form.line_start.data
    draft, error = None, None
    if form.validate_on_submit():
        spot = form.spot()
        try:
            if "apercu" in request.form:
                draft = anchors.preview_anchor(claim, version, spot)
            elif anchor is None:
                anchors.add_anchor(claim, version, spot, by=current_user)
                flash(f"Extrait enregistré pour le critère {claim.criterion.label}.", "success")
                return _back(claim)
            else:
                anchors.replace_anchor(anchor, spot, version, by=current_user)
                flash(f"Extrait {'déplacé vers la version %d' % version.number if moving else 'modifié'}.", "success")
                return _back(claim)
        except anchors.AnchorError as refused:
            error = str(refused)
    elif request.method == "POST":
        error = "Des valeurs ne sont pas des nombres : corrigez les champs signalés."
    kind = form.kind.data if form.kind.data in kinds else kinds[0]
    context = {
        "claim": claim, "version": version, "anchor": anchor, "form": form, "kind": kind, "kinds": kinds,
        "draft": draft, "excerpt": excerpts.excerpt_for(draft, version) if draft else None, "error": error,
        "moving": moving, "proposal": proposal, "old_excerpt": excerpts.excerpt_for(anchor) if moving else None,
        "lines": _screen_of_lines(version, form) if kind == AnchorKind.LINES.value else None,
        "page_count": excerpts.page_count(version) if AnchorKind.PAGES.value in kinds else None,
    }
    return render_template("evidence/anchors/form.html", **context), (422 if error else 200)


def _screen_of_lines(version: EvidenceVersion, form: AnchorForm) -> dict:
    """A screen of numbered lines around the chosen start (or from ?depuis=), for clicking."""
    count = excerpts.line_count(version) or 0
    start = request.values.get("depuis", type=int) or max(1, (form.line_start.data or 1) - 20)
    start = max(1, min(start, max(1, count - LINES_PER_SCREEN + 1)))
    end = min(count, start + LINES_PER_SCREEN - 1)
    try:
        texts = excerpts.read_lines(version, start, end) if count else []
    except StorageError:
        texts, end = [], start - 1
    return {
        "unreadable": count > 0 and not texts, "count": count, "start": start, "end": end, "rows": list(zip(range(start, end + 1), texts)),
        "previous": max(1, start - LINES_PER_SCREEN) if start > 1 else None,
        "next": end + 1 if end < count else None,
    }


@bp.app_template_global("anchor_label")
def anchor_label(anchor) -> str:
    return anchors.anchor_label(anchor)

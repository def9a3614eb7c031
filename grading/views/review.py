"""Review screen: a juror's workspace on one assigned submission, their verdicts (one by one with
htmx, or the whole grid without JavaScript) and handing the grid in."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from accounts.policy import Permission, may, requires
from core.errors import render_error
from evidence.excerpts import excerpts_by_claim
from portfolio.submissions import snapshot_of, verify_submission

from grading import GradingError, assessments
from grading.models import SessionAssignment, Verdict
from grading.views import bp
from grading.views.common import current, load_assignment, perform, refused, visible_accommodations


class _Links:
    """The preview and download links of one frozen file version."""
    __slots__ = ("preview", "download")

    def __init__(self, preview: str, download: str):
        self.preview = preview
        self.download = download


_SENTINEL = 987654321


def _url_maker(endpoint: str):
    """url_for(endpoint, version_id=…) for many ids at the cost of one: the URL is built once
    with a sentinel id and the id put in its place (an int needs no quoting)."""
    head, tail = url_for(endpoint, version_id=_SENTINEL).split(str(_SENTINEL), 1)
    return lambda version_id: f"{head}{int(version_id)}{tail}"


def version_links(blocs: list[assessments.BlocReview]) -> dict[int, _Links]:
    """Version id → its links, for every version the page shows (each built once: an evidence
    item claimed for several criteria shows the same links under each)."""
    preview, download = _url_maker("evidence_files.preview"), _url_maker("evidence_files.download")
    ids = {v.id for b in blocs for c in b.criteria for item in c.claimed for v in item.evidence.versions}
    return {version_id: _Links(preview(version_id), download(version_id)) for version_id in ids}


def _review_page(assignment: SessionAssignment, anchor: str | None = None) -> str:
    return url_for("grading.review", assignment_id=assignment.id, _anchor=anchor)


@bp.route("/jury/affectations/<int:assignment_id>")
@requires(Permission.GRADE_SUBMISSION)
def review(assignment_id: int):
    assignment = load_assignment(assignment_id, Permission.GRADE_SUBMISSION)
    user = current()
    snapshot = snapshot_of(assignment.submission)
    blocs = assessments.review_workspace(assignment, user, snapshot)
    graded, total = assessments.graded_count(blocs)
    return render_template(
        "grading/review.html",
        assignment=assignment, session=assignment.session, submission=assignment.submission, blocs=blocs,
        gaps=snapshot.get("readiness"), total=total, graded=graded, links=version_links(blocs), locked=assessments.grid_lock(assignment, user.id) is not None,
        grid=assessments.grid_submission(assignment, user.id), intact=verify_submission(assignment.submission),
        accommodations=visible_accommodations(assignment.candidate.id), verdicts=list(Verdict),
        compare=may(user, Permission.VIEW_DELIBERATION, assignment),
        excerpts=excerpts_by_claim(snapshot),
    )


@bp.route("/jury/affectations/<int:assignment_id>/criteres/<int:criterion_id>", methods=["POST"])
@requires(Permission.GRADE_SUBMISSION)
def record_verdict(assignment_id: int, criterion_id: int):
    """One criterion's verdict: the htmx row fragment, or back to the grid without JavaScript."""
    assignment = load_assignment(assignment_id, Permission.GRADE_SUBMISSION)
    try:
        criterion = assessments.gradable_criterion(assignment, criterion_id)
    except GradingError as error:
        return render_error(error.status, str(error))
    verdict = request.form.get(f"verdict-{criterion.id}", request.form.get("verdict"))
    comment = request.form.get(f"comment-{criterion.id}", request.form.get("comment", ""))
    try:
        assessment = assessments.record_verdict(assignment, current(), criterion.id, verdict, comment)
    except GradingError as error:
        return refused(error, _review_page(assignment, f"critere-{criterion.id}"))
    if request.htmx:
        # Recorded, so the grid is not locked: the row stays editable.
        return render_template(
            "grading/_verdict.html", assignment=assignment, criterion=criterion, assessment=assessment,
            locked=False, saved=True, verdicts=list(Verdict),
        )
    flash(f"Appréciation du critère {criterion.label} enregistrée.", "success")
    return redirect(_review_page(assignment, f"critere-{criterion.id}"), code=303)


def _grid_entries(form) -> dict[int, tuple[str | None, str]]:
    """The plain grid form's fields `verdict-<criterion id>` and `comment-<criterion id>`."""
    entries = {}
    for key in form:
        if key.startswith("verdict-") and key[8:].isdigit():
            criterion_id = int(key[8:])
            entries[criterion_id] = (form.get(key), form.get(f"comment-{criterion_id}", ""))
    return entries


@bp.route("/jury/affectations/<int:assignment_id>/grille", methods=["POST"])
@requires(Permission.GRADE_SUBMISSION)
def save_grid(assignment_id: int):
    """The whole grid at once: the form without JavaScript."""
    assignment = load_assignment(assignment_id, Permission.GRADE_SUBMISSION)
    try:
        changed = assessments.save_grid(assignment, current(), _grid_entries(request.form))
    except GradingError as error:
        if error.status in (400, 404):
            return render_error(error.status, str(error))
        return refused(error, _review_page(assignment))
    flash(f"Grille enregistrée ({changed} appréciation(s) modifiée(s)).", "success")
    return redirect(_review_page(assignment, "grille"), code=303)


@bp.route("/jury/affectations/<int:assignment_id>/remise", methods=["POST"])
@requires(Permission.GRADE_SUBMISSION)
def submit_grid(assignment_id: int):
    assignment = load_assignment(assignment_id, Permission.GRADE_SUBMISSION)
    back = _review_page(assignment, "remise")
    if request.form.get("confirm") != "oui":
        flash("Cochez la case de confirmation pour remettre votre grille.", "error")
        return redirect(back, code=303)
    return perform(
        lambda: assessments.submit_grid(assignment, current()),
        "Grille remise : elle ne peut plus être modifiée. Vous pouvez maintenant lire la comparaison des grilles remises.", back,
    )

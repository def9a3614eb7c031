"""Minutes screen: the minutes of a session as every member reads them, their signed versions,
and their confirmation (the minutes are signed when the last member confirms)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from accounts.policy import Permission, may, requires

from grading import minutes as minutes_service
from grading.views import bp
from grading.views.common import current, load_session, perform


@bp.route("/jury/sessions/<int:session_id>/proces-verbal")
@requires(Permission.VIEW_JURY_SESSION)
def minutes(session_id: int):
    session = load_session(session_id, Permission.VIEW_JURY_SESSION)
    user = current()
    page = minutes_service.minutes_page(session, user)
    return render_template(
        "grading/minutes.html", session=session, page=page, content=page.content, sha256=page.sha256,
        status=page.status, mine=page.mine, missing=page.missing, corrections=page.corrections,
        can_confirm=may(user, Permission.CONFIRM_MINUTES, session),
        comparisons=[a for a in session.assignments if may(user, Permission.VIEW_DELIBERATION, a)],
    )


@bp.route("/jury/sessions/<int:session_id>/proces-verbal/confirmation", methods=["POST"])
@requires(Permission.CONFIRM_MINUTES)
def confirm_minutes(session_id: int):
    session = load_session(session_id, Permission.CONFIRM_MINUTES)
    back = url_for("grading.minutes", session_id=session.id)
    if request.form.get("confirm") != "oui":
        flash("Cochez la case pour confirmer avoir relu et approuvé le procès-verbal.", "error")
        return redirect(back, code=303)
    return perform(
        lambda: minutes_service.confirm_minutes(session, current(), request.form.get("sha256", "")),
        # The last confirmation signs the minutes: the session is read after the operation.
        lambda _: "Confirmation enregistrée. " + (
            "Tous les membres ont confirmé : le procès-verbal est signé." if session.minutes_stand
            else "Le procès-verbal sera signé quand tous les membres l'auront confirmé."
        ),
        back,
    )

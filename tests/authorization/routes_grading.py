"""Jury routes: admins manage sessions, members see theirs, the president deliberates.

In the world, the juror presides the session (deliberation open, one decision taken), which
examines the stranger's submission; the tutor and the candidate have nothing to do with it.
"""
from tests.authorization.cases import ADMIN_ONLY, Case, expect

SESSION_VIEW = expect(302, 403, 403, 200, 200)  # members and admins
ADMIN_POST = expect(302, 403, 403, 403, 303)
MEMBER_ONLY = expect(302, 403, 403, 200, 403)
MEMBER_POST = expect(302, 403, 403, 303, 403)


def _session(w) -> str:
    return f"/jury/sessions/{w['jury_session'].id}"


def _assignment(w) -> str:
    return f"/jury/affectations/{w['jury_assignment'].id}"


def _first_criterion(w) -> int:
    return w["jury_session"].blocs[0].evaluations[0].criteria[0].id


ROUTES = {
    "grading.index": Case("GET", lambda w: "/jury", SESSION_VIEW),
    "grading.new_session": Case("GET", lambda w: "/jury/sessions/nouvelle", ADMIN_ONLY),
    "grading.session": Case("GET", _session, SESSION_VIEW),
    "grading.edit_session": Case("GET", lambda w: _session(w) + "/modifier", ADMIN_ONLY),
    # Without form data the admin's posts flash what is missing and go back (303).
    "grading.add_member": Case("POST", lambda w: _session(w) + "/membres", ADMIN_POST),
    "grading.remove_member": Case("POST", lambda w: f"/jury/membres/{w['jury_member'].id}/retirer", ADMIN_POST),
    "grading.set_president": Case("POST", lambda w: f"/jury/membres/{w['jury_member'].id}/president", ADMIN_POST),
    "grading.assign": Case("POST", lambda w: _session(w) + "/depots", ADMIN_POST),
    "grading.unassign": Case("POST", lambda w: _assignment(w) + "/retirer", ADMIN_POST),
    "grading.plan_slot": Case("POST", lambda w: _assignment(w) + "/creneau", ADMIN_POST),
    "grading.accommodations": Case("GET", lambda w: "/admin/amenagements", ADMIN_ONLY),
    "grading.remove_accommodation": Case(
        "POST", lambda w: f"/admin/amenagements/{w['jury_accommodation'].id}/retirer", ADMIN_POST
    ),
    # Grading is the members' own work: admins open sessions but never grade.
    "grading.review": Case("GET", _assignment, MEMBER_ONLY),
    "grading.record_verdict": Case(
        "POST", lambda w: _assignment(w) + f"/criteres/{_first_criterion(w)}", MEMBER_POST,
        data=lambda w: {f"verdict-{_first_criterion(w)}": "acquired"},
    ),
    "grading.save_grid": Case("POST", lambda w: _assignment(w) + "/grille", MEMBER_POST),
    "grading.submit_grid": Case("POST", lambda w: _assignment(w) + "/remise", MEMBER_POST),
    # Only the president deliberates (the juror presides in the world); admins may read. The
    # comparison waits for the reader's own grid, which the world's juror has not handed in:
    # before and after hand-in, as each role, see tests/authorization/test_jury_independence.py.
    "grading.start_deliberation": Case("POST", lambda w: _session(w) + "/deliberation", MEMBER_POST),
    "grading.deliberation": Case("GET", lambda w: _assignment(w) + "/deliberation", ADMIN_ONLY),
    "grading.decide": Case(
        "POST", lambda w: _assignment(w) + f"/blocs/{w['jury_session'].blocs[1].id}/decision", MEMBER_POST,
        data=lambda w: {"outcome": "validated", "justification": "Motif", "override": "oui", "override_reason": "Test"},
    ),
    # The president records why the jury decides without waiting for the interview.
    "grading.waive_interview": Case(
        "POST", lambda w: _assignment(w) + "/sans-entretien", MEMBER_POST, data=lambda w: {"reason": "Sur dossier"},
    ),
    "grading.correct_decision": Case(
        "POST", lambda w: f"/jury/decisions/{w['jury_decision'].id}/rectification", MEMBER_POST,
        data=lambda w: {"outcome": "adjourned", "justification": "Motif", "reason": "Erreur"},
    ),
    "grading.minutes": Case("GET", lambda w: _session(w) + "/proces-verbal", SESSION_VIEW),
    "grading.confirm_minutes": Case("POST", lambda w: _session(w) + "/proces-verbal/confirmation", MEMBER_POST),
    "grading_audit.events": Case("GET", lambda w: "/admin/journal", ADMIN_ONLY),
    "grading_audit.export": Case("GET", lambda w: "/admin/journal.csv", ADMIN_ONLY),
}

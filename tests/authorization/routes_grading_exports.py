from tests.authorization.cases import Case, expect

ROUTES = {
    # The world's jury session examines the stranger's submission; only admins export sessions.
    "grading_exports.start": Case("POST", lambda w: f"/jury/sessions/{w['jury_session'].id}/export", expect(302, 403, 403, 403, 303)),
    "grading_exports.resume": Case("POST", lambda w: f"/jury/exports/{w['admin_export_job']}/reprendre", expect(302, 403, 403, 403, 400)),
    "grading_exports.download": Case("GET", lambda w: f"/jury/exports/{w['admin_export_job']}/archive", expect(302, 403, 403, 403, 404)),
}

from tests.authorization.cases import DOWNLOADED, Case, expect

ROUTES = {
    # The owner, jurors of the session and admins export; a tutor may not.
    "exports.start_submission_export": Case(
        "POST", lambda w: f"/depots/{w['own_submission'].id}/exports", expect(302, 303, 403, 403, 303),
        data=lambda w: {"kind": "dossier", "format": "docx"},
    ),
    # The world's jury session examines the stranger's submission; only admins export sessions.
    "exports.start_session_export": Case(
        "POST", lambda w: f"/jury/sessions/{w['jury_session'].id}/export", expect(302, 403, 403, 403, 303)
    ),
    # The world's export job is a submission's, not a session's: it cannot be resumed.
    "exports.resume_session_export": Case(
        "POST", lambda w: f"/jury/exports/{w['admin_export_job']}/reprendre", expect(302, 403, 403, 403, 400)
    ),
    # Any export job's file, for its creator (here the admin); also at /jury/exports/<id>/archive.
    "exports.download": Case(
        "GET", lambda w: f"/exports/{w['admin_export_job']}/fichier", expect(302, 403, 403, 403, DOWNLOADED)
    ),
    # The minutes document: the session's members and admins (decisions only, no verdict).
    "exports.minutes_document": Case(
        "GET", lambda w: f"/jury/sessions/{w['jury_session'].id}/proces-verbal.pdf", expect(302, 403, 403, 200, 200)
    ),
    "exports.blank_grid": Case(
        "GET", lambda w: f"/referentiels/{w['certification'].id}/grille-vierge.docx", expect(302, 403, 403, 200, 200)
    ),
}

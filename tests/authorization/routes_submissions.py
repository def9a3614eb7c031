"""Routes of the submission flow added with issue 14 (readiness summary before submitting)."""
from tests.authorization.cases import Case, expect

ROUTES = {
    # Only the candidate prepares (and submits) their own dossier.
    "portfolio.prepare_submission": Case(
        "GET", lambda w: f"/portefeuilles/{w['own_portfolio'].id}/depot", expect(302, 200, 403, 403, 403)
    ),
}

"""The images of excerpts (issue 13): an anchored region's crop, a PDF page. Read under the rule of
the version's file (whoever may view the portfolio; jurors for frozen versions). The world's
versions are text logs: no crop, no page (404 once allowed)."""
from tests.authorization.cases import Case, expect

ROUTES = {
    "evidence_excerpts.crop": Case(
        "GET", lambda w: f"/versions/{w['own_version'].id}/zones/1000-1000-2000-2000.png",
        expect(302, 404, 404, 403, 404),
    ),
    "evidence_excerpts.page": Case(
        "GET", lambda w: f"/versions/{w['own_version'].id}/pages/1", expect(302, 404, 404, 403, 404)
    ),
}

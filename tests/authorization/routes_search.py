"""Search screens: any logged-in user searches what they may see; a dossier's search follows VIEW_SUBMISSION."""
from tests.authorization.cases import ANY_USER, Case, expect

ROUTES = {
    "search.index": Case("GET", lambda w: "/recherche?q=journal", ANY_USER),
    # The candidate's own submission: the candidate and their tutor see it, a juror not on its jury does not.
    "search.submission": Case(
        "GET", lambda w: f"/depots/{w['own_submission'].id}/recherche?q=journal", expect(302, 200, 200, 403, 200)
    ),
}

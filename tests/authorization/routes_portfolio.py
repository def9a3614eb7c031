from tests.authorization.cases import ADMIN_ONLY, ANY_USER, Case, expect

OWN_VIEW = expect(302, 200, 200, 403, 200)  # the candidate, their tutor, admins
FOREIGN_VIEW = expect(302, 403, 403, 403, 200)

ROUTES = {
    "portfolio.show": Case("GET", lambda w: f"/portefeuilles/{w['foreign_portfolio'].id}", FOREIGN_VIEW),
    "portfolio.coverage": Case("GET", lambda w: f"/portefeuilles/{w['own_portfolio'].id}/couverture", OWN_VIEW),
    # Submitting without the confirmation box redirects back (303) for the owner only.
    "portfolio.submit": Case("POST", lambda w: f"/portefeuilles/{w['own_portfolio'].id}/depots", expect(302, 303, 403, 403, 403)),
    "portfolio.submission": Case("GET", lambda w: f"/depots/{w['own_submission'].id}", OWN_VIEW),
    "portfolio.manage": Case("GET", lambda w: "/admin/portefeuilles", ADMIN_ONLY),
    "portfolio.set_tutors": Case(
        "POST", lambda w: f"/admin/portefeuilles/{w['foreign_portfolio'].id}/tuteurs", expect(302, 403, 403, 403, 303)
    ),
    "referentials.index": Case("GET", lambda w: "/referentiels", ANY_USER),
    "referentials.show": Case("GET", lambda w: f"/referentiels/{w['certification'].id}", ANY_USER),
    "referentials.bloc": Case(
        "GET", lambda w: f"/referentiels/{w['certification'].id}/blocs/{w['certification'].blocs[0].id}", expect(302, 302, 302, 302, 302)
    ),
    # Without a file the upload flashes an error and goes back to the list.
    "referentials.upload": Case("POST", lambda w: "/admin/referentiels/import", expect(302, 403, 403, 403, 303)),
    "referentials.confirm": Case("POST", lambda w: "/admin/referentiels/confirmer", expect(302, 403, 403, 403, 303)),
    "referentials.export": Case("GET", lambda w: f"/admin/referentiels/{w['certification'].id}/export", ADMIN_ONLY),
}

# Creating an evidence happens from the portfolio (the evidence package knows no portfolio).
ROUTES["portfolio.new_evidence"] = Case(
    "GET", lambda w: f"/portefeuilles/{w['own_portfolio'].id}/preuves/nouvelle", expect(302, 200, 403, 403, 403)
)

from tests.authorization.cases import EVERYONE, Case, expect

UNKNOWN_UID = "00000000-0000-4000-8000-000000000000"

ROUTES = {
    # The candidate's and tutor's own results; jurors have none to read.
    "awards.index": Case("GET", lambda w: "/resultats", expect(302, 200, 200, 403, 200)),
    # The world's jury examines the stranger's submission, minutes not signed: admins get 404
    # (nothing is published yet), the others may not read it at all.
    "awards.show": Case("GET", lambda w: f"/resultats/{w['jury_assignment'].id}", expect(302, 403, 403, 403, 404)),
    "awards.releve": Case(
        "GET", lambda w: f"/resultats/{w['jury_assignment'].id}/releve.pdf", expect(302, 403, 403, 403, 404)
    ),
    "awards.attestation": Case("GET", lambda w: f"/attestations/{UNKNOWN_UID}.pdf", expect(302, 404, 403, 403, 404)),
    # Public: what anyone verifying a credential needs, no login.
    "awards.jwks": Case("GET", lambda w: "/.well-known/jwks.json", EVERYONE),
    "awards.issuer": Case("GET", lambda w: "/badges/emetteur", EVERYONE),
    "awards.status_list": Case("GET", lambda w: "/badges/statut/2", expect(404, 404, 404, 404, 404)),
    "awards.credential_token": Case("GET", lambda w: f"/badges/{UNKNOWN_UID}.jwt", expect(404, 404, 404, 404, 404)),
    "awards.verify_page": Case("GET", lambda w: f"/badges/{UNKNOWN_UID}", expect(404, 404, 404, 404, 404)),
    "awards.verify_token": Case("GET", lambda w: "/badges/verifier", EVERYONE),
}

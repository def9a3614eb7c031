from tests.authorization.cases import ADMIN_ONLY, EVERYONE, Case, expect

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
    # The declaration to the Caisse des Dépôts: administrators; the world holds no holder yet.
    "accrochage.index": Case("GET", lambda w: "/admin/accrochage", ADMIN_ONLY),
    "accrochage.lineage_page": Case("GET", lambda w: f"/admin/accrochage/{w['certification'].lineage}", ADMIN_ONLY),
    "accrochage.save_settings": Case(
        "POST", lambda w: f"/admin/accrochage/{w['certification'].lineage}/parametres", expect(302, 403, 403, 403, 303),
        data=lambda w: {"client_id": "court"},
    ),
    "accrochage.admin_identity": Case(
        "GET", lambda w: f"/admin/accrochage/{w['certification'].lineage}/titulaires/{w['users']['candidate'].id}",
        expect(302, 403, 403, 403, 404),
    ),
    # Only holders give their identity: the world's candidate did not obtain the certification.
    "accrochage.my_identity": Case(
        "GET", lambda w: f"/resultats/identite/{w['certification'].lineage}", expect(302, 404, 403, 403, 403)
    ),
    "accrochage.prepare": Case(
        "POST", lambda w: f"/admin/accrochage/{w['certification'].lineage}/declarations", expect(302, 403, 403, 403, 303)
    ),
    "accrochage.download": Case("GET", lambda w: "/admin/accrochage/declarations/999999.xml", expect(302, 403, 403, 403, 404)),
    "accrochage.mark_sent": Case(
        "POST", lambda w: "/admin/accrochage/declarations/999999/envoi", expect(302, 403, 403, 403, 404)
    ),
    "accrochage.record_outcome": Case(
        "POST", lambda w: "/admin/accrochage/passages/999999/retour", expect(302, 403, 403, 403, 404),
        data=lambda w: {"outcome": "accepted"},
    ),
}

from tests.authorization.cases import Case, expect

OWN_VIEW = expect(302, 200, 200, 403, 200)
OWNER_ONLY = expect(302, 200, 403, 403, 403)
OWNER_POST = expect(302, 303, 403, 403, 403)

ROUTES = {
    "evidence.show": Case("GET", lambda w: f"/preuves/{w['own_evidence'].id}", OWN_VIEW),
    "evidence.edit": Case("GET", lambda w: f"/preuves/{w['own_evidence'].id}/modifier", OWNER_ONLY),
    "evidence.delete": Case("POST", lambda w: f"/preuves/{w['foreign_evidence'].id}/supprimer", expect(302, 403, 403, 403, 403)),
    "evidence.restore": Case("POST", lambda w: f"/preuves/{w['own_evidence'].id}/restaurer", OWNER_POST),
    "evidence.criteria_picker": Case("GET", lambda w: f"/preuves/{w['own_evidence'].id}/criteres?q=CE1", OWNER_ONLY),
    "evidence.add_claim": Case(
        "POST", lambda w: f"/preuves/{w['own_evidence'].id}/rattachements", OWNER_POST,
        # The world's evidence is already tagged to this criterion: the candidate says to replace.
        data=lambda w: {"criterion_id": w["criterion"].id, "justification": "Parce que.", "on_existing": "replace"},
    ),
    "evidence.update_claim": Case(
        "POST", lambda w: f"/rattachements/{w['own_claim'].id}/modifier", OWNER_POST, data=lambda w: {"justification": "Mieux."}
    ),
    "evidence.remove_claim": Case("POST", lambda w: f"/rattachements/{w['foreign_claim'].id}/supprimer", expect(302, 403, 403, 403, 403)),
    "evidence.set_deliverables": Case("POST", lambda w: f"/preuves/{w['own_evidence'].id}/livrables", OWNER_POST),
    # The candidate may move their draft to "ready"; the tutor may not act on a draft but is allowed to try.
    "evidence.change_status": Case(
        "POST", lambda w: f"/preuves/{w['own_evidence'].id}/statut", expect(302, 303, 303, 403, 303), data=lambda w: {"status": "ready"}
    ),
    "evidence.add_comment": Case(
        "POST", lambda w: f"/preuves/{w['own_evidence'].id}/commentaires", expect(302, 303, 303, 403, 303),
        data=lambda w: {"body": "Bien vu."},
    ),
}

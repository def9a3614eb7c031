from tests.authorization.cases import ADMIN_ONLY, Case, expect

ROUTES = {
    "referentials.export_case": Case("GET", lambda w: f"/admin/referentiels/{w['certification'].id}/export-case", ADMIN_ONLY),
    # GET shows the form; the table's empty POST lacks the form's fields and shows it again (200).
    "referentials.edit_metadata": Case("GET", lambda w: f"/admin/referentiels/{w['certification'].id}/informations", ADMIN_ONLY),
    # GET shows the counts and the confirmation form (or "rien à confirmer" for a verified version).
    "referentials.confirm_completeness": Case("GET", lambda w: f"/admin/referentiels/{w['certification'].id}/completude", ADMIN_ONLY),
    "referentials.france_competences": Case("GET", lambda w: "/admin/referentiels/france-competences", ADMIN_ONLY),
    # The export uploaded in the world: the admin reads its fiches and matches one (303 once done).
    "referentials.rncp_fiches": Case("GET", lambda w: f"/admin/referentiels/france-competences/{w['rncp_export']}", ADMIN_ONLY),
    "referentials.rncp_match": Case(
        "POST", lambda w: f"/admin/referentiels/france-competences/{w['rncp_export']}/fiches/RNCP36061", expect(302, 403, 403, 403, 303),
        data=lambda w: {"certification_id": w["certification"].id},
    ),
}

from tests.authorization.cases import ADMIN_ONLY, Case

ROUTES = {
    "referentials.export_case": Case("GET", lambda w: f"/admin/referentiels/{w['certification'].id}/export-case", ADMIN_ONLY),
    # GET shows the form; the table's empty POST lacks the form's fields and shows it again (200).
    "referentials.edit_metadata": Case("GET", lambda w: f"/admin/referentiels/{w['certification'].id}/informations", ADMIN_ONLY),
}

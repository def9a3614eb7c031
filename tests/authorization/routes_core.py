from tests.authorization.cases import ADMIN_ONLY, ANY_USER, EVERYONE, Case, expect

ROUTES = {
    "static": Case("GET", lambda w: "/static/css/app.css", EVERYONE),
    "core.htmx_script": Case("GET", lambda w: "/vendor/htmx.min.js", EVERYONE),
    "core.dashboard": Case("GET", lambda w: "/", ANY_USER),
    "jobs.job_status": Case("GET", lambda w: f"/taches/{w['admin_job']}", expect(302, 403, 403, 403, 200)),
    "accounts.login": Case("GET", lambda w: "/connexion", expect(200, 302, 302, 302, 302)),
    "accounts.logout": Case("POST", lambda w: "/deconnexion", expect(302, 302, 302, 302, 302)),
    "accounts.set_password": Case("GET", lambda w: "/mot-de-passe/jeton-inconnu", expect(404, 404, 404, 404, 404)),
    "accounts.users": Case("GET", lambda w: "/admin/utilisateurs", ADMIN_ONLY),
    "accounts.send_password_link": Case(
        "POST", lambda w: f"/admin/utilisateurs/{w['other'].id}/lien", expect(302, 403, 403, 403, 200)
    ),
    "accounts.toggle_active": Case(
        "POST", lambda w: f"/admin/utilisateurs/{w['other'].id}/activation", expect(302, 403, 403, 403, 303)
    ),
}

"""Routes of the accounts: login, logout, set-password links, user administration."""
from tests.authorization.cases import ADMIN_ONLY, Case, expect

ROUTES = {
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

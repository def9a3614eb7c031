import logging

from sqlalchemy import select

from accounts import services, throttle
from accounts.models import PasswordToken, Role, User
from extensions import db


def test_login_then_dashboard_then_logout(client, make_user):
    user = make_user(Role.CANDIDATE, name="Camille Test")
    response = client.login(user.email)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "Bonjour Camille Test" in page
    assert 'lang="fr"' in page
    response = client.submit("/deconnexion", token_from="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    user = make_user(Role.TUTOR)
    wrong = client.login(user.email, "pas le bon mot de passe")
    unknown = client.login("personne@test.probatio.fr", "pas le bon mot de passe")
    assert wrong.status_code == unknown.status_code == 401
    message = "Adresse e-mail ou mot de passe incorrect."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_login_is_throttled_after_repeated_failures(client, make_user):
    user = make_user(Role.JUROR)
    for _ in range(throttle.FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS):
        assert client.login(user.email, "mauvais").status_code == 401
    throttled = client.login(user.email)  # even the right password is refused for a while
    assert throttled.status_code == 429
    assert "Trop de tentatives" in throttled.get_data(as_text=True)


def test_password_is_hashed_and_never_logged(client, make_user, caplog):
    caplog.set_level(logging.DEBUG)
    user = make_user(Role.ADMIN, password="un-secret-tres-long-42")
    assert "un-secret-tres-long-42" not in user.password_hash
    client.login(user.email, "autre-secret-tres-long-43")
    client.login(user.email, "un-secret-tres-long-42")
    assert "secret-tres-long" not in caplog.text


def test_post_without_csrf_token_is_refused_and_changes_nothing(password, client, make_user):
    user = make_user(Role.ADMIN)
    response = client.post("/connexion", data={"email": user.email, "password": password})
    assert response.status_code == 400
    assert "jeton de sécurité" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still logged out


def test_open_redirect_after_login_is_ignored(password, client, make_user):
    user = make_user(Role.CANDIDATE)
    token = client.token()
    response = client.post(
        "/connexion?next=//evil.example/", data={"email": user.email, "password": password, "csrf_token": token}
    )
    assert response.headers["Location"] == "/"


def test_admin_creates_user_and_link_sets_password_once(client, login_as):
    login_as(Role.ADMIN)
    page = client.get("/admin/utilisateurs").get_data(as_text=True)
    response = client.submit(
        "/admin/utilisateurs",
        {"full_name": "Nina Nouvelle", "email": "Nina@Test.Probatio.fr", "roles": ["candidate", "tutor"]},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Compte créé pour Nina Nouvelle" in html
    link = html.split('id="lien" type="text" readonly value="')[1].split('"')[0]
    path = link.split("localhost", 1)[1]
    user = db.session.scalar(select(User).where(User.email == "nina@test.probatio.fr"))
    assert user.roles == {Role.CANDIDATE, Role.TUTOR}
    assert user.password_hash is None
    token = path.rsplit("/", 1)[1]
    assert db.session.scalar(select(PasswordToken.token_hash)) != token  # only a hash is stored

    client.submit("/deconnexion", token_from="/")
    form = client.get(path)
    response = client.post(
        path, data={"password": "nouveau-mot-de-passe", "confirm": "nouveau-mot-de-passe", "csrf_token": form.csrf_token}
    )
    assert response.status_code == 302
    assert client.login("nina@test.probatio.fr", "nouveau-mot-de-passe").status_code == 302
    assert client.get(path).status_code == 404  # one time only
    assert "n'est plus valable" in client.get(path).get_data(as_text=True)
    assert page  # the admin page rendered before the creation


def test_duplicate_email_is_explained(client, login_as, make_user):
    login_as(Role.ADMIN)
    existing = make_user(Role.CANDIDATE)
    response = client.submit("/admin/utilisateurs", {"full_name": "Doublon", "email": existing.email, "roles": ["candidate"]})
    assert "Un compte existe déjà" in response.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(client, login_as, make_user):
    login_as(Role.ADMIN)
    user = make_user(Role.CANDIDATE)
    response = client.submit(f"/admin/utilisateurs/{user.id}/activation", token_from="/admin/utilisateurs")
    assert response.status_code == 303
    client.submit("/deconnexion", token_from="/")
    assert client.login(user.email).status_code == 401


def test_cli_creates_first_admin_with_link(app_ctx):
    result = app_ctx.test_cli_runner().invoke(
        args=["users", "create", "--email", "chef@test.probatio.fr", "--name", "Cheffe", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert "/mot-de-passe/" in result.output
    user = services.get_user_by_email("chef@test.probatio.fr")
    assert user.roles == {Role.ADMIN}


def test_unknown_route_gets_a_french_404(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Page introuvable" in response.get_data(as_text=True)

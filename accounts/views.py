from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from extensions import db

from accounts import services
from accounts.forms import EmptyForm, LoginForm, SetPasswordForm, UserCreateForm
from accounts.models import Role, User
from accounts.policy import Permission, public, requires
from accounts.redirects import safe_next
from accounts.signals import announce, password_link_issued

bp = Blueprint("accounts", __name__)

LOGIN_REFUSED = "Adresse e-mail ou mot de passe incorrect."


def _after_login() -> str:
    """The page asked for before logging in, when it is a page of this site; else the dashboard."""
    return safe_next(request.args.get("next"), request.host_url) or url_for("dashboard.home")


@bp.route("/connexion", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data, request.remote_addr or "?")
        except services.LoginThrottled as error:
            flash(str(error), "error")
            return render_template("accounts/login.html", form=form), 429, {"Retry-After": str(error.retry_after)}
        else:
            if user:
                login_user(user)
                return redirect(_after_login())
            flash(LOGIN_REFUSED, "error")
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("accounts/login.html", form=form), status


@bp.route("/deconnexion", methods=["POST"])
@requires(Permission.VIEW_DASHBOARD)
def logout():
    services.end_sessions(current_user._get_current_object())
    logout_user()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/mot-de-passe/<token>", methods=["GET", "POST"])
@public
def set_password(token: str):
    if services.find_valid_token(token) is None:
        return render_template("accounts/token_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_with_token(token, form.password.data)
        except services.AccountError as error:
            flash(str(error), "error")
        else:
            flash("Mot de passe enregistré. Vous pouvez vous connecter.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form)


@bp.route("/admin/utilisateurs", methods=["GET", "POST"])
@requires(Permission.MANAGE_USERS)
def users():
    form = UserCreateForm()
    new_link = None
    if form.validate_on_submit():
        try:
            user = services.create_user(form.email.data, form.full_name.data, {Role(r) for r in form.roles.data})
        except services.AccountError as error:
            form.email.errors = [*form.email.errors, str(error)]
        else:
            token = services.issue_password_token(user)
            new_link = (user, url_for("accounts.set_password", token=token, _external=True))
            announce(password_link_issued, user=user, link=new_link[1])
            flash(f"Compte créé pour {user.full_name} ; le lien pour choisir son mot de passe lui est envoyé par courriel.", "success")
            form = UserCreateForm(formdata=None)
    return _users_page(form, new_link)


def _users_page(form: UserCreateForm, new_link: tuple[User, str] | None):
    return render_template(
        "accounts/users.html", form=form, users=services.all_users(), new_link=new_link, action_form=EmptyForm()
    )


@bp.route("/admin/utilisateurs/<int:user_id>/lien", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def send_password_link(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    token = services.issue_password_token(user)
    link = url_for("accounts.set_password", token=token, _external=True)
    announce(password_link_issued, user=user, link=link)
    flash(f"Nouveau lien créé pour {user.full_name} et envoyé par courriel ; les liens précédents ne fonctionnent plus.", "success")
    return _users_page(UserCreateForm(formdata=None), (user, link))


@bp.route("/admin/utilisateurs/<int:user_id>/activation", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def toggle_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
    else:
        services.set_active(user, not user.active)
        flash(f"Compte de {user.full_name} {'réactivé' if user.active else 'désactivé'}.", "success")
    return redirect(url_for("accounts.users"), code=303)

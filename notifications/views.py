"""Mail screens: each user's choices ("Mes courriels") and the admins' outbox, where failed mails
are shown and can be sent again."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from accounts.policy import Permission, requires
from extensions import db

from notifications import services
from notifications.forms import PreferencesForm, kind_fields
from notifications.models import CHOOSABLE_KINDS, OutgoingMail

bp = Blueprint("notifications", __name__)


@bp.app_template_global("failed_mail_count")
def failed_mail_count() -> int:
    """Mails that failed for good, shown to admins in the navigation."""
    return services.count_failed()


@bp.route("/compte/courriels", methods=["GET", "POST"])
@requires(Permission.VIEW_DASHBOARD)
def preferences():
    user = current_user._get_current_object()
    current = services.preferences_of(user)
    form = PreferencesForm(data={kind.value: current[kind].value for kind in CHOOSABLE_KINDS})
    if form.validate_on_submit():
        try:
            services.set_preferences(user, {kind.value: form[kind.value].data for kind in CHOOSABLE_KINDS})
        except services.NotificationError as error:
            flash(str(error), "error")
        else:
            flash("Vos choix d'envoi des courriels sont enregistrés.", "success")
            return redirect(url_for("notifications.preferences"), code=303)
    return render_template("notifications/preferences.html", form=form, fields=kind_fields(form))


@bp.route("/admin/courriels")
@requires(Permission.MANAGE_USERS)
def outbox():
    return render_template(
        "notifications/outbox.html", failed=services.failed_mails(), recent=services.recent_mails(),
        action_form=FlaskForm(),
    )


@bp.route("/admin/courriels/<int:mail_id>/renvoyer", methods=["POST"])
@requires(Permission.MANAGE_USERS)
def retry(mail_id: int):
    mail = db.session.get(OutgoingMail, mail_id) or abort(404)
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.retry_mail(mail)
    except services.NotificationError as error:
        flash(str(error), "error")
    else:
        db.session.refresh(mail)
        flash(f"Courriel n°{mail.id} renvoyé : {mail.state_label.lower()}.", "success")
    return redirect(url_for("notifications.outbox"), code=303)

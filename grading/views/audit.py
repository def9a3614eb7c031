"""The audit trail for administrators: a filtered, paginated list and its CSV export."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request, stream_with_context

from accounts.policy import Permission, requires
from core.timeutil import utcnow

from grading import audit, sessions
from grading.forms import AuditFilterForm

bp = Blueprint("grading_audit", __name__)


def _filter_form() -> tuple[AuditFilterForm, audit.AuditFilter]:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", "Toutes")] + sorted(audit.ACTION_LABELS.items(), key=lambda item: item[1])
    form.session_id.choices = [("", "Toutes")] + [(str(s.id), s.label) for s in sessions.all_sessions()]
    form.actor_id.choices = [("", "Tous")] + [(str(u.id), u.full_name) for u in audit.actors()]
    form.validate()  # invalid values are dropped below rather than refused
    return form, audit.AuditFilter(
        action=form.action.data if form.action.data in audit.ACTION_LABELS else "",
        session_id=_int(form.session_id.data), actor_id=_int(form.actor_id.data),
        date_from=form.date_from.data if not form.date_from.errors else None,
        date_to=form.date_to.data if not form.date_to.errors else None,
    )


def _int(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@bp.route("/admin/journal")
@requires(Permission.VIEW_AUDIT)
def events():
    form, audit_filter = _filter_form()
    page = audit.page_of(audit_filter, _int(request.args.get("page")) or 1)
    arguments = {k: v for k, v in request.args.items() if k != "page" and v}
    template = "grading/_audit_events.html" if request.htmx else "grading/audit.html"
    return render_template(
        template, form=form, page=page, arguments=arguments,
        action_labels=audit.ACTION_LABELS, object_labels=audit.OBJECT_LABELS,
        sentence=audit.sentence, changes=audit.changes,
    )


@bp.route("/admin/journal.csv")
@requires(Permission.VIEW_AUDIT)
def export():
    _, audit_filter = _filter_form()
    filename = f"journal-jury-{utcnow():%Y%m%d-%H%M}.csv"
    return Response(
        stream_with_context(audit.export_csv(audit_filter)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )

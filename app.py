"""Application factory: configuration, extensions, blueprints, CLI. Nothing runs at import."""
from __future__ import annotations

import logging
import sys

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import ConfigError, load_config
from extensions import csrf, db, htmx, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    try:
        app.config.from_mapping(load_config())
    except ConfigError as error:
        # One clear line instead of a traceback; the process cannot run misconfigured.
        print(f"Configuration invalide : {error}", file=sys.stderr)
        raise SystemExit(2) from None
    if test_config:
        app.config.from_mapping(test_config)
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:  # only then are X-Forwarded-For / -Proto believed (the login throttle keys on the address)
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    _import_models()
    import authorization.rules  # noqa: F401  (registers every object rule of the policy)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    htmx.init_app(app)
    _init_login(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    _register_submission_sections(app)

    from awards import init_awards

    init_awards(app)  # its audit vocabulary and the dashboard's result notices

    from core.errors import register_error_handlers
    from jobs.services import bind_app
    from notifications.subscribers import init_notifications
    from search import init_search

    register_error_handlers(app)
    _init_storage(app)
    init_search(app)
    init_notifications(app)
    bind_app(app)
    logging.getLogger("minio").setLevel(logging.WARNING)
    return app


def _import_models() -> None:
    """Every model module, so that the metadata (and Alembic) sees every table."""
    import accounts.models  # noqa: F401
    import referentials.models  # noqa: F401
    import evidence.models  # noqa: F401
    import grading.models  # noqa: F401
    import jobs.models  # noqa: F401
    import notifications.models  # noqa: F401
    import portfolio.models  # noqa: F401
    import awards.models  # noqa: F401


def _init_login(app: Flask) -> None:
    from accounts.services import user_of_session

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    login_manager.user_loader(user_of_session)


def _init_storage(app: Flask) -> None:
    from evidence.files import stored_versions, version_keys
    from exports.services import stored_object_keys
    from storage import access as storage_access
    from storage.gc import register_references
    from storage.verify import register_records

    storage_access.init_app(app)
    # What `flask storage gc` must keep: the objects of evidence versions and of export results.
    register_references(app, version_keys)
    register_references(app, lambda backend: stored_object_keys())
    # What `flask storage verify` checks each object against: the versions' size and SHA-256.
    register_records(app, stored_versions)


def _register_blueprints(app: Flask) -> None:
    from accounts import cli as accounts_cli
    from accounts import views as accounts_views
    from accounts.policy import enforce_endpoint_access
    from awards import cli as awards_cli
    from awards.accrochage import views as accrochage_views
    from awards import views as awards_views
    from dashboard import accessibility as accessibility_views
    from dashboard import demo
    from dashboard import views as dashboard_views
    from evidence.views import anchors as evidence_anchor_views
    from evidence.views import excerpts as evidence_excerpt_views
    from evidence.views import files as evidence_file_views
    from evidence.views import pages as evidence_views
    from exports import cli as export_cli
    from exports import views as export_views
    from grading import views as grading_views
    from grading.views import audit as grading_audit_views
    from jobs import views as job_views
    from notifications import views as notification_views
    from portfolio import views as portfolio_views
    from referentials import cli as referential_cli
    from referentials import views as referential_views
    from search import cli as search_cli
    from search import views as search_views
    from storage import cli as storage_cli

    blueprints = (
        dashboard_views.bp, accessibility_views.bp, demo.cli, accounts_views.bp, accounts_cli.cli,
        referential_views.bp, referential_cli.cli, portfolio_views.bp,
        evidence_views.bp, evidence_file_views.bp, evidence_anchor_views.bp, evidence_excerpt_views.bp,
        storage_cli.cli, search_views.bp, search_cli.cli,
        grading_views.bp, grading_audit_views.bp, export_views.bp, export_cli.cli, job_views.bp,
        notification_views.bp,
        awards_views.bp, awards_cli.cli, awards_cli.accrochage_cli, accrochage_views.bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.before_request(enforce_endpoint_access)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        if app.config["PROBATIO_ENV"] == "production":  # served over HTTPS only, then
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _register_submission_sections(app: Flask) -> None:
    """Sections that packages above `portfolio` add to its submission page (it cannot import them)."""
    from dashboard.convocation import submission_section

    app.extensions["submission_sections"] = [submission_section]


def _register_template_helpers(app: Flask) -> None:
    from accounts.models import Role
    from accounts.policy import Permission, may
    from core.formats import format_date, format_number
    from core.timeutil import format_paris

    app.jinja_env.filters["paris"] = format_paris
    app.jinja_env.filters["nombre"] = format_number
    app.jinja_env.filters["date_fr"] = format_date
    app.jinja_env.globals.update(may=may, Permission=Permission, Role=Role)

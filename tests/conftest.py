"""Shared fixtures: an app on a migrated database, a test client, and users per role.

Which parts the suite runs against is chosen by environment, never by editing tests:
- TEST_DATABASE_URL: a PostgreSQL URL, or unset for a fresh SQLite file per session;
- STORAGE_BACKEND=minio with MINIO_* variables, or the local folder by default;
- JOBS_URL: the job queue, a SQLite file by default (Redis in CI's second run); jobs still run
  inside the request (huey's immediate mode) unless a test is marked `real_worker`.
With CI=true, a configured production part that does not answer fails the run.
"""
from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from werkzeug.test import TestResponse
from sqlalchemy import text

# A real queue by default (SQLite file; CI's second run sets Redis). Tests run jobs in huey's
# immediate mode unless marked `real_worker`, in which case they start a consumer process.
os.environ.setdefault("JOBS_URL", f"sqlite:///{tempfile.gettempdir()}/probatio-test-jobs-{os.getpid()}.db")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from accounts import services as account_services  # noqa: E402
from accounts.models import Role  # noqa: E402
from app import create_app  # noqa: E402
from extensions import db  # noqa: E402

pytest_plugins = ["tests.browser_fixtures", "tests.mail_fixtures", "tests.passes", "tests.storage_fixtures"]

PASSWORD = "mot-de-passe-de-test-1"
OUTPUT_DIR = Path(__file__).resolve().parent.parent / "test-output"
IN_CI = os.environ.get("CI") == "true"


def database_url(tmp_root: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_root / 'probatio-test.db'}"


@pytest.fixture(autouse=True)
def jobs_mode(request):
    """Immediate mode (jobs run inside the request) unless the test is marked real_worker."""
    from jobs.queue import huey

    huey.immediate = request.node.get_closest_marker("real_worker") is None
    yield
    huey.immediate = False


class Consumer:
    """A `huey_consumer` process started by `start_consumer`; its output goes to a file."""

    def __init__(self, process, log_path: Path):
        self.process, self.log_path = process, log_path

    def kill(self) -> None:
        """End it the way a crash or the OOM killer does: SIGKILL, no chance to clean up."""
        self.process.kill()
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture()
def start_consumer(app_ctx, tmp_path):
    """`start_consumer(module="worker", **env)`: a real huey consumer process on the configured
    queue (`huey_consumer <module>.huey`), sharing the test database and store, with `env` added to
    its environment. Every consumer started is stopped after the test.

    Use with @pytest.mark.real_worker so that enqueued jobs are not run in the request.
    """
    config = app_ctx.config
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "STORAGE_DIR": config["STORAGE_DIR"],
        "SEARCH_INDEX_DIR": config["SEARCH_INDEX_DIR"],
    }
    root = Path(__file__).resolve().parent.parent
    started: list[Consumer] = []

    def start(module: str = "worker", **extra_env: str) -> Consumer:
        log_path = tmp_path / f"consumer-{len(started) + 1}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "huey_consumer"), f"{module}.huey", "--workers", "1", "--delay", "0.1"],
                cwd=root, env={**env, **extra_env}, stdout=log, stderr=subprocess.STDOUT,
            )
        started.append(Consumer(process, log_path))
        return started[-1]

    yield start
    for consumer in started:
        consumer.stop()


@pytest.fixture()
def job_worker(start_consumer) -> Consumer:
    """A real huey consumer process (`huey_consumer worker.huey`); see start_consumer."""
    return start_consumer()


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT_DIR.mkdir(exist_ok=True)
    return OUTPUT_DIR


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("probatio")
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(root),
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # fast in tests; production uses scrypt
        "SEARCH_INDEX_DIR": str(root / "index"),
        "MAIL_DIR": str(root / "mail"),  # mails as .eml files unless a test sets MAIL_URL
        # The index follows the database only in the tests that ask for it (tests/search).
        "SEARCH_SYNC": "off",
        # No signing key unless a test creates one (tests/awards): never the developer's.
        "CREDENTIALS_KEY_FILE": str(root / "credentials" / "issuer-ed25519.pem"),
    }
    if os.environ.get("STORAGE_BACKEND", "local") == "local":
        config["STORAGE_DIR"] = str(root / "objects")
    app = create_app(config)
    with app.app_context():
        reset_schema()
    return app


def reset_schema() -> None:
    """Drop everything, then build the schema through the migrations, as production does."""
    from flask_migrate import upgrade

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade()


def _empty_tables() -> None:
    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture()
def app_ctx(app) -> Iterator:
    with app.app_context():
        yield app
        _empty_tables()


@pytest.fixture()
def password() -> str:
    """The password every user made by `make_user` has, unless the test gives another."""
    return PASSWORD


def _user_maker():
    counter = iter(range(1, 10_000))

    def make(*roles: Role, email: str | None = None, name: str | None = None, password: str = PASSWORD):
        n = next(counter)
        label = "-".join(r.value for r in roles) or "sans-role"
        return account_services.create_user(
            email or f"{label}{n}@test.probatio.fr", name or f"Utilisateur {label} {n}", set(roles), password=password
        )

    return make


@pytest.fixture()
def make_user(app_ctx):
    return _user_maker()


@pytest.fixture(scope="class")
def class_app_ctx(app) -> Iterator:
    """One app context for a whole test class, whose tests only read what the class builds once
    (its tables are emptied after the class's last test). Its tests use `class_client`, never
    `app_ctx`, whose teardown would empty the tables under the next test."""
    with app.app_context():
        yield app
        _empty_tables()


@pytest.fixture(scope="class")
def class_make_user(class_app_ctx):
    return _user_maker()


@pytest.fixture()
def class_client(class_app_ctx) -> UserClient:
    """An anonymous visitor, inside the class's app context."""
    return _new_client(class_app_ctx)


class Page(TestResponse):
    """A response as a person reads it: `page.text` decoded (French apostrophes compare plainly),
    `page.csrf_token` the token of the form it holds."""

    @property
    def text(self) -> str:
        return html.unescape(self.get_data(as_text=True))

    @property
    def csrf_token(self) -> str:
        body = self.get_data(as_text=True)
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', body) or re.search(
            r'name="csrf_token" value="([^"]+)"', body
        )
        assert match, "no CSRF token in page"
        return match.group(1)


class UserClient(FlaskClient):
    """The test client, used the way a person uses the app: one per user, forms posted with the
    CSRF token read from a page.

    Tests run inside one app context, whose `g` outlives each request: Flask-Login caches the
    current user there and Flask-WTF the CSRF token. Each request here starts with an empty `g`,
    so several clients (an admin, a juror, a candidate) can act side by side.
    """

    user = None

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(vars(g)):
                g.pop(name, None)
        return super().open(*args, **kwargs)

    def token(self, url: str | None = None) -> str:
        """The CSRF token of the form on the page at `url` (by default the dashboard, or the login
        page for a visitor: the token belongs to the session, so any page's form carries it)."""
        if url is not None:
            return self.get(url).csrf_token
        home = self.get("/")
        return home.csrf_token if home.status_code == 200 else self.get("/connexion").csrf_token

    def submit(self, url: str, data: dict | None = None, token_from: str | None = None, **kwargs):
        """POST a form to `url` with the CSRF token of the page it is on (`token_from`)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from))
        return self.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        return self.submit("/connexion", {"email": email, "password": password}, token_from="/connexion")

    def log_in_as(self, user) -> "UserClient":
        response = self.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        self.user = user
        return self


def _new_client(app) -> UserClient:
    return UserClient(app, Page, use_cookies=True)


@pytest.fixture()
def client(app_ctx) -> UserClient:
    """An anonymous visitor."""
    return _new_client(app_ctx)


@pytest.fixture()
def client_for(app_ctx):
    """`client_for(user)`: a new client logged in as `user` (several may act side by side)."""

    def make(user) -> UserClient:
        return _new_client(app_ctx).log_in_as(user)

    return make


@pytest.fixture()
def login_as(client, make_user):
    """`login_as(*roles)`: logs the `client` fixture in as a new user holding `roles`; returns the user."""

    def login(*roles: Role):
        return client.log_in_as(make_user(*roles)).user

    return login


@pytest.fixture()
def as_candidate(client_for, make_user) -> UserClient:
    return client_for(make_user(Role.CANDIDATE))


@pytest.fixture()
def as_tutor(client_for, make_user) -> UserClient:
    return client_for(make_user(Role.TUTOR))


@pytest.fixture()
def as_juror(client_for, make_user) -> UserClient:
    return client_for(make_user(Role.JUROR))


@pytest.fixture()
def as_admin(client_for, make_user) -> UserClient:
    return client_for(make_user(Role.ADMIN))


@pytest.fixture()
def search_app(app_ctx, tmp_path, monkeypatch):
    """The app with a fresh index folder, kept in step with the database by the session listener.

    Jobs run in huey's immediate mode here even when the suite runs against a real queue
    (JOBS_URL=redis://…), so reindexing after a commit and scheduled extraction run inline.
    """
    from jobs.queue import huey
    from search import init_search

    monkeypatch.setattr(huey, "immediate", True)
    monkeypatch.setitem(app_ctx.config, "SEARCH_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.delitem(app_ctx.config, "SEARCH_SYNC", raising=False)
    # Restore whatever the app had (create_app may call init_search itself) after the test.
    monkeypatch.setitem(app_ctx.extensions, "search", app_ctx.extensions.get("search", {}))
    init_search(app_ctx)
    return app_ctx


@pytest.fixture()
def jury(app_ctx, make_user):
    """A session with a president and a second juror examining one candidate's submission (tests/factories.py)."""
    from tests import factories

    return factories.build_jury(make_user)

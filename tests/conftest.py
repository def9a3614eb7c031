"""Shared fixtures: an app on a migrated database, a test client, and users per role.

Which parts the suite runs against is chosen by environment, never by editing tests:
- TEST_DATABASE_URL: a PostgreSQL URL, or unset for a fresh SQLite file per session;
- STORAGE_BACKEND=minio with MINIO_* variables, or the local folder by default;
- JOBS_URL: `memory://` (huey immediate mode, the default here) or a real queue.
With CI=true, a configured production part that does not answer fails the run.
"""
from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

# A real queue by default (SQLite file; CI's second run sets Redis). Tests run jobs in huey's
# immediate mode unless marked `real_worker`, in which case they start a consumer process.
os.environ.setdefault("JOBS_URL", f"sqlite:///{tempfile.gettempdir()}/probatio-test-jobs-{os.getpid()}.db")
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from accounts import services as account_services  # noqa: E402
from accounts.models import Role  # noqa: E402
from app import create_app  # noqa: E402
from extensions import db  # noqa: E402

pytest_plugins = ["tests.browser_fixtures"]

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


@pytest.fixture()
def job_worker(app_ctx):
    """A real huey consumer process on the configured queue, sharing the test database and store.

    Use with @pytest.mark.real_worker so that enqueued jobs are not run in the request.
    """
    import subprocess
    import sys

    config = app_ctx.config
    env = {
        **os.environ,
        "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
        "STORAGE_DIR": config["STORAGE_DIR"],
        "SEARCH_INDEX_DIR": config["SEARCH_INDEX_DIR"],
    }
    root = Path(__file__).resolve().parent.parent
    consumer = subprocess.Popen(
        [str(Path(sys.executable).parent / "huey_consumer"), "worker.huey", "--workers", "1", "--delay", "0.1"],
        cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield consumer
    consumer.terminate()
    try:
        consumer.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        consumer.kill()


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
        # The index follows the database only in the tests that ask for it (tests/search).
        "SEARCH_SYNC": "off",
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
def client(app_ctx):
    return app_ctx.test_client()


@pytest.fixture()
def make_user(app_ctx):
    counter = iter(range(1, 10_000))

    def make(*roles: Role, email: str | None = None, name: str | None = None, password: str = PASSWORD):
        n = next(counter)
        label = "-".join(r.value for r in roles) or "sans-role"
        return account_services.create_user(
            email or f"{label}{n}@test.probatio.fr", name or f"Utilisateur {label} {n}", set(roles), password=password
        )

    return make


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


class Browser:
    """Drives the test client the way a user does: reads the CSRF token from the page, posts forms."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def token(self, url: str = "/connexion") -> str:
        return csrf_token_from(self.client.get(url).get_data(as_text=True))

    def post(self, url, data=None, token_from: str | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(token_from or url))
        return self.client.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        return self.post("/connexion", {"email": email, "password": password})


@pytest.fixture()
def browser(client) -> Browser:
    return Browser(client)


@pytest.fixture()
def login_as(browser, make_user):
    def login(*roles: Role):
        user = make_user(*roles)
        response = browser.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login

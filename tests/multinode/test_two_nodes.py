"""Two app nodes for real (production pass only): two gunicorn processes on two ports, started
as the README's production recipe starts them, on the same PostgreSQL, S3 server and Redis, with
SEARCH_BACKEND=postgresql and a huey consumer.

A candidate logs in and uploads a log through node 1; once the worker has extracted it, its
content is found through node 2; the session, the CSRF token and the download work across the
nodes; the second node, its database link cut, answers a search with a French page, not a 500.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html import unescape
from pathlib import Path

import pytest

from accounts.models import Role
from evidence.models import EvidenceVersion
from extensions import db
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
WAIT_SECONDS = 120


def _production_parts() -> bool:
    return (
        os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")
        and os.environ.get("JOBS_URL", "").startswith("redis://")
        and os.environ.get("STORAGE_BACKEND") == "minio"
    )


pytestmark = [
    pytest.mark.real_worker,
    pytest.mark.skipif(not _production_parts(), reason="deux nœuds : passe « production » seulement (PostgreSQL, S3, Redis)"),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpRelay:
    """A TCP relay to PostgreSQL that the test can cut, as a network failure would."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.open:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        self.open = False
        self.server.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass


class Browser:
    """A person's browser: one cookie jar for every node (cookies are not per port)."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        status, body, _headers = self.exchange(url, data, headers)
        return status, body

    def exchange(self, url: str, data: bytes | None = None, headers: dict | None = None):
        try:
            with self.opener.open(urllib.request.Request(url, data=data, headers=headers or {}), timeout=60) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    def get(self, url: str) -> tuple[int, str]:
        status, body = self.request(url)
        return status, body.decode("utf-8", "replace")

    def post_form(self, url: str, fields: dict) -> int:
        return self.request(url, urllib.parse.urlencode(fields).encode(), {"Content-Type": "application/x-www-form-urlencoded"})[0]

    def post_files(self, url: str, token: str, files: list[tuple[str, bytes]]) -> tuple[int, str]:
        boundary = secrets.token_hex(12)
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'.encode()]
        for name, content in files:
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        status, body = self.request(url, b"".join(parts), {
            "Content-Type": f"multipart/form-data; boundary={boundary}", "HX-Request": "true"})
        return status, body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return unescape(match.group(1))


@pytest.fixture()
def node_env(app_ctx):
    database_url = app_ctx.config["SQLALCHEMY_DATABASE_URI"]
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SEARCH_BACKEND": "postgresql",
        "SECRET_KEY": secrets.token_hex(32),
        "OMP_THREAD_LIMIT": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


@pytest.fixture()
def start_node(node_env, tmp_path):
    """`start_node(database_url=None)`: a gunicorn process (2 workers) on a free port; its base URL."""
    started: list[subprocess.Popen] = []

    def start(database_url: str | None = None) -> str:
        port = _free_port()
        start.logs.append(tmp_path / f"node-{port}.log")
        env = dict(node_env, **({"DATABASE_URL": database_url} if database_url else {}))
        log = open(tmp_path / f"node-{port}.log", "w")
        process = subprocess.Popen(
            [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "120", "app:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        started.append(process)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp_path / f"node-{port}.log").read_text()
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"gunicorn on port {port} did not start")

    start.logs = []
    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_upload_on_one_node_is_found_and_downloaded_on_the_other(app_ctx, node_env, start_node, start_consumer, make_user, password):
    candidate = make_user(Role.CANDIDATE, name="Nadia Deux-Nœuds")
    evidence = factories.make_evidence(factories.make_portfolio(candidate), title="Journal du commutateur")
    db.session.commit()
    consumer = start_consumer(SEARCH_BACKEND="postgresql", SECRET_KEY=node_env["SECRET_KEY"])
    engine_url = app_ctx.config["SQLALCHEMY_DATABASE_URI"]
    parsed = urllib.parse.urlsplit(engine_url.replace("postgresql+psycopg", "postgresql"))
    relay = TcpRelay((parsed.hostname or "127.0.0.1", parsed.port or 5432))
    node_1 = start_node()
    node_2 = start_node(engine_url.replace(f"{parsed.hostname}:{parsed.port or 5432}", f"127.0.0.1:{relay.port}"))
    browser = Browser()

    # Log in on node 1; the session is valid on node 2 (same secret key, server-side state in PostgreSQL).
    status, page = browser.get(f"{node_1}/connexion")
    assert status == 200
    assert browser.post_form(f"{node_1}/connexion", {"email": candidate.email, "password": password, "csrf_token": csrf_token(page)}) == 302
    status, home = browser.get(f"{node_2}/")
    assert status == 200 and "Nadia" in home

    # Upload through node 1 with a token from node 1; a second upload through node 2 with that same token.
    token = csrf_token(browser.get(f"{node_1}/preuves/{evidence.id}")[1])
    content = b"2026-12-01 commutateur coeur : port Gi0/7 en erreur hyperbolique\n" * 200
    status, body = browser.post_files(f"{node_1}/preuves/{evidence.id}/fichiers", token, [("commutateur.log", content)])
    assert status == 200, body[:2000]
    status, body = browser.post_files(f"{node_2}/preuves/{evidence.id}/fichiers", token, [("notes.txt", b"notes de reprise\n")])
    assert status == 200, body[:2000]

    # Once the worker has extracted the text, node 2 finds it (the index is PostgreSQL's).
    deadline = time.monotonic() + WAIT_SECONDS
    found = ""
    while time.monotonic() < deadline:
        status, found = browser.get(f"{node_2}/recherche?q=hyperbolique")
        assert status == 200
        if "commutateur.log" in found:
            break
        time.sleep(0.5)
    assert "commutateur.log" in found and "<mark>hyperbolique</mark>" in found, consumer.output()[-3000:]

    db.session.expire_all()
    version = db.session.scalar(db.select(EvidenceVersion).where(EvidenceVersion.filename == "commutateur.log"))
    assert version.extraction_status == "done"
    # The node answers with a short-lived signed link to the object store (the bytes never pass
    # through the app), which the browser follows.
    status, _body, headers = browser.exchange(f"{node_2}/versions/{version.id}/telechargement")
    assert status == 302, status
    with urllib.request.urlopen(urllib.parse.urljoin(node_2, headers["Location"]), timeout=60) as response:
        assert response.read() == content

    # Node 2 loses its database link in the middle of its work: a French page, not a 500.
    relay.cut()
    status, page = browser.get(f"{node_2}/recherche?q=hyperbolique")
    assert status == 503, start_node.logs[1].read_text()[-5000:]
    assert "momentanément indisponible" in page or "ne répond pas" in page
    # Node 1 goes on.
    status, found = browser.get(f"{node_1}/recherche?q=hyperbolique")
    assert status == 200 and "commutateur.log" in found

"""Finding 7 (second half): an upload whose body stops short of its Content-Length is abandoned
after UPLOAD_IDLE_TIMEOUT seconds of silence, with a French message, and nothing is stored."""
from __future__ import annotations

import hashlib
import secrets
import socket

import pytest

from accounts.models import Role
from evidence.models import EvidenceVersion
from extensions import db
from storage.access import object_store
from storage.base import content_key
from tests import factories

BOUNDARY = "----probatio-test-boundary"
CONTENT_LINE = b"2026-12-01 09:00:00 pare-feu: regle 12 appliquee\n"


@pytest.fixture()
def uploader(live_browser, make_user, password, app_ctx, monkeypatch):
    """A logged-in candidate of the live server, their evidence, and a short idle timeout."""
    monkeypatch.setitem(app_ctx.config, "UPLOAD_IDLE_TIMEOUT", 1)
    user = make_user(Role.CANDIDATE)
    evidence = factories.make_evidence(factories.make_portfolio(user, factories.make_certification()))
    browser = live_browser()
    assert browser.log_in(user.email, password) == 302
    # New content each time: the object store outlives a test, and a stored object is kept.
    content = CONTENT_LINE * 50 + secrets.token_hex(16).encode()
    return browser, evidence.id, browser.token(f"/preuves/{evidence.id}"), content


def _body(content: bytes) -> bytes:
    return (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"pare-feu.log\"\r\n"
        f"Content-Type: text/plain\r\n\r\n"
    ).encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def _post_upload(browser, evidence_id: int, token: str, content: bytes, announced_extra: int) -> tuple[int, str]:
    """Send the whole multipart body, announcing `announced_extra` bytes more than it holds, and
    wait (as a patient client would, up to a minute) for the answer."""
    body = _body(content)
    head = (
        f"POST /preuves/{evidence_id}/fichiers HTTP/1.1\r\nHost: {browser.host}:{browser.port}\r\n"
        f"Cookie: {browser.cookie}\r\nX-CSRFToken: {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body) + announced_extra}\r\n\r\n"
    ).encode()
    with socket.create_connection((browser.host, browser.port), timeout=60) as connection:
        connection.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"</html>"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    return int(status_line.split()[1]), rest.decode("utf-8", "replace")


def _stored(content: bytes) -> bool:
    db.session.expire_all()
    key = content_key(hashlib.sha256(content).hexdigest())
    return db.session.query(EvidenceVersion).count() > 0 or object_store().exists(key)


def test_a_complete_body_is_stored(uploader):
    status, _ = _post_upload(*uploader, announced_extra=0)
    assert status == 303
    assert _stored(uploader[3])


def test_a_body_shorter_than_announced_is_abandoned_and_nothing_is_kept(uploader):
    status, page = _post_upload(*uploader, announced_extra=4096)
    assert status == 408
    assert "Envoi interrompu" in page and "aucun fichier n&#39;a été enregistré" in page
    assert not _stored(uploader[3])

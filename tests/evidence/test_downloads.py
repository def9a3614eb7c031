"""Downloads: always an attachment, never rendered by the client, only for who may view.

The local backend streams the object; the minio backend redirects to a short-lived presigned
URL, which is then fetched as a browser would."""
from __future__ import annotations

import io
import time
import urllib.request
from urllib.parse import quote

import pytest

from accounts.models import Role
from storage.access import object_store
from extensions import db
from tests import factories
from tests.evidence.samples import pdf_bytes, png_bytes, svg_with_script, unique_text, versions_of


def download(client, version):
    """(status, body, headers) as the browser ends up seeing them, whichever the backend."""
    response = client.get(f"/versions/{version.id}/telechargement")
    if object_store().name == "minio":
        assert response.status_code == 302, response.get_data(as_text=True)
        location = response.headers["Location"]
        assert "X-Amz-Signature=" in location and "X-Amz-Expires=" in location
        with urllib.request.urlopen(location, timeout=30) as remote:
            return remote.status, remote.read(), remote.headers
    return response.status_code, response.get_data(), response.headers


def uploaded(workspace, content: bytes, name: str):
    response = workspace.upload((content, name))
    assert response.status_code == 200, response.get_data(as_text=True)
    return versions_of(workspace.evidence)[-1]


def test_a_download_is_an_attachment_with_the_exact_bytes(workspace):
    content = pdf_bytes()
    version = uploaded(workspace, content, "schéma réseau.pdf")
    status, body, headers = download(workspace.client, version)
    assert status == 200 and body == content
    disposition = headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('schéma réseau.pdf', safe='')}" in disposition
    assert headers["Content-Type"] == "application/octet-stream"


def test_local_downloads_carry_the_protective_headers(workspace):
    if object_store().name != "local":
        pytest.skip("headers set by the app when it streams (local backend)")
    version = uploaded(workspace, unique_text(), "journal.log")
    response = workspace.client.get(f"/versions/{version.id}/telechargement")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["Content-Length"] == str(version.size)


def test_an_svg_with_a_script_is_stored_but_only_ever_downloaded(workspace):
    content = svg_with_script()
    version = uploaded(workspace, content, "topologie.svg")
    assert version.media_type == "image/svg+xml"
    status, body, headers = download(workspace.client, version)
    assert status == 200 and body == content
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["Content-Type"] == "application/octet-stream"
    if object_store().name == "local":
        assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_ranges_and_revalidation_on_the_local_backend(workspace):
    if object_store().name != "local":
        pytest.skip("the S3 server answers ranges itself")
    content = unique_text("0123456789\n")
    version = uploaded(workspace, content, "sortie.txt")
    url = f"/versions/{version.id}/telechargement"
    partial = workspace.client.get(url, headers={"Range": "bytes=0-3"})
    assert partial.status_code == 206 and partial.get_data() == content[:4]
    etag = workspace.client.get(url).headers["ETag"]
    assert workspace.client.get(url, headers={"If-None-Match": etag}).status_code == 304


def status_for(client_for, user, url: str) -> int:
    """GET `url` as `user`, from a client of their own."""
    return client_for(user).get(url).status_code


@pytest.mark.parametrize("role, allowed", [
    ("tutor_of_portfolio", True), ("admin", True), ("juror", False), ("other_candidate", False), ("other_tutor", False),
])
def test_who_may_download(client_for, workspace, app_ctx, make_user, role, allowed):
    tutor = make_user(Role.TUTOR)
    workspace.portfolio.tutors.append(tutor)
    db.session.commit()
    version = uploaded(workspace, unique_text(), "journal.log")
    user = {
        "tutor_of_portfolio": tutor, "admin": make_user(Role.ADMIN), "juror": make_user(Role.JUROR),
        "other_candidate": make_user(Role.CANDIDATE), "other_tutor": make_user(Role.TUTOR),
    }[role]
    expected = (302 if object_store().name == "minio" else 200) if allowed else 403
    assert status_for(client_for, user, f"/versions/{version.id}/telechargement") == expected


def test_an_unknown_version_is_not_found(workspace):
    assert workspace.client.get("/versions/999999/telechargement").status_code == 404


def test_previews_and_thumbnails_follow_the_same_rule(client_for, workspace, make_user, app_ctx):
    version = uploaded(workspace, png_bytes(), "capture.png")
    stranger = make_user(Role.CANDIDATE)
    for path in ("apercu", "miniature", "texte", "telechargement"):
        assert status_for(client_for, stranger, f"/versions/{version.id}/{path}") == 403, path


def test_jurors_read_the_versions_frozen_in_submissions_they_examine(app_ctx, make_user):
    """A juror reaches a file through the session's submission, never the live draft's other files."""
    from accounts.policy import Permission, may
    from grading import sessions
    from portfolio.submissions import submit_portfolio

    admin, juror, outsider = make_user(Role.ADMIN), make_user(Role.JUROR), make_user(Role.JUROR)
    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate, factories.make_certification(code="RNCP-LECTURE"))
    evidence = factories.make_evidence(portfolio)
    frozen = factories.add_version(evidence, b"journal fige\n", "fige.log", "text/plain")
    factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    submission = submit_portfolio(portfolio, candidate)
    later = factories.add_version(evidence, b"ajout apres depot\n", "fige.log", "text/plain", file=frozen.file)
    session = sessions.create_session(portfolio.certification, sessions.SessionFields(starts_at=factories.SESSION_START, place="Salle 1"), actor=admin)
    sessions.add_member(session, juror, actor=admin, is_president=True)
    sessions.assign_submission(session, submission, actor=admin)
    assert may(juror, Permission.READ_EVIDENCE_FILE, frozen)
    assert not may(juror, Permission.READ_EVIDENCE_FILE, later)
    assert not may(outsider, Permission.READ_EVIDENCE_FILE, frozen)


def test_storage_gc_keeps_exported_files(app_ctx, make_user):
    """Objects held by job results (exports, archives) are not garbage."""
    from datetime import timedelta

    from storage.gc import collect_garbage
    from jobs.models import Job

    export = object_store().put(io.BytesIO(b"%PDF export"), 11)
    orphan = object_store().put(io.BytesIO(b"orphelin"), 8)
    db.session.add(Job(id="33333333-3333-3333-3333-333333333333", kind="export", title="Export", state="done",
                       result={"object_key": export.key, "filename": "x.pdf"}))
    db.session.commit()
    time.sleep(1.1)  # S3 servers give Last-Modified to the second, rounded up (Swift)
    removed = collect_garbage(grace=timedelta(0))
    assert orphan.key in removed and export.key not in removed
    assert object_store().exists(export.key)

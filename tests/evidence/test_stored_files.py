"""Reading stored versions through the backend that recorded them, what an upload announces, and
storage garbage collection's reference providers, through the real app and the configured store."""
from __future__ import annotations

import io
import logging
import time
from datetime import timedelta

import pytest

from accounts.models import Role
from evidence.files import StoredElsewhere, open_version
from evidence.signals import version_stored
from extensions import db
from portfolio.submissions import submit_portfolio
from search.extraction import extract_version
from storage.access import object_store
from storage.cli import cli as storage_cli
from storage.gc import CollectionRefused, collect_garbage, register_references
from tests import factories
from tests.evidence.samples import png_bytes, unique_text, versions_of

ELSEWHERE = "non configuré ici"


def uploaded(workspace, content: bytes, name: str):
    response = workspace.upload((content, name))
    assert response.status_code == 200, response.text
    return versions_of(workspace.evidence)[-1]


def moved_away(version):
    """The version as recorded by a store this instance no longer uses (the object is still in the
    configured store: reading it there would be the mistake)."""
    version.backend = "ancien-stockage"
    db.session.commit()
    assert object_store().exists(version.object_key)
    return version


# --- a version held by another backend is refused, never read from the configured store -----------

def test_open_version_reads_its_own_backend_and_refuses_another(workspace):
    content = unique_text()
    version = uploaded(workspace, content, "journal.log")
    with open_version(version) as stream:
        assert stream.read() == content
    moved_away(version)
    with pytest.raises(StoredElsewhere) as refusal:
        open_version(version)
    assert "« ancien-stockage », non configuré ici" in str(refusal.value)


def test_the_text_preview_says_why_it_cannot_show_the_file(workspace):
    version = moved_away(uploaded(workspace, unique_text("secret du journal\n"), "journal.log"))
    response = workspace.client.get(f"/versions/{version.id}/apercu", headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.text
    assert "Aperçu impossible" in body and ELSEWHERE in body
    assert "secret du journal" not in body


@pytest.mark.parametrize("path", ["texte", "telechargement"])
def test_the_text_page_and_the_download_are_refused(workspace, path):
    version = moved_away(uploaded(workspace, unique_text("secret du journal\n"), "journal.log"))
    response = workspace.client.get(f"/versions/{version.id}/{path}")
    assert response.status_code == 503
    assert ELSEWHERE in response.text and "secret du journal" not in response.text


def test_a_thumbnail_is_refused(workspace):
    version = moved_away(uploaded(workspace, png_bytes(), "capture.png"))
    response = workspace.client.get(f"/versions/{version.id}/miniature")
    assert response.status_code == 503
    assert ELSEWHERE in response.text


def test_extraction_fails_with_the_reason(workspace):
    version = moved_away(uploaded(workspace, unique_text("secret du journal\n"), "journal.log"))
    extract_version(version)
    assert version.extraction_status == "failed"
    assert version.extraction_error.startswith("Fichier illisible dans le stockage : ")
    assert ELSEWHERE in version.extraction_error
    assert version.extracted_text is None


def test_the_dossier_names_the_file_it_could_not_read(app_ctx, make_user):
    from exports.tasks import build_document

    candidate = make_user(Role.CANDIDATE)
    portfolio = factories.make_portfolio(candidate)
    evidence = factories.make_evidence(portfolio)
    moved_away(factories.add_version(evidence, unique_text(), "ancien.log", "text/plain"))
    factories.claim(evidence, portfolio.certification.blocs[0].evaluations[0].criteria[0])
    _, problems = build_document(submit_portfolio(portfolio, candidate), "dossier")
    assert any("ancien.log" in problem and ELSEWHERE in problem for problem in problems), problems


# --- what an upload announces -------------------------------------------------------------------

def test_a_stored_version_is_announced_once_after_its_commit(workspace):
    announced = []

    def receiver(_app, version, **_extra):
        announced.append((version.id, version.filename))

    with version_stored.connected_to(receiver):
        content = unique_text()
        uploaded(workspace, content, "journal.log")
        workspace.upload((content, "copie.log"))  # a duplicate: nothing new
        workspace.upload((b"", "vide.log"))  # refused
    [version] = versions_of(workspace.evidence)
    assert announced == [(version.id, "journal.log")]


def test_a_failing_receiver_never_fails_an_upload_already_stored(workspace, caplog):
    def queue_down(_app, version, **_extra):
        raise ConnectionError("file d'attente injoignable (panne simulée)")

    with version_stored.connected_to(queue_down), caplog.at_level(logging.ERROR):
        response = workspace.upload((unique_text(), "journal.log"))
    assert response.status_code == 200
    assert "« journal.log » enregistré." in response.text
    [version] = versions_of(workspace.evidence)
    assert f"A receiver of version_stored failed for version {version.id}" in caplog.text


def test_search_extracts_the_text_of_an_upload(workspace):
    """search connects to version_stored in init_search; jobs run inline in these tests."""
    version = uploaded(workspace, unique_text("règle 12 : refus du port 23\n"), "pare-feu.log")
    db.session.refresh(version)
    assert version.extraction_status == "done", version.extraction_error
    assert "refus du port 23" in version.extracted_text


# --- garbage collection's reference providers ---------------------------------------------------

def test_storage_gc_refuses_to_run_without_reference_providers(app_ctx, monkeypatch):
    orphan = object_store().put(io.BytesIO(unique_text("orphelin\n")))
    monkeypatch.setitem(app_ctx.extensions, "storage_references", [])
    result = app_ctx.test_cli_runner().invoke(storage_cli.cli, ["gc", "--grace-minutes", "0"])
    assert result.exit_code != 0
    assert "Nettoyage du stockage refusé : aucune source de références" in result.output
    with pytest.raises(CollectionRefused):
        collect_garbage(dry_run=True, grace=timedelta(0))
    assert object_store().exists(orphan.key)


def test_storage_gc_keeps_what_any_registered_provider_references(app_ctx, monkeypatch):
    kept = object_store().put(io.BytesIO(unique_text("tenu par un fournisseur\n")))
    orphan = object_store().put(io.BytesIO(unique_text("orphelin\n")))
    monkeypatch.setitem(app_ctx.extensions, "storage_references", list(app_ctx.extensions["storage_references"]))
    register_references(app_ctx, lambda backend: {kept.key} if backend == object_store().name else set())
    time.sleep(1.1)  # S3 servers give Last-Modified to the second, rounded up (Swift)
    removed = collect_garbage(grace=timedelta(0))
    assert orphan.key in removed and kept.key not in removed
    assert object_store().exists(kept.key) and not object_store().exists(orphan.key)

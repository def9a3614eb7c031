"""Uploads through the real app and the configured object store: what is kept, what is refused
and why, and what remains after faults (storage down, database refusing, concurrent uploads)."""
from __future__ import annotations

import hashlib
import io
import itertools
import os
import tarfile
import threading
import time
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import text

from accounts.models import Role
from storage.access import object_store
from storage.cli import cli as storage_cli
from storage.gc import collect_garbage
from evidence.uploads import UploadRefused, store_upload
from extensions import db
from storage.base import CHUNK_SIZE, content_key
from tests import factories
from tests.evidence.samples import FailingStore, RendezvousStore, docx_bytes, elf_bytes, jpeg_bytes, local_leftovers, pdf_bytes, pe_bytes, png_bytes, store_keys, unique_text, versions_of


def read_object(key: str) -> bytes:
    with object_store().open(key) as stream:
        return stream.read()


# --- what is kept -------------------------------------------------------------------------------

def test_a_screenshot_is_stored_and_recorded(workspace):
    content = png_bytes()
    response = workspace.upload((content, "capture-pare-feu.png"))
    assert response.status_code == 200
    assert "« capture-pare-feu.png » enregistré." in response.text
    [version] = versions_of(workspace.evidence)
    digest = hashlib.sha256(content).hexdigest()
    assert (version.number, version.filename, version.media_type) == (1, "capture-pare-feu.png", "image/png")
    assert (version.size, version.sha256, version.object_key) == (len(content), digest, content_key(digest))
    assert version.backend == object_store().name
    assert version.uploaded_by_id == workspace.candidate.id
    assert read_object(version.object_key) == content


def test_several_files_in_one_request_each_become_a_file(workspace):
    files = [
        (png_bytes(), "routeur.png"), (jpeg_bytes(), "switch.JPG"), (unique_text(), "show-run.log"),
        (unique_text("#!/bin/bash\necho ok\n"), "sauvegarde.sh"), (pdf_bytes(), "plan.pdf"),
        (docx_bytes(), "procédure.docx"), (unique_text("Get-Service\n"), "audit.ps1"),
        (unique_text("- hosts: all\n"), "playbook.yml"),
    ]
    response = workspace.upload(*files)
    assert response.status_code == 200, response.text
    versions = versions_of(workspace.evidence)
    assert [v.filename for v in versions] == [name for _, name in files]
    assert [v.media_type for v in versions] == [
        "image/png", "image/jpeg", "text/plain", "text/x-shellscript", "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "text/x-powershell", "text/yaml",
    ]
    assert len({v.file_id for v in versions}) == len(files)


def test_a_new_version_keeps_the_earlier_ones(workspace):
    workspace.upload((unique_text("v1\n"), "plan.txt"))
    [first] = versions_of(workspace.evidence)
    response = workspace.upload((unique_text("v2\n"), "plan-corrigé.txt"), file_id=first.file_id)
    assert response.status_code == 200
    assert "(version 2)" in response.text
    versions = versions_of(workspace.evidence)
    assert [(v.file_id, v.number, v.filename) for v in versions] == [
        (first.file_id, 1, "plan.txt"), (first.file_id, 2, "plan-corrigé.txt"),
    ]
    assert read_object(versions[0].object_key).startswith(b"v1")


def test_identical_content_is_not_recorded_twice(workspace):
    content = unique_text()
    workspace.upload((content, "journal.log"))
    [version] = versions_of(workspace.evidence)
    again = workspace.upload((content, "journal.log"), file_id=version.file_id)
    assert again.status_code == 200
    assert "identique à la version actuelle (version 1)" in again.text
    as_new_file = workspace.upload((content, "copie.log"))
    assert "déjà dans cette preuve (« journal.log », version 1)" in as_new_file.text
    assert len(versions_of(workspace.evidence)) == 1


def test_a_path_from_an_old_browser_keeps_only_the_name(workspace):
    response = workspace.upload((png_bytes(), "C:\\Users\\camille\\Bureau\\capture.png"))
    assert response.status_code == 200
    assert [v.filename for v in versions_of(workspace.evidence)] == ["capture.png"]


def test_without_htmx_the_form_redirects_with_messages(workspace):
    response = workspace.upload((unique_text(), "commande.txt"), (b"", "vide.txt"), htmx=False)
    assert response.status_code == 303
    page = (workspace.client.get(response.headers["Location"])).text
    assert "« commande.txt » enregistré." in page
    assert "« vide.txt » : fichier vide" in page


def test_archives_only_when_allowed(workspace, app_ctx, monkeypatch):
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        data = unique_text()
        info = tarfile.TarInfo("config/routeur.conf")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    refused = workspace.upload((archive.getvalue(), "configs.tar.gz"))
    assert refused.status_code == 422
    assert "les archives (.tar.gz) ne sont pas acceptées" in refused.text
    monkeypatch.setitem(app_ctx.config, "ALLOW_ARCHIVES", True)
    accepted = workspace.upload((archive.getvalue(), "configs.tar.gz"), (docx_bytes(), "renommé.zip"))
    assert accepted.status_code == 200, accepted.text
    assert [v.media_type for v in versions_of(workspace.evidence)] == ["application/gzip", "application/zip"]


# --- what is refused, and why -------------------------------------------------------------------

def refused(workspace, content: bytes, name: str, status: int = 422) -> str:
    before = store_keys()
    response = workspace.upload((content, name))
    assert response.status_code == status, response.text
    assert versions_of(workspace.evidence) == []
    assert store_keys() == before
    return response.text


def test_an_empty_file_is_refused(workspace):
    assert "« vide.log » : fichier vide" in refused(workspace, b"", "vide.log")


@pytest.mark.parametrize("content, system", [(elf_bytes(), "Linux"), (pe_bytes(), "Windows")])
def test_an_executable_named_png_is_refused_and_told_why(workspace, content, system):
    message = refused(workspace, content, "capture.png")
    assert f"« capture.png » : refusé, ce fichier est un programme exécutable ({system}) et non une image PNG." in message


def test_a_pdf_that_is_not_a_pdf_is_refused(workspace):
    message = refused(workspace, unique_text("Ceci n'est pas un PDF.\n"), "rapport.pdf")
    assert "« rapport.pdf » : le contenu ne correspond pas à l'extension .pdf" in message
    assert "attendu : document PDF ; reçu : du texte" in message


def test_a_zip_named_docx_is_refused(workspace):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("notes.txt", "bonjour")
    assert "reçu : une archive ZIP" in refused(workspace, archive.getvalue(), "compte-rendu.docx")


def test_a_binary_named_log_is_refused(workspace):
    assert "reçu : une image PNG" in refused(workspace, png_bytes(), "journal.log")


def test_an_unlisted_extension_is_refused_with_the_list(workspace):
    message = refused(workspace, b"MZ" + b"\x00" * 200, "outil.exe")
    assert "type de fichier non accepté (.exe)" in message
    assert "captures d'écran (.png, .jpg, .jpeg, .webp)" in message


def test_a_path_escape_is_refused(workspace):
    message = refused(workspace, unique_text(), "../../etc/passwd")
    assert "« ../../etc/passwd » : le nom contient un chemin relatif (« .. »)" in message


def test_a_name_with_nul_or_control_characters_is_refused(workspace):
    assert "caractère nul" in refused(workspace, unique_text(), "journal\x00.png.log")
    assert "caractères de contrôle ou invisibles" in refused(workspace, unique_text(), "image\u202egnp.sh")


def test_the_service_refuses_bad_names_itself(workspace):
    for name in ("../../etc/passwd", "a\x00b.log", "..\\..\\boot.ini"):
        with pytest.raises(UploadRefused):
            store_upload(workspace.evidence, io.BytesIO(unique_text()), name, uploaded_by=workspace.candidate)


def test_a_file_over_the_limit_is_refused_and_leaves_nothing(workspace, app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "MAX_UPLOAD_MB", 1)
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1024 * 1024)
    leftovers = local_leftovers()
    message = refused(workspace, big, "capture-geante.png", status=413)
    assert "« capture-geante.png » : fichier trop volumineux : la limite est de 1 Mo par fichier." in message
    assert local_leftovers() == leftovers


class EndlessPng(io.RawIOBase):
    """A PNG that never ends: only a refusal while streaming can stop reading it."""

    def __init__(self):
        self.delivered = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = CHUNK_SIZE if size is None or size < 0 else size
        data = (b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8)) if self.delivered == 0 else b"\x00" * size
        self.delivered += len(data)
        return data


def test_the_limit_is_enforced_while_streaming(workspace, app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "MAX_UPLOAD_MB", 2)
    stream = EndlessPng()
    with pytest.raises(UploadRefused) as refusal:
        store_upload(workspace.evidence, stream, "sans-fin.png", uploaded_by=workspace.candidate)
    assert refusal.value.too_large
    assert stream.delivered <= 2 * 1024 * 1024 + 2 * CHUNK_SIZE
    assert versions_of(workspace.evidence) == []


def test_a_thousand_files_in_one_request_are_refused_and_nothing_is_kept(workspace):
    before = store_keys()
    files = [(unique_text(f"fichier {n}\n"), f"sortie-{n}.txt") for n in range(1000)]
    response = workspace.upload(*files)
    assert response.status_code == 400
    assert "Trop de fichiers dans un seul envoi : 20 au plus. Aucun fichier n'a été enregistré" in response.text
    assert versions_of(workspace.evidence) == []
    assert store_keys() == before


def test_a_request_without_files_is_a_bad_request(workspace):
    response = workspace.client.post(
        f"/preuves/{workspace.evidence.id}/fichiers", data={"csrf_token": workspace.token()},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Aucun fichier reçu" in response.text


def test_the_csrf_token_is_checked_before_anything_is_stored(workspace):
    before = store_keys()
    response = workspace.upload((png_bytes(), "capture.png"), token="jeton-forgé")
    assert response.status_code == 400
    assert "jeton de sécurité" in response.text
    assert store_keys() == before and versions_of(workspace.evidence) == []


def test_a_candidate_cannot_upload_to_someone_elses_evidence(workspace, make_user):
    stranger = make_user(Role.CANDIDATE)
    foreign = factories.make_evidence(factories.make_portfolio(stranger, workspace.portfolio.certification))
    before = store_keys()
    response = workspace.upload((png_bytes(), "intrusion.png"), evidence=foreign)
    assert response.status_code == 403
    assert store_keys() == before and versions_of(foreign) == []


def test_a_deleted_evidence_takes_no_upload(workspace):
    from evidence.services import delete_evidence

    delete_evidence(workspace.evidence)
    assert workspace.upload((png_bytes(), "capture.png")).status_code == 403


def test_a_version_of_another_evidences_file_is_refused(workspace):
    other = factories.make_evidence(workspace.portfolio, title="Autre preuve")
    workspace.upload((unique_text(), "a.log"), evidence=other)
    [version] = versions_of(other)
    response = workspace.upload((unique_text(), "b.log"), file_id=version.file_id)
    assert response.status_code == 404
    assert versions_of(workspace.evidence) == []


# --- faults -------------------------------------------------------------------------------------

def test_storage_down_mid_upload_records_nothing_and_a_retry_succeeds(workspace, replace_store):
    store = replace_store(FailingStore(object_store(), fail_after=100_000))
    content = b"\x89PNG\r\n\x1a\n" + bytes(itertools.islice(itertools.cycle(range(256)), 300_000)) + unique_text()
    ok = unique_text()
    before = store_keys()
    response = workspace.upload((ok, "petit.log"), (content, "schema-reseau.png"))
    assert response.status_code == 200  # one of the two files is stored
    body = response.text
    assert "« schema-reseau.png » : le stockage des fichiers n'a pas répondu, rien n'a été enregistré." in body
    assert [v.filename for v in versions_of(workspace.evidence)] == ["petit.log"]
    assert store_keys() - before == {content_key(hashlib.sha256(ok).hexdigest())}
    assert local_leftovers() == []

    alone = workspace.upload((content, "schema-reseau.png"))
    assert alone.status_code == 503
    store.down = False
    retry = workspace.upload((content, "schema-reseau.png"))
    assert retry.status_code == 200
    assert [v.filename for v in versions_of(workspace.evidence)] == ["petit.log", "schema-reseau.png"]
    assert read_object(versions_of(workspace.evidence)[1].object_key) == content


def test_two_tabs_uploading_new_versions_at_once_lose_nothing(client_for, workspace, app_ctx, replace_store):
    workspace.upload((unique_text("version initiale\n"), "plan.txt"))
    [first] = versions_of(workspace.evidence)
    # Both uploads store their object, then meet, then record at the same time: both compute
    # version 2, one commit wins, the other must count again and become version 3.
    replace_store(RendezvousStore(object_store(), parties=2))
    contents = [unique_text("onglet A\n"), unique_text("onglet B\n")]
    tabs = [client_for(workspace.candidate) for _ in contents]  # logged in here, before the race
    tokens = [tab.token("/") for tab in tabs]
    # Logging in committed: read now what the threads need, so they never touch this session.
    file_id, _ = first.file_id, workspace.evidence.id
    responses, errors = {}, []

    def tab(index: int):
        # A thread of its own: its requests get their own app context and database session.
        try:
            responses[index] = workspace.upload(
                (contents[index], f"plan-{index}.txt"), file_id=file_id, client=tabs[index], token=tokens[index]
            )
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=tab, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert [responses[i].status_code for i in range(2)] == [200, 200], [r.text for r in responses.values()]
    versions = versions_of(workspace.evidence)
    assert [v.number for v in versions] == [1, 2, 3]
    assert {v.sha256 for v in versions[1:]} == {hashlib.sha256(c).hexdigest() for c in contents}


@pytest.fixture()
def refuse_versions(app_ctx):
    """Install a trigger that makes every insert into evidence_versions fail: the database
    refusing the commit after the object was stored. Removed at the end of the test."""
    dialect = db.engine.dialect.name
    installed = []

    def install():
        with db.engine.begin() as connection:
            if dialect == "postgresql":
                connection.execute(text(
                    "CREATE FUNCTION refuse_version() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'panne simulée'; END; $$ LANGUAGE plpgsql"
                ))
                connection.execute(text(
                    "CREATE TRIGGER refuse_version BEFORE INSERT ON evidence_versions "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_version()"
                ))
            else:
                connection.execute(text(
                    "CREATE TRIGGER refuse_version BEFORE INSERT ON evidence_versions "
                    "BEGIN SELECT RAISE(ABORT, 'panne simulée'); END"
                ))
        installed.append(True)

    yield install
    db.session.rollback()
    if installed:
        with db.engine.begin() as connection:
            if dialect == "postgresql":
                connection.execute(text("DROP TRIGGER refuse_version ON evidence_versions"))
                connection.execute(text("DROP FUNCTION refuse_version()"))
            else:
                connection.execute(text("DROP TRIGGER refuse_version"))


def test_a_failed_commit_removes_the_stored_object(workspace, refuse_versions):
    refuse_versions()
    content = unique_text()
    response = workspace.upload((content, "journal.log"))
    assert response.status_code == 503
    assert "« journal.log » : la base de données n'a pas pu l'enregistrer" in response.text
    assert not object_store().exists(content_key(hashlib.sha256(content).hexdigest()))
    assert versions_of(workspace.evidence) == []


def test_a_failed_commit_keeps_an_object_another_version_references(workspace, refuse_versions):
    content = unique_text()
    other = factories.make_evidence(workspace.portfolio, title="Autre preuve")
    factories.add_version(other, content, "journal.log", "text/plain")
    refuse_versions()
    assert workspace.upload((content, "copie.log")).status_code == 503
    assert object_store().exists(content_key(hashlib.sha256(content).hexdigest()))


# --- garbage collection -------------------------------------------------------------------------

def test_storage_gc_removes_only_old_unreferenced_objects(workspace, app_ctx):
    kept = unique_text()
    workspace.upload((kept, "garde.log"))
    orphan = object_store().put(io.BytesIO(unique_text("orphelin\n")))
    runner = app_ctx.test_cli_runner()

    fresh = runner.invoke(storage_cli.cli, ["gc", "--dry-run"])
    assert fresh.exit_code == 0, fresh.output
    assert orphan.key not in fresh.output  # younger than the grace period: maybe an upload in flight

    time.sleep(1.1)  # S3 servers give Last-Modified to the second, rounded up (Swift)
    dry = runner.invoke(storage_cli.cli, ["gc", "--dry-run", "--grace-minutes", "0"])
    assert dry.exit_code == 0, dry.output
    assert orphan.key in dry.output and "simulation" in dry.output
    assert object_store().exists(orphan.key)

    result = runner.invoke(storage_cli.cli, ["gc", "--grace-minutes", "0"])
    assert result.exit_code == 0, result.output
    assert orphan.key in result.output
    assert not object_store().exists(orphan.key)
    [version] = versions_of(workspace.evidence)
    assert object_store().exists(version.object_key)
    assert version.object_key not in collect_garbage(dry_run=True, grace=timedelta(0))


# --- the multipart reader -----------------------------------------------------------------------

class Trickle(io.RawIOBase):
    """A request stream that hands out its bytes in small reads of varying sizes."""

    def __init__(self, data: bytes, sizes):
        self._data = memoryview(data)
        self._sizes = itertools.cycle(sizes)
        self._position = 0

    def readable(self):
        return True

    def read(self, size=-1):
        step = next(self._sizes) if size is None or size < 0 else min(size, next(self._sizes))
        chunk = bytes(self._data[self._position:self._position + step])
        self._position += len(chunk)
        return chunk


def encode_multipart(fields, boundary: bytes = b"----limite-7MA4YWxkTrZu0gW") -> bytes:
    out = io.BytesIO()
    for name, filename, value in fields:
        out.write(b"--" + boundary + b"\r\n")
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out.write(f"Content-Disposition: {disposition}\r\n".encode())
        if filename is not None:
            out.write(b"Content-Type: application/octet-stream\r\n")
        out.write(b"\r\n" + value + b"\r\n")
    out.write(b"--" + boundary + b"--\r\n")
    return out.getvalue()


@pytest.mark.parametrize("sizes", [(1,), (3, 7, 64), (4096,), (100_000, 1)])
def test_the_reader_returns_every_part_whatever_the_read_sizes(sizes):
    from evidence.multipart import MultipartReader

    boundary = b"----limite-7MA4YWxkTrZu0gW"
    tricky = b"\r\n--" + boundary[:-1] + b"\r\n-" + b"\r\n\r\n" * 3 + b"--" + boundary[:10]
    fields = [
        ("csrf_token", None, b"jeton"),
        ("files", "vide.txt", b""),
        ("files", "piege.bin", tricky + os.urandom(5000) + tricky),
        ("files", "C:\\Users\\x\\capture.png", b"\x89PNG" * 1000),
        ("file_id", None, b"12"),
    ]
    body = encode_multipart(fields, boundary)
    parts = [
        (part.name, part.filename, part.read())
        for part in MultipartReader(Trickle(body, sizes), boundary, read_size=max(sizes))
    ]
    assert parts == fields


def test_the_reader_refuses_malformed_bodies():
    from evidence.multipart import MalformedBody, MultipartReader

    boundary = b"limite"
    complete = encode_multipart([("files", "a.txt", b"contenu")], boundary)
    for body in (complete[:-12], b"sans delimiteur" * 2000, b"--limite\r\n" + b"X-En-tete: " + b"a" * 20_000):
        with pytest.raises(MalformedBody):
            for part in MultipartReader(io.BytesIO(body), boundary):
                part.read()


def test_several_files_may_exceed_the_single_file_request_limit(workspace, app_ctx, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setitem(app_ctx.config, "MAX_CONTENT_LENGTH", 1024 * 1024 + 512 * 1024)
    files = [(unique_text("x" * 900_000), f"sortie-{n}.txt") for n in range(3)]
    response = workspace.upload(*files)
    assert response.status_code == 200, response.text
    assert len(versions_of(workspace.evidence)) == 3


# --- in a real browser (static/js/upload.js) ---------------------------------------------------

def test_each_file_gets_its_bar_and_a_failed_one_can_be_retried_alone(log_in, page, make_user, tmp_path, replace_store):

    user = make_user(Role.CANDIDATE)
    evidence = factories.make_evidence(factories.make_portfolio(user))
    store = replace_store(FailingStore(object_store(), fail_after=50_000))
    log_in(page, user.email)
    page.goto(f"/preuves/{evidence.id}")
    form = page.locator("form[data-upload]").last
    log, schema, program = tmp_path / "show-run.log", tmp_path / "schema.png", tmp_path / "outil.png"
    log.write_bytes(unique_text())
    schema.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(200_000))
    program.write_bytes(elf_bytes())
    form.locator("input[type=file]").set_input_files([str(log), str(schema), str(program)])

    items = form.locator(".upload-item")
    done, failed, refused = items.nth(0), items.nth(1), items.nth(2)
    page.wait_for_selector("text=« show-run.log » enregistré.")
    page.wait_for_selector("text=le stockage des fichiers n'a pas répondu")
    page.wait_for_selector("text=programme exécutable (Linux)")
    assert done.locator("progress").get_attribute("value") == "100"
    assert done.get_by_role("button", name="Réessayer l'envoi de show-run.log").is_hidden()
    assert failed.get_by_role("button", name="Réessayer l'envoi de schema.png").is_visible()
    assert refused.get_by_role("button", name="Annuler l'envoi de outil.png").is_hidden()

    store.down = False
    failed.get_by_role("button", name="Réessayer l'envoi de schema.png").click()
    page.wait_for_selector("text=« schema.png » enregistré.")
    assert [v.filename for v in versions_of(evidence)] == ["show-run.log", "schema.png"]
    form.get_by_role("link", name="Afficher les fichiers déposés").click()
    page.wait_for_selector("h3:has-text('schema.png')")


def test_files_dropped_on_the_form_are_uploaded(log_in, page, make_user):

    user = make_user(Role.CANDIDATE)
    evidence = factories.make_evidence(factories.make_portfolio(user))
    log_in(page, user.email)
    page.goto(f"/preuves/{evidence.id}")
    page.evaluate("""() => {
        const zone = [...document.querySelectorAll("[data-upload-drop]")].pop();
        const transfer = new DataTransfer();
        transfer.items.add(new File(["ip route 0.0.0.0 0.0.0.0 10.0.0.1\\n"], "routes.conf", {type: "text/plain"}));
        zone.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: transfer}));
        zone.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: transfer}));
    }""")
    page.wait_for_selector("text=« routes.conf » enregistré.")
    assert [v.media_type for v in versions_of(evidence)] == ["text/plain"]

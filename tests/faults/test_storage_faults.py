"""Faults of the object store: the S3 server stopped mid-upload, the object folder full.

Each ends with a French message, no half-written row, nothing left after gc, a clean scrub, and
the same upload succeeding once the fault is over.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import subprocess

import pytest

from storage import LocalStore, MinioStore

NOT_STORED = "le stockage des fichiers n'a pas répondu, rien n'a été enregistré. Réessayez ce fichier."


def big_log(megabytes: int) -> bytes:
    line = f"{os.urandom(16).hex()} connexion acceptée pour admin depuis 10.0.0.1\n".encode()
    return line * (megabytes * 1024 * 1024 // len(line))


@pytest.fixture()
def store_through(app_ctx):
    """`store_through(store)`: the app uses `store` for one test; its objects are removed after."""
    original = app_ctx.extensions["object_store"]
    installed = []

    def install(store):
        app_ctx.extensions["object_store"] = store
        installed.append(store)
        return store

    yield install
    app_ctx.extensions["object_store"] = original


def test_the_s3_server_stopped_mid_upload(uploader, s3_link, s3_server, store_through, recovered, make_log,
                                          empty_and_remove_bucket):
    bucket = f"probatio-fault-{secrets.token_hex(4)}"
    settings = dict(access_key=s3_server.access_key, secret_key=s3_server.secret_key, bucket=bucket,
                    region=s3_server.region)
    direct = MinioStore(endpoint=s3_server.endpoint, **settings)
    store = store_through(MinioStore(endpoint=s3_link.endpoint, **settings))
    try:
        small, content = make_log(1), big_log(25)  # 25 MB: a multipart upload, cut after its first part
        s3_link.cut_after = s3_link.sent + 12 * 1024 * 1024
        response = uploader.post(small, (content, "journal-complet.log"))
        assert s3_link.cut.is_set()
        # The file sent before the cut is kept; the one cut off is refused, in French.
        assert response.status_code == 200
        assert f"« journal-complet.log » : {NOT_STORED}" in response.text
        assert [v.filename for v in uploader.versions()] == ["journal-1.log"]

        # Still down: the next upload fails fast with the same message.
        again = uploader.post((content, "journal-complet.log"))
        assert again.status_code == 503 and NOT_STORED in again.text

        s3_link.restore()
        recovered(store)
        retry = uploader.post((content, "journal-complet.log"))
        assert retry.status_code == 200, retry.text
        assert [v.filename for v in uploader.versions()] == ["journal-1.log", "journal-complet.log"]
        assert uploader.versions()[1].sha256 == hashlib.sha256(content).hexdigest()
        recovered(store)
    finally:
        empty_and_remove_bucket(direct)


@pytest.fixture()
def small_filesystem(tmp_path):
    """A 3 MB tmpfs (mount needs root: CI has it; elsewhere the test is skipped)."""
    mount_point = tmp_path / "petit-disque"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: cannot mount a small tmpfs for the full-folder fault: {mounted.stderr}")
        pytest.skip(f"cannot mount a small tmpfs (needs root): {mounted.stderr.strip()}")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def test_the_object_folder_full(uploader, small_filesystem, store_through, recovered, make_log):
    store = store_through(LocalStore(small_filesystem / "objects"))
    first = uploader.post(make_log(1))
    assert first.status_code == 200
    filler = small_filesystem / "remplissage"
    with open(filler, "wb", buffering=0) as out:  # another program fills the disk
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    content = big_log(1)
    response = uploader.post((content, "journal-complet.log"))
    assert response.status_code == 503
    assert f"« journal-complet.log » : {NOT_STORED}" in response.text
    assert [v.filename for v in uploader.versions()] == ["journal-1.log"]
    assert list(store.temporary_uploads()) == [], "a failed write leaves no partial file"

    filler.unlink()
    recovered(store)
    retry = uploader.post((content, "journal-complet.log"))
    assert retry.status_code == 200, retry.text
    assert [v.filename for v in uploader.versions()] == ["journal-1.log", "journal-complet.log"]
    recovered(store)

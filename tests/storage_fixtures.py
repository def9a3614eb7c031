"""Storage fixtures: the S3 server (contract and fault suites), and a fresh store for one test.

The server is named by TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY and TEST_S3_SECRET_KEY (TEST_S3_REGION
optional), e.g. after
    eval "$(scripts/s3-server/start-swift.sh)"
or with PROBATIO_START_S3=1, which runs that script from here. Without a server, the tests that
need one are skipped, except with CI=true, where they fail: CI must prove both backends.
TEST_S3_VERIFIES_SIGNATURES=0 marks a server that accepts any signature (moto).
"""
from __future__ import annotations

import io
import os
import secrets
import shlex
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from storage import LocalStore, MinioStore

REPO_ROOT = Path(__file__).resolve().parents[1]
START_SWIFT = REPO_ROOT / "scripts" / "s3-server" / "start-swift.sh"
IN_CI = os.environ.get("CI") == "true"
S3_VARIABLES = ("TEST_S3_ENDPOINT", "TEST_S3_ACCESS_KEY", "TEST_S3_SECRET_KEY")


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str
    region: str
    verifies_signatures: bool

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.endpoint if "://" in self.endpoint else f"http://{self.endpoint}")
        return parts.hostname or "127.0.0.1", parts.port or (443 if parts.scheme == "https" else 80)

    def __repr__(self) -> str:
        return f"S3Server(endpoint={self.endpoint!r}, access_key={self.access_key!r})"


def _start_swift() -> dict[str, str]:
    """Run start-swift.sh (idempotent) and return the variables it prints."""
    try:
        # Generous: on a fresh machine the script may first apt-get install Swift.
        result = subprocess.run(
            ["bash", str(START_SWIFT)], capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{START_SWIFT} did not finish within 900 s")
    if result.returncode != 0:
        pytest.fail(f"{START_SWIFT} failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    variables = {}
    for line in result.stdout.splitlines():
        words = shlex.split(line)
        if len(words) == 2 and words[0] == "export" and "=" in words[1]:
            name, value = words[1].split("=", 1)
            variables[name] = value
    return variables


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"CI=true: the minio backend must be tested, but {reason}", pytrace=False)
    pytest.skip(f"minio backend not tested: {reason}")


@pytest.fixture(scope="session")
def s3_server() -> S3Server:
    """The S3 server for the minio backend; skips without one, fails in CI."""
    env = dict(os.environ)
    if env.get("PROBATIO_START_S3") == "1":
        env.update(_start_swift())
    missing = [name for name in S3_VARIABLES if not env.get(name)]
    if missing:
        _unavailable(
            f"{', '.join(missing)} unset (run `eval \"$(scripts/s3-server/start-swift.sh)\"` "
            "or set PROBATIO_START_S3=1)"
        )
    server = S3Server(
        endpoint=env["TEST_S3_ENDPOINT"],
        access_key=env["TEST_S3_ACCESS_KEY"],
        secret_key=env["TEST_S3_SECRET_KEY"],
        region=env.get("TEST_S3_REGION") or "us-east-1",
        verifies_signatures=env.get("TEST_S3_VERIFIES_SIGNATURES", "1") != "0",
    )
    try:
        socket.create_connection(server.host_port, timeout=3).close()
    except OSError as error:
        _unavailable(f"the S3 server at {server.endpoint} does not answer ({error})")
    return server


def _minio_store(server: S3Server, bucket: str, **overrides) -> MinioStore:
    settings = dict(
        endpoint=server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        bucket=bucket,
        region=server.region,
    )
    settings.update(overrides)
    return MinioStore(**settings)


@pytest.fixture(scope="session")
def minio_bucket(s3_server) -> Iterator[str]:
    """A bucket of its own for this test session, emptied and removed at the end."""
    bucket = f"probatio-test-{secrets.token_hex(4)}"
    yield bucket
    store = _minio_store(s3_server, bucket)
    client = store._client
    if not client.bucket_exists(bucket):
        return
    remove_bucket(store)


def remove_bucket(store: MinioStore) -> None:
    """Abort the bucket's unfinished uploads, delete every object in it (derived ones too), remove it."""
    client = store._client
    for upload in list(store._multipart_uploads()):
        client._abort_multipart_upload(store.bucket, upload.object_name, upload.upload_id)
    for item in client.list_objects(store.bucket, recursive=True):
        client.remove_object(store.bucket, item.object_name)
    client.remove_bucket(store.bucket)


@pytest.fixture()
def empty_and_remove_bucket():
    """`empty_and_remove_bucket(store)`: what a test that made its own bucket calls at the end."""
    return remove_bucket


def _temporary_leftovers(store) -> list[str]:
    """What an interrupted or refused upload might have left behind: temp files, temp keys, parts."""
    if isinstance(store, LocalStore):
        return sorted(p.name for p in store.tmp_dir.iterdir()) if store.tmp_dir.exists() else []
    client = store._client
    keys = [item.object_name for item in client.list_objects(store.bucket, prefix="tmp/", recursive=True)]
    uploads = [upload.object_name for upload in store._multipart_uploads()]
    return sorted(keys + [f"multipart:{name}" for name in uploads])


@pytest.fixture()
def leftovers():
    """`leftovers(store)`: what an interrupted or refused upload left behind (should be nothing)."""
    return _temporary_leftovers


@pytest.fixture()
def minio_store(s3_server):
    """`minio_store(bucket, **settings)`: a MinIO-backend store on the S3 server of the session."""
    return lambda bucket, **overrides: _minio_store(s3_server, bucket, **overrides)


@pytest.fixture()
def fresh_store(app_ctx, tmp_path):
    """An empty store of the configured backend (a new folder, or a new bucket) in place of the
    app's for one test, so that what a test checks is not mixed with other tests' objects."""
    from storage.factory import store_from_config

    original = app_ctx.extensions["object_store"]
    settings = dict(app_ctx.config)
    if original.name == "local":
        settings["STORAGE_DIR"] = str(tmp_path / "objects")
    else:
        settings["MINIO_BUCKET"] = f"probatio-fresh-{secrets.token_hex(4)}"
    store = store_from_config(settings)
    app_ctx.extensions["object_store"] = store
    yield store
    app_ctx.extensions["object_store"] = original
    if store.name == "minio":
        remove_bucket(store)


@pytest.fixture()
def overwrite():
    """`overwrite(store, key, data)`: replace the bytes under `key` behind the store's back (bit rot)."""

    def write(store, key: str, data: bytes) -> None:
        if store.name == "local":
            path = store._path("open", key)
            path.chmod(0o644)
            path.write_bytes(data)
        else:
            store._client.put_object(store.bucket, key, io.BytesIO(data), len(data))

    return write


class Uploader:
    """A logged-in candidate's evidence, and its upload form posted the way the browser does."""

    def __init__(self, client, evidence):
        self.client = client
        self.evidence = evidence

    def post(self, *files: tuple[bytes, str]):
        data = {"csrf_token": self.client.token("/"), "files": [(io.BytesIO(content), name) for content, name in files]}
        return self.client.post(
            f"/preuves/{self.evidence.id}/fichiers", data=data, content_type="multipart/form-data",
            headers={"HX-Request": "true"},
        )

    @staticmethod
    def versions() -> list:
        from evidence.models import EvidenceVersion
        from extensions import db

        db.session.expire_all()
        return list(db.session.scalars(db.select(EvidenceVersion).order_by(EvidenceVersion.id)))


@pytest.fixture()
def uploader(client, login_as) -> Uploader:
    """A candidate with a portfolio and an evidence, uploading through the real form."""
    from accounts.models import Role
    from tests import factories

    candidate = login_as(Role.CANDIDATE)
    return Uploader(client, factories.make_evidence(factories.make_portfolio(candidate)))


def log_file(n: int = 0, repeat: int = 50) -> tuple[bytes, str]:
    """A distinct text log (content, name): never the same bytes twice."""
    return f"journal {n} {os.urandom(8).hex()}\n".encode() * repeat, f"journal-{n}.log"


@pytest.fixture()
def make_log():
    """`make_log(n)`: a distinct log file (content, name) to upload."""
    return log_file


@pytest.fixture()
def storage_cli(app_ctx):
    """`storage_cli(*args)`: runs `flask storage <args>` in the app; the click Result."""
    runner = app_ctx.test_cli_runner()
    return lambda *args: runner.invoke(args=["storage", *args], catch_exceptions=False)

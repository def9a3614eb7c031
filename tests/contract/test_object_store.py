"""The ObjectStore contract: every backend passes the same tests (ids `[local]`, `[minio]`)."""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import socket
import threading
import stat
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest

from storage import (
    LocalStore,
    MinioStore,
    ObjectNotFound,
    ObjectTooLarge,
    StorageError,
    content_key,
    store_from_config,
)

FILENAME = "capture d'écran é.png"


def unique_bytes(size: int = 1000) -> bytes:
    """Content no other test stores, so that tests sharing a bucket never see each other's objects."""
    return os.urandom(size)


def read_all(store, key: str) -> bytes:
    with store.open(key) as stream:
        return stream.read()


class OneByteAtATime(io.RawIOBase):
    """A stream that returns fewer bytes than asked, like a network socket."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(1 if size != 0 else 0)


def test_put_open_round_trip(store):
    data = unique_bytes(300_000)
    ref = store.put(io.BytesIO(data))
    assert ref.backend == store.name
    assert ref.sha256 == hashlib.sha256(data).hexdigest()
    assert ref.size == len(data)
    assert ref.key == content_key(ref.sha256) == f"sha256/{ref.sha256[:2]}/{ref.sha256[2:4]}/{ref.sha256}"
    assert read_all(store, ref.key) == data


def test_put_reads_in_chunks(store):
    data = unique_bytes(2_500_000)
    with store.open(store.put(io.BytesIO(data)).key) as stream:
        chunks = iter(lambda: stream.read(1024 * 1024), b"")
        assert b"".join(chunks) == data


def test_put_with_and_without_length(store):
    data = unique_bytes(5000)
    with_length = store.put(io.BytesIO(data), len(data))
    store.delete(with_length.key)
    without_length = store.put(io.BytesIO(data))
    assert with_length == without_length
    assert read_all(store, without_length.key) == data


def test_put_from_a_stream_returning_short_reads(store):
    data = unique_bytes(3000)
    ref = store.put(OneByteAtATime(data), len(data))
    assert ref.size == 3000 and read_all(store, ref.key) == data


def test_put_with_wrong_length_fails_and_leaves_nothing(leftovers, store):
    data = unique_bytes(5000)
    for announced in (4000, 6000):
        with pytest.raises(StorageError, match="taille annoncée") as raised:
            store.put(io.BytesIO(data), announced)
        assert raised.value.backend == store.name and raised.value.action == "put"
    assert content_key(hashlib.sha256(data).hexdigest()) not in set(store.keys())
    assert leftovers(store) == []


def test_put_reports_progress(store):
    data = unique_bytes(2_500_000)
    seen: list[int] = []
    store.put(io.BytesIO(data), on_progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == len(data)


def test_dedup_same_content_same_single_object(leftovers, store):
    data = unique_bytes(4096)
    first = store.put(io.BytesIO(data))
    before = store.stat(first.key)
    second = store.put(io.BytesIO(data))
    assert first == second
    assert [key for key in store.keys() if key == first.key] == [first.key]
    assert store.stat(first.key) == before  # the stored object was kept, not rewritten
    assert leftovers(store) == []


@pytest.mark.parametrize("given_length", [False, True], ids=["stream", "announced"])
def test_max_size_exceeded_leaves_nothing(leftovers, store, given_length):
    limit = 12 * 1024 * 1024  # above one multipart part, so the S3 multipart upload gets aborted
    data = unique_bytes(limit + 1)
    with pytest.raises(ObjectTooLarge) as raised:
        store.put(io.BytesIO(data), len(data) if given_length else None, max_size=limit)
    error = raised.value
    assert isinstance(error, StorageError)
    assert error.backend == store.name and error.action == "put" and error.limit == limit
    assert "trop volumineux" in str(error) and "12 Mo" in str(error)
    assert content_key(hashlib.sha256(data).hexdigest()) not in set(store.keys())
    assert leftovers(store) == []


def test_max_size_stops_reading_as_soon_as_crossed(store):
    stream = io.BytesIO(unique_bytes(3 * 1024 * 1024))
    with pytest.raises(ObjectTooLarge):
        store.put(stream, max_size=1000)
    assert stream.tell() <= 1001


def test_announced_length_above_max_size_fails_before_reading(store):
    stream = io.BytesIO(unique_bytes(100))
    with pytest.raises(ObjectTooLarge):
        store.put(stream, 5000, max_size=1000)
    assert stream.tell() == 0


def test_max_size_reached_exactly_is_accepted(store):
    data = unique_bytes(1000)
    assert store.put(io.BytesIO(data), max_size=1000).size == 1000


def test_zero_byte_object(store):
    ref = store.put(io.BytesIO(b""))
    assert ref.size == 0
    assert ref.sha256 == hashlib.sha256(b"").hexdigest()
    assert read_all(store, ref.key) == b""
    assert store.stat(ref.key).size == 0


def test_open_missing_raises_object_not_found(store):
    key = content_key(hashlib.sha256(unique_bytes()).hexdigest())
    with pytest.raises(ObjectNotFound) as raised:
        store.open(key)
    assert raised.value.key == key and raised.value.action == "open"
    assert f"Stockage {store.name} : échec de la lecture (open)" in str(raised.value)
    assert "introuvable" in str(raised.value)


def test_stat_missing_raises_object_not_found(store):
    with pytest.raises(ObjectNotFound):
        store.stat(content_key(hashlib.sha256(unique_bytes()).hexdigest()))


def test_delete_is_idempotent(store):
    ref = store.put(io.BytesIO(unique_bytes()))
    store.delete(ref.key)
    store.delete(ref.key)
    assert not store.exists(ref.key)
    with pytest.raises(ObjectNotFound):
        store.open(ref.key)


def test_exists(store):
    data = unique_bytes()
    key = content_key(hashlib.sha256(data).hexdigest())
    assert store.exists(key) is False
    store.put(io.BytesIO(data))
    assert store.exists(key) is True


def test_stat(store):
    data = unique_bytes(1234)
    before = datetime.now(timezone.utc) - timedelta(minutes=2)
    ref = store.put(io.BytesIO(data))
    info = store.stat(ref.key)
    assert (info.key, info.size, info.sha256) == (ref.key, 1234, ref.sha256)
    assert info.modified is not None and before <= info.modified <= datetime.now(timezone.utc) + timedelta(minutes=2)


def test_keys_lists_stored_objects_only(store):
    refs = [store.put(io.BytesIO(unique_bytes())) for _ in range(3)]
    # An orphan of an interrupted upload must never look like an object.
    if isinstance(store, LocalStore):
        (store.tmp_dir / "put-orphan.part").write_bytes(b"half an upload")
    else:
        store._client.put_object(store.bucket, "tmp/orphan", io.BytesIO(b"half an upload"), 14)
    try:
        keys = list(store.keys())
        assert {ref.key for ref in refs} <= set(keys)
        assert len(keys) == len(set(keys))
        assert all(key.startswith("sha256/") for key in keys)
        store.delete(refs[0].key)
        assert refs[0].key not in set(store.keys())
    finally:
        if isinstance(store, MinioStore):
            store._client.remove_object(store.bucket, "tmp/orphan")


@pytest.mark.parametrize(
    "bad_key",
    ["../../etc/passwd", "sha256/../../../etc/passwd", "/etc/passwd", "sha256/ab/cd/" + "0" * 64, "tmp/x", ""],
)
def test_invalid_keys_are_refused(store, bad_key):
    for action, call in [
        ("open", lambda: store.open(bad_key)),
        ("stat", lambda: store.stat(bad_key)),
        ("exists", lambda: store.exists(bad_key)),
        ("delete", lambda: store.delete(bad_key)),
        ("url", lambda: store.url(bad_key, "x.txt")),
    ]:
        with pytest.raises(StorageError) as raised:
            call()
        error = raised.value
        assert not isinstance(error, ObjectNotFound)
        assert error.backend == store.name and error.action == action
        assert "clé invalide" in str(error)


def test_url(store):
    data = unique_bytes(2048)
    ref = store.put(io.BytesIO(data))
    url = store.url(ref.key, FILENAME)
    if isinstance(store, LocalStore):
        assert url is None  # the application streams local files itself
        return
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
        disposition = response.headers["Content-Disposition"]
        content_type = response.headers["Content-Type"]
    assert body == data
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''capture%20d%27%C3%A9cran%20%C3%A9.png" in disposition
    assert 'filename="capture d\'ecran e.png"' in disposition
    assert content_type == "application/octet-stream"


@pytest.mark.parametrize("backend", ["minio"])
def test_copy_above_single_copy_limit_goes_part_by_part(leftovers, minio_store, backend, s3_server, minio_bucket):
    # Real objects above 5 GiB are too big for a test: lower the limits to run the same code.
    store = minio_store(minio_bucket)
    store.single_copy_limit = store.copy_part_size = 5 * 1024 * 1024
    data = unique_bytes(12 * 1024 * 1024 + 7)
    ref = store.put(io.BytesIO(data))
    assert read_all(store, ref.key) == data
    assert store.stat(ref.key).size == len(data)
    assert leftovers(store) == []
    store.delete(ref.key)


@pytest.mark.parametrize("backend", ["minio"])
def test_expired_url_is_refused(minio_store, backend, s3_server, minio_bucket):
    if not s3_server.verifies_signatures:
        pytest.skip("needs a server that checks signatures (TEST_S3_VERIFIES_SIGNATURES=0)")
    store = minio_store(minio_bucket)
    ref = store.put(io.BytesIO(unique_bytes()))
    url = store.url(ref.key, FILENAME, expires=timedelta(seconds=1))
    time.sleep(2)
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(url, timeout=10)
    assert raised.value.code == 403


@pytest.mark.parametrize("backend", ["minio"])
def test_wrong_secret_key_gives_clear_error(minio_store, backend, s3_server, minio_bucket):
    if not s3_server.verifies_signatures:
        pytest.skip("needs a server that checks signatures (TEST_S3_VERIFIES_SIGNATURES=0)")
    wrong_secret = "not-the-secret-" + os.urandom(4).hex()
    store = minio_store(minio_bucket, secret_key=wrong_secret)
    with pytest.raises(StorageError) as raised:
        store.put(io.BytesIO(b"refused"))
    error = raised.value
    assert (error.backend, error.action) == ("minio", "put")
    assert str(error).startswith("Stockage minio : échec de l'enregistrement (put) — accès refusé")
    assert "identifiants" in str(error)
    for text in (str(error), repr(error), repr(store), str(error.__dict__)):
        assert wrong_secret not in text and s3_server.secret_key not in text
    with pytest.raises(StorageError, match=r"\(open\) — accès refusé"):
        minio_store(minio_bucket, secret_key=wrong_secret).open(
            content_key(hashlib.sha256(b"x").hexdigest())
        )


@pytest.mark.parametrize("backend", ["minio"])
def test_backend_down_fails_with_clear_error(backend):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now.
    store = MinioStore(f"127.0.0.1:{port}", "access", "secret-value", "probatio-down", connect_timeout=2)
    calls = [("put", lambda: store.put(io.BytesIO(b"x"))), ("stat", lambda: store.stat(content_key("a" * 64)))]
    for action, call in calls:
        with pytest.raises(StorageError) as raised:
            call()
        error = raised.value
        assert (error.backend, error.action) == ("minio", action)
        assert f"serveur injoignable (127.0.0.1:{port})" in str(error)
        assert "secret-value" not in str(error)


def test_errors_survive_pickling(store):
    with pytest.raises(ObjectTooLarge) as raised:
        store.put(io.BytesIO(b"too long"), max_size=3)
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is ObjectTooLarge
    assert (copy.backend, copy.action, copy.limit, str(copy)) == (store.name, "put", 3, str(raised.value))


@pytest.mark.parametrize("backend", ["local"])
def test_local_files_are_written_atomically(backend, tmp_path):
    store = LocalStore(tmp_path)
    ref = store.put(io.BytesIO(b"evidence"))
    path = tmp_path / ref.key
    assert path.read_bytes() == b"evidence"
    assert list(store.tmp_dir.iterdir()) == []
    assert stat.S_IMODE(path.stat().st_mode) == 0o444  # objects never change


@pytest.mark.parametrize("backend", ["local"])
def test_local_source_failure_passes_through_and_cleans_up(backend, tmp_path):
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def read(self, size=-1):
            raise ConnectionResetError("client went away")

    store = LocalStore(tmp_path)
    with pytest.raises(ConnectionResetError):
        store.put(Broken())
    assert list(store.tmp_dir.iterdir()) == []


def test_store_from_config(tmp_path):
    local = store_from_config({"STORAGE_BACKEND": "local", "STORAGE_DIR": str(tmp_path)})
    assert isinstance(local, LocalStore) and local.root == tmp_path
    minio = store_from_config(
        {
            "STORAGE_BACKEND": "minio",
            "MINIO_ENDPOINT": "127.0.0.1:9000",
            "MINIO_ACCESS_KEY": "probatio",
            "MINIO_SECRET_KEY": "very-secret-key",
            "MINIO_BUCKET": "probatio",
            "MINIO_SECURE": False,
            "MINIO_REGION": "us-east-1",
        }
    )
    assert isinstance(minio, MinioStore) and minio.name == "minio" and minio.bucket == "probatio"
    assert "very-secret-key" not in repr(minio) and "very-secret-key" not in str(vars(minio))
    with pytest.raises(StorageError, match="moteur de stockage inconnu"):
        store_from_config({"STORAGE_BACKEND": "ftp"})


def test_a_silent_server_gets_few_attempts_not_an_endless_wait():
    """A server that accepts connections and never answers: the store gives up after a few
    attempts (counted here, not timed) with a French message."""
    attempts = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        stop = threading.Event()

        def accept() -> None:
            held = []
            while not stop.is_set():
                try:
                    connection, _ = listener.accept()
                except OSError:
                    continue
                attempts.append(connection)
                held.append(connection)  # kept open, never answered
            for connection in held:
                connection.close()

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        store = MinioStore(f"127.0.0.1:{port}", "access", "secret-value", "probatio-silent", connect_timeout=1, read_timeout=0.5)
        try:
            with pytest.raises(StorageError) as raised:
                store.stat(content_key("b" * 64))
        finally:
            stop.set()
            thread.join(5)
    assert 1 <= len(attempts) <= 3
    assert raised.value.backend == "minio"
    assert "secret-value" not in str(raised.value)

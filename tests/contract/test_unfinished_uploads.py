"""What a process killed mid-upload leaves behind, and its removal by `collect_temporary`.

A real child process streams into the store and is killed with SIGKILL halfway: on the local
backend a file stays in root/tmp/, on S3 an unfinished multipart upload stays on the server.
"""
from __future__ import annotations

import io
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from storage import LocalStore
from storage.gc import collect_temporary

REPO = Path(__file__).resolve().parents[2]
# More than one S3 part (10 MiB): the SDK has started a multipart upload and sent a part.
SENT_BEFORE_HANGING = 15 * 1024 * 1024

CHILD = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
from storage import LocalStore, MinioStore

settings = json.loads(os.environ["STORE_SETTINGS"])
store = LocalStore(settings["root"]) if "root" in settings else MinioStore(**settings)


class Endless:
    # Random bytes up to a point, then it hangs, as a client whose connection stalls.
    sent = 0

    def read(self, size=-1):
        if self.sent >= int(os.environ["SENT_BEFORE_HANGING"]):
            open(os.environ["READY_FILE"], "w").close()
            time.sleep(3600)
        size = 1 << 20 if size is None or size < 0 else min(size, 1 << 20)
        self.sent += size
        return os.urandom(size)


store.put(Endless())
"""


@pytest.fixture()
def own_store(request, tmp_path, leftovers):
    """A store of its own per backend (its own bucket on S3), emptied at the end."""
    if request.param == "local":
        yield LocalStore(tmp_path / "objects"), {"root": str(tmp_path / "objects")}
        return
    server = request.getfixturevalue("s3_server")
    bucket = f"probatio-kill-{secrets.token_hex(4)}"
    store = request.getfixturevalue("minio_store")(bucket)
    empty_and_remove_bucket = request.getfixturevalue("empty_and_remove_bucket")
    settings = dict(endpoint=server.endpoint, access_key=server.access_key, secret_key=server.secret_key,
                    bucket=bucket, region=server.region)
    yield store, settings
    empty_and_remove_bucket(store)


def kill_mid_upload(settings: dict, tmp_path: Path, store, leftovers) -> None:
    """Run a put() in a child process and SIGKILL it once it has sent SENT_BEFORE_HANGING bytes."""
    ready = tmp_path / "ready"
    env = {**os.environ, "STORE_SETTINGS": json.dumps(settings), "READY_FILE": str(ready),
           "SENT_BEFORE_HANGING": str(SENT_BEFORE_HANGING)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(REPO)], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not (ready.exists() and leftovers(store)):
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the child never got halfway through its upload"
            time.sleep(0.1)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()


@pytest.mark.parametrize("own_store", ["local", "minio"], indirect=True)
def test_a_process_killed_mid_upload_leaves_a_partial_upload_that_gc_removes(own_store, tmp_path, leftovers):
    store, settings = own_store
    kept = store.put(io.BytesIO(os.urandom(2000)))
    kill_mid_upload(settings, tmp_path, store, leftovers)

    partial = leftovers(store)
    assert partial, "a killed upload leaves something behind"
    assert list(store.keys()) == [kept.key], "never listed as an object"
    if isinstance(store, LocalStore):
        assert sum(upload.size for upload in store.temporary_uploads()) >= SENT_BEFORE_HANGING // 2

    # Young leftovers may be uploads in flight: spared.
    assert collect_temporary(store, timedelta(hours=1)) == []
    assert leftovers(store) == partial

    assert collect_temporary(store, timedelta(0), dry_run=True) != []
    assert leftovers(store) == partial
    removed = collect_temporary(store, timedelta(0))
    assert len(removed) == len(partial)
    assert leftovers(store) == []
    assert list(store.keys()) == [kept.key]
    assert collect_temporary(store, timedelta(0)) == []


@pytest.mark.parametrize("own_store", ["local", "minio"], indirect=True)
def test_a_temporary_key_left_after_the_copy_is_removed_too(own_store, leftovers):
    """A crash between the copy to the content key and the removal of the temporary key (S3), or
    before the rename (local), leaves a complete temporary object."""
    store, _ = own_store
    if isinstance(store, LocalStore):
        store.tmp_dir.mkdir(parents=True)
        (store.tmp_dir / "put-crashed.part").write_bytes(b"x" * 1000)
    else:
        store.put(io.BytesIO(b""))  # creates the bucket
        store._client.put_object(store.bucket, f"tmp/{secrets.token_hex(16)}", io.BytesIO(b"x" * 1000), 1000)
    assert len(leftovers(store)) == 1
    [upload] = store.temporary_uploads()
    assert upload.size == 1000 and upload.started is not None
    assert collect_temporary(store, timedelta(0)) == [upload.name]
    assert leftovers(store) == []
    store.remove_temporary(upload)  # already gone: not an error

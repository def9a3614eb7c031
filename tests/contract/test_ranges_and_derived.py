"""The ObjectStore contract, continued: ranged reads and derived objects, on every backend."""
from __future__ import annotations

import hashlib
import io
import os

import pytest

from storage import LocalStore, ObjectNotFound, StorageError
from storage.base import derived_key, is_derived_key, source_of_derived


def stored(store, size: int = 300_000):
    data = os.urandom(size)
    return data, store.put(io.BytesIO(data))


def read_range(store, key, offset, length) -> bytes:
    with store.open_range(key, offset, length) as stream:
        return stream.read()


def test_open_range_reads_exactly_the_bytes_asked(store):
    data, ref = stored(store)
    assert read_range(store, ref.key, 0, 10) == data[:10]
    assert read_range(store, ref.key, 123_456, 1000) == data[123_456:124_456]
    assert read_range(store, ref.key, len(data) - 5, 1000) == data[-5:]  # short at the end
    assert read_range(store, ref.key, len(data), 10) == b""  # nothing past it
    assert read_range(store, ref.key, len(data) + 100, 10) == b""
    assert read_range(store, ref.key, 5, 0) == b""


def test_open_range_streams_in_pieces(store):
    data, ref = stored(store, 3 * 1024 * 1024)
    with store.open_range(ref.key, 1_000_000, 1_500_000) as stream:
        pieces = []
        while chunk := stream.read(100_000):
            assert len(chunk) <= 100_000
            pieces.append(chunk)
    assert b"".join(pieces) == data[1_000_000:2_500_000]


def test_open_range_of_a_missing_object(store):
    missing = "sha256/00/11/" + "0011" + "0" * 60
    with pytest.raises(ObjectNotFound):
        read_range(store, missing, 0, 10)


def test_open_range_refuses_bad_keys_and_ranges(store):
    _, ref = stored(store, 100)
    with pytest.raises(StorageError) as raised:
        store.open_range("../../etc/passwd", 0, 10)
    assert "clé invalide" in str(raised.value)
    with pytest.raises(StorageError) as raised:
        store.open_range(ref.key, -1, 10)
    assert "plage invalide" in str(raised.value)


def test_derived_objects_round_trip_and_stay_out_of_keys(store):
    _, ref = stored(store, 1000)
    key = derived_key(ref.sha256, "lines-v1.json")
    assert is_derived_key(key) and source_of_derived(key) == ref.sha256
    assert not store.exists(key)
    store.put_derived(key, b'{"lines": 3}')
    assert store.exists(key)
    with store.open(key) as stream:
        assert stream.read() == b'{"lines": 3}'
    assert read_range(store, key, 2, 5) == b'lines'
    assert store.stat(key).size == 12 and store.stat(key).sha256 is None
    store.put_derived(key, b'{"lines": 4}')  # replaced
    with store.open(key) as stream:
        assert stream.read() == b'{"lines": 4}'
    assert key not in set(store.keys())
    assert key in set(store.derived_keys())
    store.delete(key)
    assert not store.exists(key)
    assert key not in set(store.derived_keys())
    store.delete(key)  # idempotent


@pytest.mark.parametrize("bad_key", [
    "derived/../../etc/passwd", "derived/" + "a" * 64 + "/../x", "derived/" + "a" * 63 + "/x", "derived/" + "a" * 64 + "/",
    "derived/" + "a" * 64 + "/A-upper", "sha256/ab/cd/" + "0" * 64,
])
def test_put_derived_refuses_anything_but_a_derived_key(store, bad_key):
    with pytest.raises(StorageError) as raised:
        store.put_derived(bad_key, b"x")
    assert "clé dérivée invalide" in str(raised.value)


def test_derived_key_validation():
    sha = hashlib.sha256(b"x").hexdigest()
    assert derived_key(sha, "crop-0.1-0.2-0.3-0.4.png").startswith(f"derived/{sha}/")
    with pytest.raises(ValueError):
        derived_key(sha, "../escape")


def test_local_derived_objects_live_beside_the_content(tmp_path):
    store = LocalStore(tmp_path / "objects")
    _, ref = stored(store, 10)
    key = derived_key(ref.sha256, "facts-v1.json")
    store.put_derived(key, b"{}")
    assert (tmp_path / "objects" / "derived" / ref.sha256 / "facts-v1.json").read_bytes() == b"{}"
    assert not list((tmp_path / "objects" / "tmp").iterdir())

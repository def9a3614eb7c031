"""The job queue unreachable while a file is uploaded: Redis down (production pass), or the SQLite
queue file gone with its folder (embedded pass). The upload is kept; the text extraction it
schedules is done once the queue is back."""
from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
from huey.storage import RedisStorage, SqliteStorage

from jobs.queue import huey


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture()
def queue_unreachable(monkeypatch, tmp_path):
    """The queue's storage replaced by one of the same kind that cannot be reached; `restore()`."""
    original = huey.storage
    if isinstance(original, RedisStorage):
        broken = RedisStorage(huey.name, host="127.0.0.1", port=closed_port(), socket_connect_timeout=1)
    else:
        broken = SqliteStorage(huey.name, filename=str(tmp_path / "dossier-supprimé" / "jobs.db"), create_tables=False)
    monkeypatch.setattr(huey, "storage", broken)
    return SimpleNamespace(restore=lambda: setattr(huey, "storage", original))


@pytest.mark.real_worker
def test_the_queue_unreachable_while_a_file_is_uploaded(uploader, fresh_store, queue_unreachable, recovered, make_log):
    content, name = make_log(1)
    response = uploader.post((content, name))
    # The file is kept: the queue only carries the text extraction that follows.
    assert response.status_code == 200, response.text
    assert f"« {name} »" in response.text and "erreur" not in response.text.lower()
    [version] = uploader.versions()
    assert version.extraction_status == "pending"
    recovered(fresh_store)

    queue_unreachable.restore()
    extracted = uploader.client.application.test_cli_runner().invoke(args=["search", "extract"], catch_exceptions=False)
    assert extracted.exit_code == 0, extracted.output
    assert "Résultat : 1 extraites." in extracted.output
    [version] = uploader.versions()
    assert version.extraction_status == "done" and "journal 1" in version.extracted_text

"""The huey instance, module-level so that task modules can declare their tasks on it.

The consumer starts from the top-level `worker.py`, which imports every task module and binds
the application: `huey_consumer worker.huey`.

JOBS_URL picks the storage: `sqlite:///path` (embedded default) or `redis://host:port/db`.
`memory://` (tests) runs tasks in the calling process (huey's immediate mode).
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

from huey import MemoryHuey, RedisHuey, SqliteHuey

from config import ConfigError, SETTINGS, _resolve_sqlite

DEFAULT_JOBS_URL = next(s.default for s in SETTINGS if s.name == "JOBS_URL")


def huey_from_url(url: str):
    if url.startswith("sqlite:///"):
        path = _resolve_sqlite(url, Path(__file__).resolve().parent.parent)[len("sqlite:///"):]
        return SqliteHuey("probatio", filename=path)
    if url.startswith("redis://"):
        parsed = urlparse(url)
        db = int(parsed.path.strip("/") or 0)
        return RedisHuey("probatio", host=parsed.hostname or "127.0.0.1", port=parsed.port or 6379, db=db)
    if url.startswith("memory://"):
        return MemoryHuey("probatio", immediate=True)
    raise ConfigError(f"JOBS_URL={url!r} : attendu sqlite:///chemin ou redis://hôte:port/base.")


huey = huey_from_url(os.environ.get("JOBS_URL", DEFAULT_JOBS_URL))

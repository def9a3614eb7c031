"""What evidence tells the packages above it, without importing them.

    version_stored.send(app, version=version)

is sent by the upload service (evidence/uploads.record_upload) once a new EvidenceVersion is
committed. search connects to it in `init_search` (search/sync.py) to queue the text extraction
and reindexing; evidence knows nothing of search. A receiver that fails is logged and never turns
an upload already stored into an error (see `announce_stored`).
"""
from __future__ import annotations

from blinker import Namespace
from flask import current_app

from evidence.models import EvidenceVersion

_signals = Namespace()

version_stored = _signals.signal("version-stored")


def announce_stored(version: EvidenceVersion) -> None:
    """Send `version_stored` for a committed version; a failing receiver (a job queue that is down)
    is logged, the upload stays stored (`flask search extract --retry-failed` catches up)."""
    try:
        version_stored.send(current_app._get_current_object(), version=version)
    except Exception:
        current_app.logger.exception("A receiver of version_stored failed for version %s", version.id)

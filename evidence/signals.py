"""What evidence tells the packages above it, without importing them.

    version_stored.send(app, version=version)

is sent by the upload service (evidence/uploads.record_upload) once a new EvidenceVersion is
committed. search connects to it in `init_search` (search/sync.py) to queue the text extraction
and reindexing; evidence knows nothing of search. A receiver that fails is logged and never turns
an upload already stored into an error (see `announce_stored`).

The review signals are sent after their change is committed (`announce`); notifications/
subscribes to them to tell people by mail:

    evidence_reopened.send(app, evidence=evidence, by=user)      validated evidence was changed
    review_requested.send(app, evidence=evidence, by=user)       the candidate asks the tutor to review
    status_changed.send(app, evidence=evidence, change=change)   a tutor's decision (status change)
    comment_added.send(app, comment=comment)                      a comment on an evidence
"""
from __future__ import annotations

from blinker import Namespace
from flask import current_app

from evidence.models import EvidenceVersion

_signals = Namespace()

version_stored = _signals.signal("version-stored")
evidence_reopened = _signals.signal("evidence-reopened")
review_requested = _signals.signal("review-requested")
status_changed = _signals.signal("status-changed")
comment_added = _signals.signal("comment-added")


def announce_stored(version: EvidenceVersion) -> None:
    """Send `version_stored` for a committed version; a failing receiver (a job queue that is down)
    is logged, the upload stays stored (`flask search extract --retry-failed` catches up)."""
    try:
        version_stored.send(current_app._get_current_object(), version=version)
    except Exception:
        current_app.logger.exception("A receiver of version_stored failed for version %s", version.id)


def announce(signal, **kwargs) -> None:
    """Send `signal` for a committed change; a failing receiver is logged, never raised: the change
    stays made (a mail that cannot be queued must not undo the candidate's work)."""
    try:
        signal.send(current_app._get_current_object(), **kwargs)
    except Exception:
        current_app.logger.exception("A receiver of %s failed", signal.name)

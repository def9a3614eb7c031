"""What portfolio tells the packages above it (notifications mails it), without importing them.

    submission_received.send(app, submission=submission)   a portfolio was submitted (committed)
"""
from __future__ import annotations

from blinker import Namespace

from accounts.signals import announce

_signals = Namespace()

submission_received = _signals.signal("submission-received")

__all__ = ["announce", "submission_received"]

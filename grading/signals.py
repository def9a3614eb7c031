"""What grading tells the packages above it (notifications mails it), without importing them.

    slot_planned.send(app, assignment=assignment, slot=slot, moved=bool)   an interview slot was
        planned (moved=False) or moved to another time (moved=True), once committed
    minutes_signed.send(app, session=session, version=int)   every member confirmed the minutes and
        they were signed (again, after a correction, with version > 1), once committed
"""
from __future__ import annotations

from blinker import Namespace

from accounts.signals import announce

_signals = Namespace()

slot_planned = _signals.signal("slot-planned")
minutes_signed = _signals.signal("minutes-signed")

__all__ = ["announce", "minutes_signed", "slot_planned"]

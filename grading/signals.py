"""What grading tells the packages above it (notifications mails it), without importing them.

    slot_planned.send(app, assignment=assignment, slot=slot, moved=bool)   an interview slot was
        planned (moved=False) or moved to another time (moved=True), once committed
"""
from __future__ import annotations

from blinker import Namespace

from accounts.signals import announce

_signals = Namespace()

slot_planned = _signals.signal("slot-planned")

__all__ = ["announce", "slot_planned"]

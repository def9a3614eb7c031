"""What accounts tells the packages above it (notifications mails it), without importing them.

    password_link_issued.send(app, user=user, link=link)   a set-password link was created
"""
from __future__ import annotations

from blinker import Namespace
from flask import current_app

_signals = Namespace()

password_link_issued = _signals.signal("password-link-issued")


def announce(signal, **kwargs) -> None:
    """Send `signal` after the change is committed; a failing receiver is logged, never raised."""
    try:
        signal.send(current_app._get_current_object(), **kwargs)
    except Exception:
        current_app.logger.exception("A receiver of %s failed", signal.name)

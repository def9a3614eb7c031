"""Login throttling shared by every web worker: counters in the database, claimed atomically.

Each login attempt is counted, before its password is checked, against three keys: the account
from this address, the account from anywhere, and the address for any account. Counting is one
`UPDATE … RETURNING` per key that only succeeds while the key's delay has passed, so parallel
requests cannot all slip in between a read and a write (SQLite ≥ 3.35 and PostgreSQL).

Past a few free failures, each one makes the next attempt wait longer (30 s, 1 min, 2 min…, at
most 15 min). The tightest key is the account from one address: whoever guesses from one place
delays only that place, and the owner logging in from elsewhere gets in; the looser account-wide
key bounds guessing spread over many addresses. A successful login clears the account's keys.
The client address is the one the trusted proxies report (TRUSTED_PROXIES, see app.py).
"""
from __future__ import annotations

import hashlib
import time
from datetime import timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from extensions import db

from accounts.models import LoginThrottle

THROTTLE_WINDOW = timedelta(minutes=15)  # failures older than this, with no new one, are forgotten
FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS = 5
FREE_FAILURES_PER_ACCOUNT = 20
FREE_FAILURES_PER_ADDRESS = 30
# The wait after the last free failure, then after each further one (seconds).
DELAYS = (30, 60, 120, 240, 480, 900)

_table = LoginThrottle.__table__


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def _keys(email: str, address: str) -> list[tuple[str, int]]:
    return [
        (_key("compte-adresse", f"{email}|{address}"), FREE_FAILURES_PER_ACCOUNT_AND_ADDRESS),
        (_key("compte", email), FREE_FAILURES_PER_ACCOUNT),
        (_key("adresse", address), FREE_FAILURES_PER_ADDRESS),
    ]


def _insert_missing(key: str) -> None:
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    db.session.execute(
        dialect.insert(_table).values(key=key, failures=0, next_attempt_at=0.0, updated_at=0.0)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _claim(key: str, free: int, now: float) -> bool:
    """Count one attempt against `key` if its delay has passed: one atomic statement."""
    column = _table.c
    window = THROTTLE_WINDOW.total_seconds()
    count = case((column.updated_at < now - window, 1), else_=column.failures + 1)
    delay = case(
        (count < free, 0.0), *[(count == free + n, float(d)) for n, d in enumerate(DELAYS)], else_=float(DELAYS[-1])
    )
    claimed = db.session.execute(
        update(_table)
        .where(column.key == key, column.next_attempt_at <= now)
        .values(failures=count, next_attempt_at=now + delay, updated_at=now)
        .returning(column.failures)
    ).first()
    return claimed is not None


def claim_attempt(email: str, address: str) -> int | None:
    """Count this attempt against every key: None when it may be checked, else the seconds to wait."""
    now = time.time()
    # Narrowest key first: an attempt refused there (a guesser waiting out their delay) counts
    # nowhere else, so it cannot push the account-wide key into delaying the owner too.
    for key, free in _keys(email, address):
        _insert_missing(key)
        if not _claim(key, free, now):
            ready_at = db.session.scalar(select(_table.c.next_attempt_at).where(_table.c.key == key)) or now
            db.session.commit()
            return max(1, round(ready_at - now))
    db.session.commit()
    return None


def forget_failures(email: str, address: str) -> None:
    """After a successful login: the account's counters start again; the address gives back the attempt."""
    (pair, _), (account, _), (place, _) = _keys(email, address)
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_([pair, account])))
    db.session.execute(
        update(_table).where(_table.c.key == place, _table.c.failures > 0).values(failures=_table.c.failures - 1)
    )
    db.session.commit()
    purge_stale()


def purge_stale() -> int:
    """Delete the counters no attempt touched for a window past the longest delay; commits.
    Run after each successful login; a housekeeping task may call it too."""
    old = time.time() - THROTTLE_WINDOW.total_seconds() - DELAYS[-1]
    removed = db.session.execute(delete(LoginThrottle).where(LoginThrottle.updated_at < old)).rowcount
    db.session.commit()
    return removed


def wait_in_words(seconds: int) -> str:
    """30 secondes, 1 minute, 15 minutes."""
    if seconds < 60:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"

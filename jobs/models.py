from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {"queued": "En attente", "running": "En cours", "done": "Terminé", "failed": "Échec"}[self.value]


class Job(db.Model):
    """A unit of background work as the web layer sees it: state, progress, result."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(500), default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    # The owner: who started the job (the uploader of an extraction); they and admins follow it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # What to run again after a worker died, or when someone asks ("Relancer"): the huey task's
    # name and its keyword arguments (jobs/leases.py).
    task: Mapped[str | None] = mapped_column(String(200))
    params: Mapped[dict | None] = mapped_column(JSON)
    # Until when the job is known to be alive: set when it is queued or claimed, renewed by its
    # worker while it runs. Past it, the reaper hands the job over again or marks it failed.
    lease_expires_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(default=3, server_default="3")

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def state_label(self) -> str:
        return JobState(self.state).label

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)

    @property
    def stalled(self) -> bool:
        """Unfinished and nobody has renewed its lease in time: its worker stopped (or none runs)."""
        return not self.finished and (self.lease_expires_at is None or self.lease_expires_at < utcnow())

"""Shared vocabulary of the authorization table."""
from __future__ import annotations

from dataclasses import dataclass, field
import os
from typing import Callable

ROLES = ("anonymous", "candidate", "tutor", "juror", "admin")


@dataclass(frozen=True)
class Case:
    method: str
    url: Callable[[dict], str]
    expected: dict[str, int]
    data: Callable[[dict], dict] = field(default=lambda world: {})


def expect(anonymous, candidate, tutor, juror, admin) -> dict[str, int]:
    return dict(zip(ROLES, (anonymous, candidate, tutor, juror, admin)))


ADMIN_ONLY = expect(302, 403, 403, 403, 200)
ANY_USER = expect(302, 200, 200, 200, 200)
EVERYONE = expect(200, 200, 200, 200, 200)

# A download is streamed by the local backend (200) and redirected to a presigned URL by minio (302).
DOWNLOADED = 302 if os.environ.get("STORAGE_BACKEND", "local") == "minio" else 200

"""What an export is: its document kinds and formats, its file names, and the typed result its job records.

The job row keeps the result as JSON (`Job.result`); every reader turns it back into an
`ExportResult` with `ExportResult.from_json`, never reads the dict itself.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields

FORMATS = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
KINDS = {"dossier": "Dossier de validation", "grille": "Grille d'évaluation"}
ZIP = "application/zip"

# The job kinds this package starts: one document of a submission, every document of a session.
SUBMISSION_EXPORT = "export"
SESSION_EXPORT = "session-export"
JOB_KINDS = (SUBMISSION_EXPORT, SESSION_EXPORT)


class ExportError(Exception):
    """An export that cannot be produced; the message is French and safe to show."""


@dataclass
class ExportResult:
    """The file an export job produced, and what it was made of.

    A submission export names its submission and document kind; a session bundle names its session
    and keeps `parts` (file name in the ZIP → object key) as it goes, so that it can resume.
    `object_key` is None until the file exists.
    """

    document: str | None = None  # "dossier" or "grille"; None for a session bundle
    submission_id: int | None = None
    session_id: int | None = None
    object_key: str | None = None
    filename: str = ""
    media_type: str = ""
    size: int = 0
    pages: int | None = None  # PDF only
    minimum_pages: int | None = None  # what the certification requires of a dossier
    warnings: list[str] = field(default_factory=list)  # files missing from the dossier, and the like
    parts: dict[str, str] = field(default_factory=dict)
    files: int = 0  # files in the session ZIP

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict | None) -> ExportResult:
        """The result stored by a job; unknown keys are ignored, missing ones take their default."""
        data = data if isinstance(data, dict) else {}
        known = {f.name for f in fields(cls)}
        result = cls(**{name: value for name, value in data.items() if name in known})
        result.warnings = list(result.warnings or [])
        result.parts = dict(result.parts or {})
        return result

    @property
    def is_session_bundle(self) -> bool:
        return self.submission_id is None and self.session_id is not None

    @property
    def object_keys(self) -> set[str]:
        """Every stored object this result points at: the file and, for a bundle, its parts."""
        keys = {key for key in self.parts.values() if isinstance(key, str)}
        if isinstance(self.object_key, str):
            keys.add(self.object_key)
        return keys

    @property
    def too_short(self) -> bool:
        return bool(self.pages and self.minimum_pages and self.pages < self.minimum_pages)


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower() or "document"


def submission_filename(submission, kind: str, fmt: str) -> str:
    candidate = submission.portfolio.candidate.full_name
    return f"{slug(KINDS[kind])}-{slug(candidate)}-depot-{submission.number}.{fmt}"


def submission_folder(submission) -> str:
    """The folder of one submission's files in a session ZIP."""
    return f"{slug(submission.portfolio.candidate.full_name)}-depot-{submission.number}"


def session_filename(session) -> str:
    return f"session-{session.id}-{session.starts_at:%Y-%m-%d}.zip"


def blank_grid_filename(certification, fmt: str) -> str:
    return f"grille-vierge-{slug(certification.lineage)}-v{certification.version_number}.{fmt}"


def minutes_filename(session, fmt: str) -> str:
    return f"proces-verbal-session-{session.id}-{session.starts_at:%Y-%m-%d}.{fmt}"

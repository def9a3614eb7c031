"""Times are stored as naive UTC in the database and shown in Europe/Paris."""
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def utcnow() -> datetime:
    """Current time as naive UTC, the form every DateTime column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_paris(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(PARIS)


def format_paris(value: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    local = to_paris(value)
    return local.strftime(pattern) if local else ""


def paris_to_utc(value: datetime) -> datetime:
    """A naive Europe/Paris wall-clock time (as typed in a form) to the naive UTC stored."""
    return value.replace(tzinfo=PARIS).astimezone(UTC).replace(tzinfo=None)


def paris_midnight_utc(day: date) -> datetime:
    """The start of a day in Paris, as the naive UTC stored (for "from this date" filters)."""
    return paris_to_utc(datetime.combine(day, time(0, 0)))

"""Numbers and dates written the French way: 12 345,5 (a narrow no-break space groups thousands,
a comma marks decimals) and 05/01/2026."""
from __future__ import annotations

from datetime import date, datetime

NARROW_NBSP = "\u202f"


def format_number(value, decimals: int | None = None) -> str:
    """12345 → "12 345"; 1234.5 → "1 234,5"; decimals fixes the digits after the comma."""
    if value is None or value == "":
        return ""
    number = float(value) if decimals is not None or not isinstance(value, int) else value
    if decimals is not None:
        text = f"{number:,.{decimals}f}"
    elif isinstance(number, int):
        text = f"{number:,}"
    else:
        text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", NARROW_NBSP).replace(".", ",")


def format_date(value) -> str:
    """A date (or an ISO "2026-01-05" string, as referentials record it) as 05/01/2026."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime("%d/%m/%Y")

"""What a bar chart shows, whatever it counts: rows of values, one value per series. The templates
draw it as SVG (templates/_partials/charts.html) and list the same figures in a table."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartRow:
    label: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class Chart:
    title: str
    category: str  # the header of the rows' column ("Candidat", "Bloc")
    series: tuple[tuple[str, str], ...]  # (label, css class) per value
    rows: tuple[ChartRow, ...]
    note: str = ""

"""The portfolio's coverage as a chart: per bloc, its criteria by status."""
from __future__ import annotations

from core.charts import Chart, ChartRow

from portfolio.coverage import Coverage, CoverageStatus

STATUS_ORDER = (CoverageStatus.APPROVED, CoverageStatus.COVERED, CoverageStatus.CHANGES_ONLY, CoverageStatus.MISSING)


def coverage_chart(coverage: Coverage) -> Chart:
    rows = []
    for bloc in coverage.blocs:
        counts = {status: 0 for status in STATUS_ORDER}
        for row in bloc.criteria:
            counts[row.status] += 1
        rows.append(ChartRow(bloc.bloc.code, tuple(counts[s] for s in STATUS_ORDER)))
    series = tuple((status.label, f"s-{status.value}") for status in STATUS_ORDER)
    return Chart("Critères par bloc", "Bloc", series, tuple(rows))

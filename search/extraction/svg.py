"""Network schemas drawn as SVG: the text of their labels (text, tspan, title, desc, and the HTML
labels draw.io puts in foreignObject), through the safe XML reader."""
from __future__ import annotations

from pathlib import Path

from search.extraction.limits import Budget, TextCollector
from search.extraction.xmlsafe import collect_text

MAX_SVG_BYTES = 20 * 1024 * 1024
SKIPPED = {"style", "script", "metadata"}
LABEL_BREAKS = ("text", "title", "desc", "div", "p", "tspan")


def _label_text(stack: list[str]) -> bool:
    return not SKIPPED.intersection(stack)


def extract_svg(path: Path, budget: Budget) -> str:
    collector = TextCollector(budget)
    with open(path, "rb") as stream:
        collect_text(
            stream, budget, collector, max_bytes=min(MAX_SVG_BYTES, budget.limits.max_xml_bytes),
            text_in=_label_text, breaks_after=LABEL_BREAKS, what="le schéma SVG",
        )
    lines = (line.strip() for line in collector.text("").splitlines())
    return "\n".join(line for line in lines if line)

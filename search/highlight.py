"""Highlighted snippets: the words of a stored text that match the query, in <mark>, the rest
HTML-escaped (the text comes from uploaded files).

Whoosh's highlighter runs the whole analyzer, then its fragment scorers, over every field of every
hit, which cost more than the search itself on a page of twenty results. This one scans the text
once with the tokenizer's pattern and the analyzer's per-word cache, so what it marks is exactly
what the index matched.
"""
from __future__ import annotations

from html import escape

from whoosh import query as wq

from search.analysis import TOKEN_RE, heads_of, may_give, terms_of

MAX_MATCHES = 200
ELLIPSIS = "…"


def query_terms_by_field(query: wq.Query, reader) -> dict[str, set[str]]:
    """The index terms the query looks for, by field, prefixes expanded; exclusions left out."""
    positive = query.a if isinstance(query, wq.AndNot) else query
    found: dict[str, set[str]] = {}
    # Leaf by leaf: Query.existing_terms() on a tree reuses its `fieldname` argument as a loop
    # variable, and so drops every leaf whose field differs from the first one's.
    for leaf in positive.leaves():
        for fieldname, term in leaf.existing_terms(reader, phrases=True, expand=True):
            found.setdefault(fieldname, set()).add(term.decode("utf-8") if isinstance(term, bytes) else term)
    return found


def _matches(text: str, terms: set[str], decided: dict[str, bool] | None = None) -> list[tuple[int, int]]:
    """The spans of the words of `text` giving one of `terms`. `decided` (word as written →
    whether it matches) may be shared by the texts highlighted for the same terms."""
    spans = []
    heads = heads_of(terms)
    if decided is None:
        decided = {}
    for match in TOKEN_RE.finditer(text):
        word = match.group(0)
        matched = decided.get(word)
        if matched is None:
            # A word that cannot give any of the terms is not worth stemming.
            word_terms = terms_of(word) if may_give(word, heads) else None
            matched = decided[word] = bool(word_terms) and any(t in terms for t in word_terms)
        if matched:
            spans.append(match.span())
            if len(spans) >= MAX_MATCHES:
                break
    return spans


def _best_window(text: str, spans: list[tuple[int, int]], width: int, after: int) -> tuple[int, int] | None:
    """The window of `width` characters, starting after `after`, holding the most matches."""
    context = width // 4
    best = None
    for i, (start, _end) in enumerate(spans):
        if start < after:
            continue
        window_start = max(after, start - context)
        window_end = min(len(text), window_start + width)
        inside = sum(1 for s, e in spans[i:] if e <= window_end)
        if best is None or inside > best[0]:
            best = (inside, window_start, window_end)
    if best is None:
        return None
    _count, start, end = best
    # Do not cut words in two.
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start, start + 30)
        start = space + 1 if space >= 0 else start
    if end < len(text) and not text[end].isspace():
        space = text.rfind(" ", end - 30, end)
        end = space if space > start else end
    return start, end


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out = [ELLIPSIS + " " if start > 0 else ""]
    position = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        out.append(escape(text[position:span_start], quote=False))
        out.append(f"<mark>{escape(text[span_start:span_end], quote=False)}</mark>")
        position = span_end
    out.append(escape(text[position:end], quote=False))
    if end < len(text):
        out.append(" " + ELLIPSIS)
    # Log lines and table cells read better on one line in a snippet.
    return " ".join("".join(out).split())


def highlight(text: str, terms: set[str], width: int | None = 220, fragments: int = 2,
              decided: dict[str, bool] | None = None) -> str | None:
    """`text` (or up to `fragments` passages of about `width` characters) with matching words in
    <mark>, or None when no word matches. `decided`: see _matches (the same terms only)."""
    spans = _matches(text, terms, decided)
    if not spans:
        return None
    if width is None:
        return _render(text, 0, len(text), spans)
    passages = []
    after = 0
    for _ in range(fragments):
        window = _best_window(text, spans, width, after)
        if window is None:
            break
        passages.append(_render(text, window[0], window[1], spans))
        after = window[1]
    return " ".join(passages)

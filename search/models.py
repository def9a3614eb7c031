"""The PostgreSQL search backend's table: one row per index document (see documents.py).

The table exists on every database (the migrations are the same everywhere) but only the
`postgresql` backend fills it. `terms` is a `tsvector` on PostgreSQL (GIN-indexed) and plain text
elsewhere. Its lexemes are not made by PostgreSQL's own parser: they are the terms of the Python
French analyzer (search/analysis.py: Snowball French stems, accents folded the Whoosh way), written
with positions and a weight per field (A title, B body, D content), so that both backends find
exactly the same documents for a query.
"""
from __future__ import annotations

from sqlalchemy import DDL, Boolean, Index, Integer, String, Text, event, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

TSVECTOR = Text().with_variant(postgresql.TSVECTOR(), "postgresql")


class SearchDocument(db.Model):
    __tablename__ = "search_documents"

    # "v<version id>", "e<evidence id>", "s<submission id>v<version id>"… (documents.doc_key).
    doc_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    evidence_id: Mapped[int] = mapped_column(Integer, index=True)
    portfolio_id: Mapped[int] = mapped_column(Integer, index=True)
    candidate_id: Mapped[int] = mapped_column(Integer)
    certification_id: Mapped[int] = mapped_column(Integer)
    # The submission a frozen document belongs to (None: a live document).
    submission_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # " 3 7 " (spaces around every id): filtered with LIKE '% 3 %'.
    bloc_ids: Mapped[str] = mapped_column(Text, default="")
    criterion_ids: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="")
    is_current: Mapped[bool] = mapped_column(Boolean)
    is_live: Mapped[bool] = mapped_column(Boolean)
    fingerprint: Mapped[str] = mapped_column(String(40))
    # The document as documents.py built it (content cut to STORED_CONTENT_CHARS): hits, snippets.
    stored: Mapped[str] = mapped_column(Text)
    terms = mapped_column(TSVECTOR, nullable=False)
    # The lexemes of the title and file name only (weight A: ts_filter(terms, '{a}')), small and
    # kept in the row (storage MAIN): broad searches rank on it without reading every match's
    # full `terms`.
    head = mapped_column(TSVECTOR, nullable=False, server_default=text("''"))
    # Words of the extracted text left out because the tsvector would pass PostgreSQL's 1 MB limit.
    words_left_out: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_search_documents_terms", "terms", postgresql_using="gin"),)


# Narrow rows (migration 0013): the stored JSON and the full tsvector out of line, `head` in the
# row, so that counting the matches of a broad search reads a small heap. For tables made by
# create_all (the search benchmark) as the migration does it.
event.listen(SearchDocument.__table__, "after_create", DDL(
    "ALTER TABLE search_documents ALTER COLUMN head SET STORAGE MAIN; "
    "ALTER TABLE search_documents SET (toast_tuple_target = 128)"
).execute_if(dialect="postgresql"))

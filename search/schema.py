"""The index schema: one document per evidence version (or per evidence that has no file yet),
today's (live) or as a submission froze it (frozen, `submission_ids` set; see documents.py).

Identifier fields are ID/KEYWORD (exact, never analysed) and serve the permission filter and the
search filters. Three searched text fields, all through the French analyzer:

- `title`: the evidence title and the file name (weight 3);
- `body`: description, justifications, candidate name, bloc codes and criterion keys (weight 1.5);
- `content`: the text extracted from the file (weight 1).

Grouping the short texts into `body` (rather than one field each) makes every query word look in
three posting lists instead of six: searches and indexing both run about twice as fast. The
individual texts are stored for display and snippets.
"""
from __future__ import annotations

from whoosh import columns, formats
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import PART_SEPARATOR, french_analyzer

# Text fields a query looks in, with their weight in the ranking.
FIELD_BOOSTS: dict[str, float] = {"title": 3.0, "body": 1.5, "content": 1.0}
# Which searched field each stored text belongs to (for highlighting).
STORED_TEXT_FIELDS: dict[str, str] = {
    "title": "title", "filename": "title", "description": "body", "justifications": "body",
    "candidate_name": "body", "content": "content",
}
# The stored copy of the extracted text is capped: it only feeds the snippets, the index
# itself holds every word of the text.
STORED_CONTENT_CHARS = 20_000


class FrenchPositions(formats.Positions):
    """Whoosh's Positions format, writing the same bytes, with a leaner loop over the tokens.

    Indexing spends a good part of its time here; the stock version wraps the analyzer in two
    more generators and a default dict per field.
    """

    def word_values(self, value, analyzer, **kwargs):
        boost = self.field_boost
        positions: dict[str, list[int]] = {}
        kwargs["positions"] = True
        for token in analyzer(value, **kwargs):
            if token.stopped:
                continue
            found = positions.get(token.text)
            if found is None:
                positions[token.text] = [token.pos]
            else:
                found.append(token.pos)
        encode = self.encode
        for word, found in positions.items():
            yield word, len(found), len(found) * boost, encode(found)


def build_schema() -> Schema:
    analyzer = french_analyzer()

    def text(stored: bool):
        field = TEXT(analyzer=analyzer, stored=stored, phrase=True)
        field.format = FrenchPositions()
        return field

    return Schema(
        # "v<version id>" for a version, "e<evidence id>" for evidence that has no file yet.
        doc_id=ID(stored=True, unique=True, sortable=True),
        # A column only: `flask search check` reads it for every document without unpickling texts.
        fingerprint=COLUMN(columns.VarBytesColumn()),
        # Indexed identifiers: permission filter, search filters, deletion by evidence.
        evidence_id=ID(stored=True),
        portfolio_id=ID(stored=True),
        candidate_id=ID(stored=True),
        certification_id=ID(stored=True),
        bloc_ids=KEYWORD(),
        criterion_ids=KEYWORD(),
        kind=ID(stored=True),
        # "past" (not the latest version of its file) and/or "removed" (evidence deleted or file
        # removed), or "frozen" (a submission's copy); empty for what the portfolio shows today.
        # Portfolio searches exclude these documents rather than intersect with the many others
        # (a posting list of every document costs a walk through all of it).
        hidden=KEYWORD(),
        # The submission a frozen document belongs to (empty for live documents).
        submission_ids=KEYWORD(stored=True),
        # Searched text.
        title=text(stored=True),
        body=text(stored=False),
        content=text(stored=True),
        # Shown with the results, never searched as such.
        evidence_number=STORED,
        is_current=STORED,
        is_live=STORED,
        version_id=STORED,
        version_number=STORED,
        certification_code=STORED,
        bloc_codes=STORED,
        criterion_keys=STORED,
        status=STORED,
        extraction_status=STORED,
        extraction_error=STORED,
        filename=STORED,
        description=STORED,
        justifications=STORED,
        candidate_name=STORED,
    )


def to_index_fields(document: dict) -> dict:
    """The keyword arguments of `writer.add_document` for a document built by documents.py."""
    fields = dict(document)
    fields["fingerprint"] = document["fingerprint"].encode("ascii")
    fields["hidden"] = " ".join(
        flag for flag, on in (
            ("past", not document["is_current"]), ("removed", not document["is_live"]), ("frozen", bool(document["submission_ids"])),
        ) if on
    )
    fields["title"] = document["title"] + PART_SEPARATOR + document["filename"]
    fields["_stored_title"] = document["title"]
    fields["body"] = PART_SEPARATOR.join(
        (document["description"], document["justifications"], document["candidate_name"],
         document["bloc_codes"].replace(",", " "), document["criterion_keys"].replace(",", " "))
    )
    # Whoosh indexes `content` in full and stores this shorter copy for the snippets.
    fields["_stored_content"] = document["content"][:STORED_CONTENT_CHARS]
    return fields

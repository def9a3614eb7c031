"""i16 search speed: word pairs in search_documents.terms; rows indexed before them say so

From this revision the PostgreSQL backend writes every pair of consecutive words as a lexeme of
`terms` ("mot_pass", no positions), and asks expressions of those pairs first (search/postgres.py,
PAIR_JOINER). Rows written before have no pairs: they get the INCOMPLETE_PAIRS lexeme ("_"), so
that expressions are still checked on their positions (the same results, at the old speed) until
`flask search reindex` rewrites them with their pairs. No data is rebuilt here.

Revision ID: 0014_i16_search_pairs
Revises: 0013_i16_search_head
Create Date: 2026-12-01 16:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014_i16_search_pairs'
down_revision = '0013_i16_search_head'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE search_documents SET terms = terms || '_'::tsvector WHERE NOT terms @@ '_'::tsquery")


def downgrade():
    # Pairs and the marker are harmless to the earlier code (no query asks for them).
    pass

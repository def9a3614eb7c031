"""i16 search speed: search_documents.head (the title and file name lexemes, in the row) and
narrow rows (toast_tuple_target 128: the stored JSON and the full tsvector live out of line)

Broad searches rank on `head`, which sits in the row, instead of reading the full `terms` of
every match; counts read a heap three to four times smaller. Existing rows are filled from their
own `terms` (ts_filter keeps the A weight: title and file name), which also rewrites them under
the new storage settings.

Revision ID: 0013_i16_search_head
Revises: 0012_i11_completeness_check
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0013_i16_search_head'
down_revision = '0012_i11_completeness_check'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'head', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=False, server_default=sa.text("''"),
        ))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_documents ALTER COLUMN head SET STORAGE MAIN")
        op.execute("ALTER TABLE search_documents SET (toast_tuple_target = 128)")
        op.execute("UPDATE search_documents SET head = ts_filter(terms, '{a}')")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE search_documents RESET (toast_tuple_target)")
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('head')

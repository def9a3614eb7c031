"""i16 search on PostgreSQL: search_documents (a tsvector per document, GIN index)

Revision ID: 0009_i16_search_pg
Revises: 0008_i15_awards
Create Date: 2026-12-01 11:55:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0009_i16_search_pg'
down_revision = '0008_i15_awards'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_documents',
    sa.Column('doc_id', sa.String(length=40), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('portfolio_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('certification_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=True),
    sa.Column('bloc_ids', sa.Text(), nullable=False),
    sa.Column('criterion_ids', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('is_live', sa.Boolean(), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('stored', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=False),
    sa.Column('words_left_out', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('doc_id', name=op.f('pk_search_documents'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_documents_evidence_id'), ['evidence_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_documents_portfolio_id'), ['portfolio_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_documents_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index('ix_search_documents_terms', ['terms'], unique=False, postgresql_using='gin')


def downgrade():
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_terms', postgresql_using='gin')
        batch_op.drop_index(batch_op.f('ix_search_documents_submission_id'))
        batch_op.drop_index(batch_op.f('ix_search_documents_portfolio_id'))
        batch_op.drop_index(batch_op.f('ix_search_documents_evidence_id'))

    op.drop_table('search_documents')

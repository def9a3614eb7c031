"""i13 anchors: a claim may point at lines, pages, a region or cells of one file version

Revision ID: 0011_i13_claim_anchors
Revises: 0010_i11_referential_trust
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_i13_claim_anchors'
down_revision = '0010_i11_referential_trust'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('claim_anchors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('line_start', sa.Integer(), nullable=True),
    sa.Column('line_end', sa.Integer(), nullable=True),
    sa.Column('page_start', sa.Integer(), nullable=True),
    sa.Column('page_end', sa.Integer(), nullable=True),
    sa.Column('x', sa.Float(), nullable=True),
    sa.Column('y', sa.Float(), nullable=True),
    sa.Column('width', sa.Float(), nullable=True),
    sa.Column('height', sa.Float(), nullable=True),
    sa.Column('sheet', sa.String(length=120), nullable=True),
    sa.Column('cells', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_anchors_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['evidence_versions.id'], name=op.f('fk_claim_anchors_version_id_evidence_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_anchors'))
    )
    with op.batch_alter_table('claim_anchors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_anchors_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_anchors_version_id'), ['version_id'], unique=False)


def downgrade():
    with op.batch_alter_table('claim_anchors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_anchors_version_id'))
        batch_op.drop_index(batch_op.f('ix_claim_anchors_claim_id'))
    op.drop_table('claim_anchors')

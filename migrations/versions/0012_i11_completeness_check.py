"""i11 referentials: completeness that the document cannot prove, until an administrator confirms it

Revision ID: 0012_i11_completeness_check
Revises: 0011_i13_claim_anchors
Create Date: 2026-12-01 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_i11_completeness_check'
down_revision = '0011_i13_claim_anchors'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completeness_unverified', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_column('completeness_unverified')

"""i11 referentials: incomplete mark, validity dates, official bloc codes, audited metadata changes

Revision ID: 0010_i11_referential_trust
Revises: 0009_i16_search_pg
Create Date: 2026-12-01 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_i11_referential_trust'
down_revision = '0009_i16_search_pg'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incomplete', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('incomplete_reasons', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('valid_from', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('valid_until', sa.String(length=10), nullable=True))
    with op.batch_alter_table('blocs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('official_code', sa.String(length=40), nullable=True))
    op.create_table('certification_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certification_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('source', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['certification_id'], ['certifications.id'], name=op.f('fk_certification_changes_certification_id_certifications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_certification_changes_changed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certification_changes'))
    )
    with op.batch_alter_table('certification_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certification_changes_certification_id'), ['certification_id'], unique=False)


def downgrade():
    with op.batch_alter_table('certification_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certification_changes_certification_id'))
    op.drop_table('certification_changes')
    with op.batch_alter_table('blocs', schema=None) as batch_op:
        batch_op.drop_column('official_code')
    with op.batch_alter_table('certifications', schema=None) as batch_op:
        batch_op.drop_column('valid_until')
        batch_op.drop_column('valid_from')
        batch_op.drop_column('incomplete_reasons')
        batch_op.drop_column('incomplete')

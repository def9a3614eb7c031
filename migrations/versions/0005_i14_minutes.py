"""i14 minutes that hold: signed versions of the minutes, their reopening after a correction,
and the president's reason for deciding without the interview

Revision ID: 0005_i14_minutes
Revises: 0004_i18_jobs_leases
Create Date: 2026-12-01 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_i14_minutes'
down_revision = '0004_i18_jobs_leases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('minutes_signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('reopened_at', sa.DateTime(), nullable=True),
    sa.Column('reopened_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['jury_sessions.id'], name=op.f('fk_minutes_signatures_session_id_jury_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_signatures')),
    sa.UniqueConstraint('session_id', 'version', name=op.f('uq_minutes_signatures_session_id_version'))
    )
    with op.batch_alter_table('minutes_signatures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_signatures_session_id'), ['session_id'], unique=False)
    with op.batch_alter_table('jury_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minutes_reopened_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('jury_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interview_waiver', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('interview_waived_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('interview_waived_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_jury_assignments_interview_waived_by_id_users'), 'users', ['interview_waived_by_id'], ['id'], ondelete='SET NULL')
    # Minutes signed before this revision are their own first version.
    op.execute(
        "INSERT INTO minutes_signatures (session_id, version, text, sha256, signed_at) "
        "SELECT id, 1, minutes_text, minutes_sha256, minutes_signed_at FROM jury_sessions "
        "WHERE minutes_signed_at IS NOT NULL AND minutes_text IS NOT NULL AND minutes_sha256 IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('jury_assignments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_jury_assignments_interview_waived_by_id_users'), type_='foreignkey')
        batch_op.drop_column('interview_waived_by_id')
        batch_op.drop_column('interview_waived_at')
        batch_op.drop_column('interview_waiver')
    with op.batch_alter_table('jury_sessions', schema=None) as batch_op:
        batch_op.drop_column('minutes_reopened_at')
    with op.batch_alter_table('minutes_signatures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_signatures_session_id'))
    op.drop_table('minutes_signatures')

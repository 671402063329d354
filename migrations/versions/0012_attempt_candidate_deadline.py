"""attempts: one index on (candidate_id, deadline_dt) instead of candidate_id alone

SQLite keeps no statistics, so it read a member's open practice attempts through the unique index on
assignment_id (every practice attempt has none): the home page's slowest statement on the benchmark's data.

Revision ID: 0012_attempt_candidate_deadline
Revises: 0011_score_corrections
Create Date: 2026-12-02 19:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012_attempt_candidate_deadline'
down_revision = '0011_score_corrections'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assessment_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_attempt_candidate_deadline', ['candidate_id', 'deadline_dt'], unique=False)
        batch_op.drop_index(batch_op.f('ix_assessment_attempt_candidate_id'))


def downgrade():
    with op.batch_alter_table('assessment_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_attempt_candidate_id'), ['candidate_id'], unique=False)
        batch_op.drop_index('ix_assessment_attempt_candidate_deadline')

"""score corrections: an upheld contest sets questions aside or corrects a key for one attempt

Revision ID: 0011_score_corrections
Revises: 0010_messages_and_applications
Create Date: 2026-11-27 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_score_corrections'
down_revision = '0010_messages_and_applications'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'assessment_score_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('result_id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('contest_id', sa.Integer(), nullable=True),
        sa.Column('set_aside', sa.JSON(), nullable=False),
        sa.Column('key_item_id', sa.Integer(), nullable=True),
        sa.Column('corrected_key', sa.JSON(), nullable=True),
        sa.Column('old_raw', sa.Double(), nullable=False),
        sa.Column('old_max', sa.Double(), nullable=False),
        sa.Column('old_percentage', sa.Double(), nullable=True),
        sa.Column('new_raw', sa.Double(), nullable=False),
        sa.Column('new_max', sa.Double(), nullable=False),
        sa.Column('new_percentage', sa.Double(), nullable=True),
        sa.Column('corrected_dt', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['candidate_id'], ['user_account.id'], name=op.f('fk_assessment_score_correction_candidate_id_user_account'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['contest_id'], ['assessment_score_contest.id'], name=op.f('fk_assessment_score_correction_contest_id_assessment_score_contest'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['key_item_id'], ['assessment_item.id'], name=op.f('fk_assessment_score_correction_key_item_id_assessment_item'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['result_id'], ['assessment_result.id'], name=op.f('fk_assessment_score_correction_result_id_assessment_result'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_score_correction')),
        sa.UniqueConstraint('contest_id', name=op.f('uq_assessment_score_correction_contest_id')),
    )
    with op.batch_alter_table('assessment_score_correction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessment_score_correction_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_score_correction_key_item_id'), ['key_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_score_correction_result_id'), ['result_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assessment_score_correction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_score_correction_result_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_score_correction_key_item_id'))
        batch_op.drop_index(batch_op.f('ix_assessment_score_correction_candidate_id'))
    op.drop_table('assessment_score_correction')

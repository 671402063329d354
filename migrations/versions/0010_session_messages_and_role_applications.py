"""session messages between the candidate and the interviewer; applications for the interviewer and client roles

Revision ID: 0010_messages_and_applications
Revises: 0009_correction_outcome
Create Date: 2026-11-26 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_messages_and_applications'
down_revision = '0009_correction_outcome'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'session_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_dt', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_session_message_author_id_user_account'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['session_id'], ['interview_session.id'], name=op.f('fk_session_message_session_id_interview_session'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_session_message')),
        sa.UniqueConstraint('public_id', name=op.f('uq_session_message_public_id')),
    )
    with op.batch_alter_table('session_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_message_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_session_message_session_created', ['session_id', 'created_dt'], unique=False)

    op.create_table(
        'role_application',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('experience', sa.Text(), nullable=False),
        sa.Column('sectors', sa.JSON(), nullable=False),
        sa.Column('company_types', sa.JSON(), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=False),
        sa.Column('website', sa.String(length=300), nullable=False),
        sa.Column('motivation', sa.Text(), nullable=False),
        sa.Column('created_dt', sa.DateTime(), nullable=False),
        sa.Column('decided_dt', sa.DateTime(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('refusal_reason', sa.Text(), nullable=True),
        sa.CheckConstraint("role IN ('interviewer', 'client')", name=op.f('ck_role_application_known_role')),
        sa.CheckConstraint("status IN ('pending', 'accepted', 'refused')", name=op.f('ck_role_application_known_status')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_role_application_decided_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_role_application_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_role_application')),
        sa.UniqueConstraint('public_id', name=op.f('uq_role_application_public_id')),
    )
    with op.batch_alter_table('role_application', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_application_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index('ix_role_application_user_role', ['user_id', 'role'], unique=False)
        batch_op.create_index('ix_role_application_status_created', ['status', 'created_dt'], unique=False)


def downgrade():
    with op.batch_alter_table('role_application', schema=None) as batch_op:
        batch_op.drop_index('ix_role_application_status_created')
        batch_op.drop_index('ix_role_application_user_role')
        batch_op.drop_index(batch_op.f('ix_role_application_decided_by_id'))
    op.drop_table('role_application')

    with op.batch_alter_table('session_message', schema=None) as batch_op:
        batch_op.drop_index('ix_session_message_session_created')
        batch_op.drop_index(batch_op.f('ix_session_message_author_id'))
    op.drop_table('session_message')

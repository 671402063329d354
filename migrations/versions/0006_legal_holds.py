"""legal holds; outbox messages deleted once delivered

Revision ID: 0006_legal_holds
Revises: 0005_member_reference_indexes
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_legal_holds'
down_revision = '0005_member_reference_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'legal_hold',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('scope', sa.JSON(), nullable=False),
        sa.Column('until_date', sa.Date(), nullable=False),
        sa.Column('placed_by_id', sa.Integer(), nullable=True),
        sa.Column('placed_dt', sa.DateTime(), nullable=False),
        sa.Column('lifted_dt', sa.DateTime(), nullable=True),
        sa.Column('lifted_by_id', sa.Integer(), nullable=True),
        sa.Column('lifted_reason', sa.String(length=10), nullable=True),
        sa.CheckConstraint("lifted_reason IS NULL OR lifted_reason IN ('admin', 'expired')", name=op.f('ck_legal_hold_known_lift')),
        sa.ForeignKeyConstraint(['lifted_by_id'], ['user_account.id'], name=op.f('fk_legal_hold_lifted_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['placed_by_id'], ['user_account.id'], name=op.f('fk_legal_hold_placed_by_id_user_account'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_legal_hold_user_id_user_account'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_hold')),
        sa.UniqueConstraint('public_id', name=op.f('uq_legal_hold_public_id')),
    )
    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_hold_lifted_by_id'), ['lifted_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_hold_placed_by_id'), ['placed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_hold_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('erase_after_sending', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('erase_after_sending')

    with op.batch_alter_table('legal_hold', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_hold_user_id'))
        batch_op.drop_index(batch_op.f('ix_legal_hold_placed_by_id'))
        batch_op.drop_index(batch_op.f('ix_legal_hold_lifted_by_id'))

    op.drop_table('legal_hold')

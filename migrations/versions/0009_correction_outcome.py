"""correction requests closed with an outcome: what changed, or why refused

Revision ID: 0009_correction_outcome
Revises: 0008_phone_codes_and_sms_outbox
Create Date: 2026-11-26 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_correction_outcome'
down_revision = '0008_phone_codes_and_sms_outbox'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sponsor_correction_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('refusal_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_constraint(op.f('ck_sponsor_correction_request_known_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_sponsor_correction_request_known_status'), "status IN ('open', 'done', 'refused')"
        )
    with op.batch_alter_table('sponsor_correction_request', schema=None) as batch_op:
        batch_op.alter_column('changes', server_default=None)
        batch_op.alter_column('refusal_reason', server_default=None)


def downgrade():
    op.execute("UPDATE sponsor_correction_request SET status = 'done' WHERE status = 'refused'")
    with op.batch_alter_table('sponsor_correction_request', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_sponsor_correction_request_known_status'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_sponsor_correction_request_known_status'), "status IN ('open', 'done')"
        )
        batch_op.drop_column('refusal_reason')
        batch_op.drop_column('changes')

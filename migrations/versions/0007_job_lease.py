"""Periodic jobs: a lease per job, so that one node runs it at a time

Revision ID: 0007_job_lease
Revises: 0006_legal_holds
Create Date: 2026-12-01 21:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_job_lease"
down_revision = "0006_legal_holds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_lease",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("started_dt", sa.DateTime(), nullable=False),
        sa.Column("expires_dt", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_lease")),
    )


def downgrade():
    op.drop_table("job_lease")

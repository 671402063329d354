"""ship the policy versions 1.0 (interview simulations) and 2.0 (adds assessment tests)

Revision ID: 0002_shipped_policy_versions
Revises: 0001_initial_schema
"""
from datetime import datetime, time

import sqlalchemy as sa
from alembic import op

from app.privacy.policies import SHIPPED_VERSIONS

revision = "0002_shipped_policy_versions"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None

policy_version = sa.table(
    "policy_version",
    sa.column("version", sa.String),
    sa.column("effective_date", sa.Date),
    sa.column("is_material", sa.Boolean),
    sa.column("template", sa.String),
    sa.column("summary_en", sa.Text),
    sa.column("summary_fr", sa.Text),
    sa.column("published_dt", sa.DateTime),
)


def upgrade():
    op.bulk_insert(
        policy_version,
        [{**data, "published_dt": datetime.combine(data["effective_date"], time())} for data in SHIPPED_VERSIONS],
    )


def downgrade():
    versions = [data["version"] for data in SHIPPED_VERSIONS]
    op.execute(policy_version.delete().where(policy_version.c.version.in_(versions)))

"""members withheld from a list found by index; the client's list index holds candidate_id too

Lists filter out the members whose data their reader may not see now (app/privacy/disclosure.py): they now
look up those few members (being erased, restricted) through an index on suspended_reason and a partial one
of the restricted members (chosen with or without statistics), instead of reading the member row of each
line. The client's list then reads the candidate's id of each line from its index alone: a client's 2,000
assignments were 2,000 table rows and 2,000 member rows per view (a 5.4 ms count, now 0.7 ms on the
benchmark's data).

Revision ID: 0013_disclosure_indexes
Revises: 0012_attempt_candidate_deadline
Create Date: 2026-12-03 18:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_disclosure_indexes"
down_revision = "0012_attempt_candidate_deadline"
branch_labels = None
depends_on = None

LIST_COLUMNS = ["client_id", "created_dt", "id", "result_shared_dt", "test_id"]


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_account_suspended_reason"), ["suspended_reason"], unique=False)
        batch_op.create_index(
            "ix_user_account_restricted",
            ["id"],
            unique=False,
            sqlite_where=sa.text("is_processing_restricted = 1"),
            postgresql_where=sa.text("is_processing_restricted"),
        )
    with op.batch_alter_table("assessment_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_assignment_client_created")
        batch_op.create_index("ix_assessment_assignment_client_created", [*LIST_COLUMNS, "candidate_id"], unique=False)


def downgrade():
    with op.batch_alter_table("assessment_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_assessment_assignment_client_created")
        batch_op.create_index("ix_assessment_assignment_client_created", LIST_COLUMNS, unique=False)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_index("ix_user_account_restricted")
        batch_op.drop_index(batch_op.f("ix_user_account_suspended_reason"))

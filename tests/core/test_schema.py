"""Rules of the schema that keep erasure and the purge fast at volume."""

from app.extensions import db


def leading_columns(table) -> set[str]:
    """Columns an index (or the primary key, or a unique constraint) can be searched by."""
    found = {next(iter(index.columns)).name for index in table.indexes if index.columns}
    found |= {column.name for column in table.primary_key.columns}
    found |= {
        next(iter(constraint.columns)).name
        for constraint in table.constraints
        if type(constraint).__name__ == "UniqueConstraint" and constraint.columns
    }
    return found


def test_every_reference_to_a_member_is_indexed(app):
    """Erasing a member deletes their row: the database then looks for rows pointing at it in every table,
    and without an index reads each of those tables whole (a million sign-in records, once per account)."""
    missing = [
        f"{table.name}.{key.parent.name}"
        for table in db.metadata.sorted_tables
        for key in table.foreign_keys
        if key.column.table.name == "user_account" and key.parent.name not in leading_columns(table)
    ]
    assert missing == []

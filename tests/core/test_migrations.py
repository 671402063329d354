"""The migrations build the same schema as the models, on the test database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect, select

from app.extensions import db
from app.privacy.models import PolicyVersion


def test_migrations_upgrade_an_empty_database_to_the_models(app):
    with app.app_context():
        db.drop_all()
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        assert {"user_account", "audit_event", "outbox_message"} <= set(inspect(db.engine).get_table_names())
        assert list(db.session.scalars(select(PolicyVersion.version).order_by(PolicyVersion.version))) == ["1.0", "2.0"]
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")

"""The Caseinjob portal: create_app() builds the application from configuration."""

import hashlib
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as config_module
from app.core.idle_ping import ping_after_idle
from app.core.sqlite_writers import (
    QueuedWriterConnection,
    configure_sqlite_connection,
    forget_pending_savepoints,
    statement_to_run,
)
from app.extensions import cache, db, limiter, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then the environment, then `test_config`."""
    app = Flask(__name__, instance_path=config_module.instance_path(), instance_relative_config=True)
    app.jinja_env.add_extension("jinja2.ext.do")
    env_name = (test_config or {}).get("APP_ENV") or config_module.environment_name()
    app.config.from_object(config_module.ENVIRONMENTS.get(env_name, config_module.Defaults))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.update(config_module.settings_from_environment())
    else:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_module.ensure_secrets(app.config, app.instance_path)
    _configure_paths(app)

    if app.config["PROXY_HOPS"]:  # the client's address and scheme as the trusted proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"], x_proto=app.config["PROXY_HOPS"])
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _register_personal_data()

    if app.config["MAIL_BACKGROUND_SENDER"] and not app.testing:
        from app.core.mail import start_sender_with_first_request

        start_sender_with_first_request(app)
    return app


def _configure_paths(app: Flask) -> None:
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'caseinjob.sqlite'}"
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    if not app.config.get("CACHE_DIR"):
        app.config["CACHE_DIR"] = str(Path(app.instance_path) / "cache")
    if not app.config.get("CACHE_KEY_PREFIX"):
        # Two portals sharing a cache (one Redis for staging and production) must not read each other's results.
        database = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
        app.config["CACHE_KEY_PREFIX"] = f"caseinjob:{database}:"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    # A copy: the defaults' dict is shared by every app this process builds (tests build many).
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"] = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if uri.startswith("sqlite"):
        # Wait for a lock instead of failing at once when two requests write together (sqlite3's
        # `timeout` is SQLite's busy_timeout); past it, the page answers 503 (core.errors).
        connect_args = options["connect_args"] = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_SECONDS"])
        connect_args.setdefault("factory", QueuedWriterConnection)
    # A server database's pooled connections are pinged after an idle spell only (_init_extensions).


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite, on every connection whatever its class (the writers' queue subclasses sqlite3.Connection):
    enforce foreign keys, write-ahead log for concurrent readers, fsync at checkpoints only (NORMAL is
    safe under WAL), the busy timeout, and erased bytes overwritten rather than left in free pages.
    pysqlite's own (deferred) BEGIN is turned off: the listeners below emit BEGIN IMMEDIATE instead, which
    also keeps SAVEPOINT (begin_nested) and DDL inside the transaction."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        configure_sqlite_connection(dbapi_connection)


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection) -> None:
    """SQLite: nothing is locked yet (see core.sqlite_writers); only savepoints left by an earlier transaction
    are forgotten."""
    if connection.dialect.name == "sqlite":
        forget_pending_savepoints(connection.connection.info)


@event.listens_for(Engine, "before_cursor_execute", retval=True)
def _sqlite_lock_at_first_write(connection, cursor, statement, parameters, context, executemany):
    """SQLite, for every request, command and test alike: reads run side by side in autocommit, and BEGIN
    IMMEDIATE comes right before the first write (or SELECT ... FOR UPDATE), so that no one holds the write
    lock across password hashing, rendering or mail, and a read followed by a write never fails at once."""
    if connection.dialect.name == "sqlite":
        fairy = connection.connection
        statement = statement_to_run(fairy.info, fairy.dbapi_connection, statement, context)
    return statement, parameters


def _init_extensions(app: Flask) -> None:
    from app.core import charts, errors, health, i18n, observability, security, static_files, values

    db.init_app(app)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            ping_after_idle(db.engine, app.config["DATABASE_PING_AFTER_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.needs_refresh_message = _l("Please sign in again to continue.")
    limiter.init_app(app)
    cache.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    static_files.init_app(app)
    errors.init_app(app)
    observability.init_app(app)
    health.init_app(app)
    values.init_app(app)
    charts.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.admin.blueprint import bp as admin_bp
    from app.applications.blueprint import bp as applications_bp
    from app.assessments.blueprint import bp as assessments_bp
    from app.auth.blueprint import bp as auth_bp
    from app.main.blueprint import bp as main_bp
    from app.main.blueprint import root_bp
    from app.privacy.blueprint import bp as privacy_bp
    from app.profiles.blueprint import bp as profiles_bp
    from app.simulations.blueprint import bp as simulations_bp
    from app.sponsors.blueprint import bp as sponsors_bp

    for blueprint in (
        root_bp,
        main_bp,
        auth_bp,
        profiles_bp,
        simulations_bp,
        privacy_bp,
        admin_bp,
        applications_bp,
        sponsors_bp,
        assessments_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from app.assessments.cli import assessments_cli
    from app.auth.cli import users_cli
    from app.core.cli import mail_cli, sms_cli, storage_cli
    from app.demo.cli import demo_cli
    from app.privacy.cli import privacy_cli
    from app.simulations.cli import simulations_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(sms_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(simulations_cli)
    app.cli.add_command(assessments_cli)


def _register_personal_data() -> None:
    """Import every feature's personal_data module, each of which registers its entries once."""
    from app.applications import personal_data as _applications  # noqa: F401
    from app.assessments import personal_data as _assessments  # noqa: F401
    from app.auth import personal_data as _auth  # noqa: F401
    from app.core import personal_data as _core  # noqa: F401
    from app.privacy import metrics as _privacy_metrics  # noqa: F401  (its figures for /metrics)
    from app.privacy import personal_data as _privacy  # noqa: F401
    from app.profiles import personal_data as _profiles  # noqa: F401
    from app.simulations import personal_data as _simulations  # noqa: F401
    from app.sponsors import personal_data as _sponsors  # noqa: F401

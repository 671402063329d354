"""Configuration: defaults here, then instance/config.py, then the environment.

Every environment variable the portal reads is read in this module, and nowhere else.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

#: The environments the portal knows. Anything but "development" and "testing" is production.
DEVELOPMENT = "development"
TESTING = "testing"
PRODUCTION = "production"


class Defaults:
    """Settings that hold in every environment unless overridden."""

    APP_ENV = PRODUCTION
    SQLALCHEMY_DATABASE_URI = None  # set from the instance folder when nothing else says
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: SQLite: how long a request waits for another writer's lock before it answers 503.
    SQLITE_BUSY_TIMEOUT_SECONDS = 15
    #: PostgreSQL: a pooled connection idle this long is pinged before a request uses it (app.core.idle_ping).
    DATABASE_PING_AFTER_IDLE_SECONDS = 2.0
    #: Argon2id parameters (argon2-cffi's PasswordHasher arguments); None: the library's recommended ones.
    PASSWORD_HASH_PARAMETERS: dict | None = None
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # the largest upload (a 10 MB CV) plus the form around it

    # Languages: English is the source, French the default for visitors who say nothing.
    LANGUAGES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"

    # Who runs the portal; the policy texts and e-mails interpolate these.
    PORTAL_NAME = "Caseinjob"
    CONTROLLER_NAME = "Caseinjob SAS"
    CONTROLLER_ADDRESS = "10 rue de la Paix, 75002 Paris, France"
    CONTACT_EMAIL = "contact@caseinjob.example"
    DPO_EMAIL = "privacy@caseinjob.example"
    BASE_URL = "http://127.0.0.1:5000"

    # Sessions: a signed cookie that names a server-side session row (auth.models.UserSession).
    SESSION_COOKIE_NAME = "caseinjob_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "caseinjob_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    SESSION_IDLE_TIMEOUT = timedelta(hours=2)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    REMEMBER_ME_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_DURATION = REMEMBER_ME_DURATION
    #: How often a session's last activity is written; more often costs a write per page.
    SESSION_TOUCH_INTERVAL = timedelta(minutes=1)

    # Links sent by e-mail.
    EMAIL_VERIFICATION_MAX_AGE = timedelta(days=2)
    PASSWORD_RESET_MAX_AGE = timedelta(hours=1)

    # CSRF: forms check their own token so that a stale form keeps what was typed;
    # every other state-changing request is checked before the view (core.security).
    WTF_CSRF_CHECK_DEFAULT = False
    # Longer than the longest timed test (240 minutes × a time factor of 3), so autosave never goes stale.
    WTF_CSRF_TIME_LIMIT = 13 * 3600

    # Rate limits (Flask-Limiter); in memory unless RATELIMIT_STORAGE_URI names Redis.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_ENABLED = True
    #: Behind a proxy (nginx, a load balancer): how many proxies in front of the portal set X-Forwarded-For
    #: and X-Forwarded-Proto (werkzeug's ProxyFix); 0 believes no such header, as a portal reached directly must.
    PROXY_HOPS = 0
    # Sign-in (auth.limits): only failed attempts count. Per address across accounts; per account and address
    # together, so that a stranger's wrong passwords use up her own budget and not the owner's; per account
    # whatever the address, a higher ceiling. A device the member signed in on before is held by neither.
    LOGIN_LIMIT_PER_IP = "25 per 5 minutes"
    LOGIN_LIMIT_PER_ACCOUNT_AND_IP = "6 per minute;20 per hour"
    LOGIN_LIMIT_PER_ACCOUNT = "60 per hour;200 per day"
    #: Wrong two-step codes that end a pending sign-in (the member must start over, and is told by e-mail).
    TWO_STEP_CODES_PER_SIGN_IN = 10
    TWO_STEP_LIMIT_PER_ACCOUNT = "20 per hour;50 per day"
    #: How long a browser at an address stays known to the sign-in limits after the member signed in from it
    #: (read from her sign-in records, which are kept 12 months: no cookie of its own).
    KNOWN_DEVICE_PERIOD = timedelta(days=90)
    REGISTRATION_LIMIT = "10 per hour"
    #: Reset requests per address, and per target (e-mail address or phone number) whatever the address.
    PASSWORD_RESET_LIMIT = "20 per 15 minutes"
    PASSWORD_RESET_LIMIT_PER_TARGET = "3 per 15 minutes;10 per day"
    #: Per member, like every limit on a signed-in action (core.ratelimit.member_or_address).
    SIMULATION_REQUEST_LIMIT = "20 per hour"
    #: Building the export reads everything about the member: a costly action (SECURITY.md 13).
    EXPORT_LIMIT = "5 per hour"
    PRIVACY_REQUEST_LIMIT = "10 per hour"

    # Computed results shared by the web processes (Flask-Caching): matching for now. Files in
    # instance/cache by default (every worker of one machine sees them); CACHE_TYPE=RedisCache with
    # CACHE_REDIS_URL for several machines.
    CACHE_TYPE = "FileSystemCache"
    CACHE_DIR = None  # instance/cache when unset
    CACHE_THRESHOLD = 50000  # files kept before the oldest are pruned
    CACHE_DEFAULT_TIMEOUT = 600
    #: Matching results are reused until something they depend on changes, and never longer than this.
    MATCHING_CACHE_SECONDS = 600

    # Mail: an outbox table, delivered over SMTP when MAIL_SERVER is set, else to the console.
    MAIL_SERVER = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None  # noqa: S105 (no default password: None means none)
    MAIL_DEFAULT_SENDER = "Caseinjob <no-reply@caseinjob.example>"
    MAIL_CONSOLE = False
    #: Deliver from a thread inside the web process (development: no other process to start).
    MAIL_BACKGROUND_SENDER = False
    MAIL_MAX_ATTEMPTS = 8

    # Text messages (SMS): an outbox table (core.sms), delivered to a provider's webhook when
    # SMS_WEBHOOK_URL is set (JSON {"to", "text"}, with a bearer token when SMS_WEBHOOK_TOKEN is set),
    # else to the console where SMS_CONSOLE is on; with neither, messages wait and are retried.
    SMS_WEBHOOK_URL = None
    SMS_WEBHOOK_TOKEN = None
    SMS_CONSOLE = False
    SMS_MAX_ATTEMPTS = 6
    #: How long the record of a text message (number, status, dates; never its text) is kept.
    SMS_RECORD_RETENTION = timedelta(days=90)
    #: One-time codes sent by SMS (verify a phone number, reset a password).
    PHONE_CODE_MAX_AGE = timedelta(minutes=10)
    PHONE_CODE_MAX_ATTEMPTS = 5
    #: Codes sent to one number, and codes one member asks for, whatever the page.
    SMS_LIMIT_PER_NUMBER = "3 per 15 minutes;10 per day"
    SMS_LIMIT_PER_ACCOUNT = "5 per hour;15 per day"
    #: Tries at typing a code, per number and per device, on top of PHONE_CODE_MAX_ATTEMPTS per code.
    PHONE_CODE_ENTRY_LIMIT = "10 per 15 minutes"

    # Files members upload; encrypted at rest with FILE_ENCRYPTION_KEY (Fernet) before they are stored.
    #: "local": UPLOAD_DIR on this machine; "s3": an S3-compatible bucket that every node shares.
    STORAGE_BACKEND = "local"
    UPLOAD_DIR = None
    FILE_ENCRYPTION_KEY = None
    S3_ENDPOINT_URL = None  # None: Amazon S3 itself; else MinIO, Ceph, Garage, Scaleway...
    S3_BUCKET = None
    S3_REGION = None
    AWS_ACCESS_KEY_ID = None
    AWS_SECRET_ACCESS_KEY = None

    # Security headers.
    HSTS_SECONDS = 31536000

    # Operations: "text" or "json" log lines; who may read /metrics (comma-separated networks).
    LOG_FORMAT = "text"
    METRICS_ALLOWED_NETWORKS = "127.0.0.1/32,::1/128"

    # Sponsors: data a school or employer provided is kept until the enrolment ends plus this long.
    SPONSOR_DATA_RETENTION = timedelta(days=365)
    SPONSOR_INVITATION_MAX_AGE = timedelta(days=30)
    SPONSOR_IMPORT_LIMIT = "30 per hour"

    # Interview simulations: how long an invited interviewer has to answer before the next one is asked.
    SIMULATION_INVITATION_HOURS = 72

    # Retention (the privacy issue's purge reads these).
    LOGIN_RECORD_RETENTION = timedelta(days=365)
    UNVERIFIED_ACCOUNT_RETENTION = timedelta(days=30)
    #: A delivered e-mail keeps its text this long (then its date and subject only); one to someone who has
    #: no account (an invitation never taken up) is deleted then, and so are such test invitations.
    DELIVERED_EMAIL_RETENTION = timedelta(days=30)
    # Assessments: the assigning client sees a result this long after it was made available (policy: 2 years).
    CLIENT_RESULT_RETENTION = timedelta(days=730)


class Development(Defaults):
    APP_ENV = DEVELOPMENT
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    MAIL_CONSOLE = True
    MAIL_BACKGROUND_SENDER = True
    SMS_CONSOLE = True
    HSTS_SECONDS = 0


class Testing(Defaults):
    APP_ENV = TESTING
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    FILE_ENCRYPTION_KEY = "o0Y4BUXAN2Di9IUEYy-UYUhTpIATbsA_hcbzINttMlI="  # a Fernet key for tests only
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    RATELIMIT_ENABLED = False
    #: Argon2 on purpose costs ~50 ms and 64 MiB a hash; tests hash thousands of times (one test checks the real ones).
    PASSWORD_HASH_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
    CACHE_TYPE = "SimpleCache"  # in the process: each test's app starts with an empty cache
    HSTS_SECONDS = 0
    SMS_CONSOLE = True
    BASE_URL = "http://localhost"
    SERVER_NAME = None


ENVIRONMENTS = {DEVELOPMENT: Development, TESTING: Testing, PRODUCTION: Defaults}

#: Environment variables read as they are (strings).
_STRING_VARIABLES = (
    "SECRET_KEY",
    "MAIL_SERVER",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_KEY_PREFIX",
    "CACHE_TYPE",
    "CACHE_DIR",
    "CACHE_REDIS_URL",
    "CACHE_KEY_PREFIX",
    "UPLOAD_DIR",
    "FILE_ENCRYPTION_KEY",
    "STORAGE_BACKEND",
    "LOG_FORMAT",
    "METRICS_ALLOWED_NETWORKS",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BASE_URL",
    "CONTROLLER_NAME",
    "CONTROLLER_ADDRESS",
    "CONTACT_EMAIL",
    "DPO_EMAIL",
    "SMS_WEBHOOK_URL",
    "SMS_WEBHOOK_TOKEN",
)
_BOOLEAN_VARIABLES = ("MAIL_USE_TLS", "MAIL_USE_SSL", "MAIL_BACKGROUND_SENDER", "SMS_CONSOLE")
_INTEGER_VARIABLES = ("MAIL_PORT", "PROXY_HOPS")


def environment_name() -> str:
    """The environment named by APP_ENV; production when unset, so that nothing is lax by accident."""
    return os.environ.get("APP_ENV", PRODUCTION)


def instance_path() -> str | None:
    """INSTANCE_PATH: this node's own folder (config.py, secrets in development, local uploads); None: instance/."""
    found = os.environ.get("INSTANCE_PATH")
    return os.path.abspath(found) if found else None


def settings_from_environment() -> dict:
    """The settings that the environment variables give, converted to their types."""
    found: dict = {}
    for name in _STRING_VARIABLES:
        if os.environ.get(name):
            found[name] = os.environ[name]
    for name in _BOOLEAN_VARIABLES:
        if name in os.environ:
            found[name] = os.environ[name].strip().lower() in {"1", "true", "yes", "on"}
    for name in _INTEGER_VARIABLES:
        if os.environ.get(name):
            found[name] = int(os.environ[name])
    if os.environ.get("DATABASE_URL"):
        found["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    return found


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class MissingSecretKey(RuntimeError):
    """Production refuses to start without a SECRET_KEY: sessions would be forgeable."""


def ensure_secrets(config: dict, instance_path: str) -> None:
    """Fill SECRET_KEY and FILE_ENCRYPTION_KEY in development; refuse to start without them in production."""
    env = config["APP_ENV"]
    if not config.get("SECRET_KEY"):
        if env == PRODUCTION:
            raise MissingSecretKey(
                "SECRET_KEY is not set. In production, set the SECRET_KEY environment variable "
                "(or SECRET_KEY in instance/config.py) to a long random value, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        config["SECRET_KEY"] = _read_or_create(Path(instance_path) / "secret_key", lambda: secrets.token_urlsafe(48))
    if not config.get("FILE_ENCRYPTION_KEY"):
        if env == PRODUCTION:
            raise MissingSecretKey(
                "FILE_ENCRYPTION_KEY is not set. In production, set it to a Fernet key, for example the output "
                "of `python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`."
            )
        from cryptography.fernet import Fernet

        config["FILE_ENCRYPTION_KEY"] = _read_or_create(
            Path(instance_path) / "file_key", lambda: Fernet.generate_key().decode()
        )


def _read_or_create(path: Path, make) -> str:
    """A development secret kept in the instance folder so that it survives restarts."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value

"""Configuration: production refuses to start without secrets; development creates them."""

import pytest

from app import create_app
from app.config import MissingSecretKey, ensure_secrets, normalise_database_url, settings_from_environment


def test_production_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(MissingSecretKey, match="SECRET_KEY is not set"):
        create_app({"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite"})


def test_development_generates_secrets_that_survive_restarts(tmp_path):
    first, second = {"APP_ENV": "development"}, {"APP_ENV": "development"}
    ensure_secrets(first, str(tmp_path))
    ensure_secrets(second, str(tmp_path))
    assert len(first["SECRET_KEY"]) >= 40
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["FILE_ENCRYPTION_KEY"] == second["FILE_ENCRYPTION_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_variables_are_read_and_typed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://user@db/portal")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    settings = settings_from_environment()
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db/portal"
    assert settings["MAIL_PORT"] == 2525 and settings["MAIL_USE_TLS"] is True
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_postgres_urls_use_psycopg():
    assert normalise_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"

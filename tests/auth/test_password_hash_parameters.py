"""The suite hashes with cheap Argon2 parameters; every other environment keeps the library's recommended ones."""

from argon2 import PasswordHasher, extract_parameters

from app import create_app
from app.auth.passwords import hash_password, needs_rehash, verify_password

SECRETS = {"SECRET_KEY": "x" * 48, "FILE_ENCRYPTION_KEY": "o0Y4BUXAN2Di9IUEYy-UYUhTpIATbsA_hcbzINttMlI="}


def test_production_and_development_hash_with_the_recommended_argon2id_parameters(tmp_path):
    recommended = PasswordHasher()
    for environment in ("production", "development"):
        app = create_app(
            {"APP_ENV": environment, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}", **SECRETS}
        )
        with app.app_context():
            password_hash = hash_password("a long enough passphrase")
            parameters = extract_parameters(password_hash)
            assert password_hash.startswith("$argon2id$")
            assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (
                recommended.time_cost,
                recommended.memory_cost,
                recommended.parallelism,
            )
            assert verify_password(password_hash, "a long enough passphrase")
            assert not needs_rehash(password_hash)


def test_a_cheap_test_hash_is_rehashed_when_the_member_signs_in_on_production_settings(app, tmp_path):
    with app.app_context():
        cheap = hash_password("a long enough passphrase")
    production = create_app(
        {"APP_ENV": "production", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.sqlite'}", **SECRETS}
    )
    with production.app_context():
        assert verify_password(cheap, "a long enough passphrase")
        assert needs_rehash(cheap)

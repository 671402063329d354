"""The `app` fixture hands the same app to test after test (tests/conftest.py, ReusedApps): each must get it
back as new. The tests of this file run in order on one worker (`--dist loadfile`): the first changes what a
test can change, the second finds none of it."""

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db

SEEN = {}


def test_a_test_changes_its_app_and_database(app, make_user, tmp_path):
    SEEN["app"], SEEN["upload_dir"] = app, app.config["UPLOAD_DIR"]
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "uploads")
    make_user("left.behind@example.com")
    app.config["MAIL_CONSOLE"] = "changed by a test"
    app.config["PASSWORD_RESET_MAX_AGE"] = None
    app.extensions["left_by_a_test"] = object()


def test_the_next_test_gets_the_same_app_as_new(app, tmp_path):
    assert app is SEEN["app"], "the app was built again: the fixture no longer reuses it"
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "uploads") != SEEN["upload_dir"]
    assert app.config["MAIL_CONSOLE"] != "changed by a test"
    assert app.config["PASSWORD_RESET_MAX_AGE"] is not None
    assert "left_by_a_test" not in app.extensions
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0

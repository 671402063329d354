"""The stylesheet, script and images: addressed by their content's version and kept by browsers for a year,
so that a page view no longer asks for them again; a file that changes gets a new address."""

import re

import pytest

from app.core import static_files

STATIC = re.compile(r'(?:href|src)="(/static/[^"?]+)\?v=([0-9a-f]{12})"')


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_pages_link_static_files_by_version_and_browsers_keep_them(client, lang):
    linked = STATIC.findall(client.get(f"/{lang}/").text)
    assert {path for path, _ in linked} >= {"/static/css/app.css", "/static/js/app.js", "/static/img/logo.svg"}
    for path, version in linked:
        answer = client.get(f"{path}?v={version}")
        assert answer.status_code == 200
        assert answer.cache_control.max_age == static_files.VERSIONED_MAX_AGE and answer.cache_control.immutable
        assert answer.cache_control.public and not answer.cache_control.no_cache


def test_an_unversioned_or_stale_address_is_checked_again_each_time(client):
    for address in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        answer = client.get(address)
        assert answer.status_code == 200 and answer.cache_control.no_cache and not answer.cache_control.max_age


@pytest.mark.own_app  # it moves the app's static folder
def test_a_changed_file_gets_a_new_address(app, tmp_path):
    app.static_folder = str(tmp_path)
    (tmp_path / "site.css").write_text("body { color: black }")
    with app.test_request_context():
        from flask import url_for

        first = url_for("static", filename="site.css")
        (tmp_path / "site.css").write_text("body { color: navy; }")
        second = url_for("static", filename="site.css")
    assert first != second and first.startswith("/static/site.css?v=")


def test_a_missing_file_still_gets_an_address(app):
    with app.test_request_context():
        from flask import url_for

        assert url_for("static", filename="nowhere.css") == "/static/nowhere.css?v=0"

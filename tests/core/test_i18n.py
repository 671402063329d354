"""Two languages: the catalog is complete and current, URLs carry the language, the switcher keeps the page."""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.core import static_files
from tests.conftest import csrf_from

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "app/translations/fr/LC_MESSAGES/messages.po"


def load_catalog():
    with CATALOG.open("rb") as handle:
        return read_po(handle)


def test_french_catalog_has_no_empty_fuzzy_or_broken_entry():
    catalog = load_catalog()
    empty = [m.id for m in catalog if m.id and not (m.string if isinstance(m.string, str) else all(m.string))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    broken = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert empty == [], f"untranslated: {empty[:10]}"
    assert fuzzy == [], f"fuzzy: {fuzzy[:10]}"
    assert broken == [], f"placeholders differ: {broken[:10]}"


def test_catalog_matches_a_fresh_extraction(tmp_path):
    pot = tmp_path / "fresh.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        fresh = {str(m.id) for m in read_po(handle) if m.id}
    current = {str(m.id) for m in load_catalog() if m.id}
    assert sorted(fresh - current, key=str) == [], "strings missing from the catalog: run `make translations`"
    assert sorted(current - fresh, key=str) == [], "stale strings in the catalog: run `make translations`"


@pytest.mark.parametrize(
    ("header", "expected"),
    [("en-GB,en;q=0.9", "/en/"), ("fr-FR,fr;q=0.9", "/fr/"), ("de-DE", "/fr/"), (None, "/fr/")],
)
def test_root_follows_accept_language_then_french(client, header, expected):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_root_follows_the_saved_preference_first(client, make_user, auth):
    make_user("member@example.com", locale="en")
    auth.login("member@example.com", lang="fr")
    assert client.get("/", headers={"Accept-Language": "fr"}).headers["Location"] == "/en/"


@pytest.mark.parametrize(("lang", "heading"), [("fr", "Créer un compte"), ("en", "Create an account")])
def test_pages_render_in_their_language(client, lang, heading):
    response = client.get(f"/{lang}/register")
    assert f'<html lang="{lang}">' in response.text
    assert f"<h1>{heading}</h1>" in response.text


def test_unknown_language_is_404(client):
    assert client.get("/de/register").status_code == 404


def test_switcher_keeps_the_page_and_query_for_visitors(client):
    page = client.get("/fr/login?next=/fr/account")
    assert 'href="/en/login?next=/fr/account"' in page.text
    assert 'hreflang="en" href="/en/login?next=/fr/account"' in page.text


def test_switcher_saves_the_choice_of_a_signed_in_member(app, client, make_user, auth):
    make_user("member@example.com", locale="fr")
    auth.login("member@example.com", lang="fr")
    page = client.get("/fr/account/sessions")
    response = client.post(
        "/en/language",
        data={"language": "en", "next": "/en/account/sessions", "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"] == "/en/account/sessions"
    assert client.get("/", headers={"Accept-Language": "fr"}).headers["Location"] == "/en/"


def test_switcher_refuses_an_offsite_next(client, make_user, auth):
    make_user("member@example.com")
    auth.login("member@example.com")
    token = csrf_from(client.get("/en/dashboard").text)
    response = client.post(
        "/fr/language", data={"language": "fr", "next": "https://evil.example.com", "csrf_token": token}
    )
    assert response.headers["Location"] == "/fr/"


def test_dates_are_formatted_by_babel_in_the_page_language(client, make_user, auth):
    make_user("member@example.com")
    auth.login("member@example.com", lang="fr")
    page = client.get("/fr/privacy/versions")
    assert "15 février 2018" in page.text
    assert "February 15, 2018" in client.get("/en/privacy/versions").text


TEMPLATE_STRINGS = """\
{% set shown_after_a_set = 1 %}
<p>{{ _('Dashboard') }}</p>
<p>{% trans message=name %}Hello {{ message }}{% endtrans %}</p>
<p>{% trans count=n %}{{ count }} record{% pluralize %}{{ count }} records{% endtrans %}</p>
<p>{{ _('%(share)s%% done', share=50) }}</p>
"""


@pytest.mark.parametrize(
    ("lang", "dashboard", "records"),
    [("en", "Dashboard", "2 records"), ("fr", "Tableau de bord", "2 enregistrements")],
)
def test_template_translations_escape_their_values_and_format_as_jinja_does(app, lang, dashboard, records):
    from flask import render_template_string

    with app.test_request_context(f"/{lang}/"):
        app.preprocess_request()
        html = render_template_string(TEMPLATE_STRINGS, name="<b>Zoé</b>", n=2)
    assert f"<p>{dashboard}</p>" in html
    assert "<p>Hello &lt;b&gt;Zoé&lt;/b&gt;</p>" in html  # a variable named like gettext's own argument
    assert f"<p>{records}</p>" in html
    assert "<p>50% done</p>" in html


def test_remembered_links_follow_the_language_and_keep_their_arguments(app):
    from flask import render_template_string

    template = "{{ url_for('privacy.dashboard') }} {{ url_for('static', filename='css/app.css') }} " + (
        "{{ url_for('privacy.policy_version', version='1.0') }} {{ url_for('privacy.dashboard', _anchor='consents') }}"
    )
    pages = {}
    for lang in ("fr", "en", "fr"):
        with app.test_request_context(f"/{lang}/"):
            app.preprocess_request()
            pages.setdefault(lang, []).append(render_template_string(template))
    stylesheet = f"/static/css/app.css?v={static_files.version_of('css/app.css', app.static_folder)}"
    french = f"/fr/privacy/dashboard {stylesheet} /fr/privacy/versions/1.0 /fr/privacy/dashboard#consents"
    assert pages["fr"] == [french, french]
    assert pages["en"][0].startswith(f"/en/privacy/dashboard {stylesheet} /en/privacy/versions/1.0")

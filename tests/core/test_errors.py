"""Error pages: in the visitor's language, with no internals."""

import pytest
from werkzeug.exceptions import ServiceUnavailable

from tests.conftest import shown


@pytest.mark.parametrize(("lang", "title"), [("en", "Page not found"), ("fr", "Page introuvable")])
def test_404_in_the_page_language(client, lang, title):
    response = client.get(f"/{lang}/no-such-page")
    assert response.status_code == 404
    assert title in shown(response)
    assert f'<html lang="{lang}">' in response.text


def test_405_page(client):
    response = client.get("/en/logout")
    assert response.status_code == 405
    assert "Method not allowed" in response.text


@pytest.fixture
def failing_app(app):
    @app.route("/<lang:lang_code>/boom")
    def boom():
        raise RuntimeError("secret internal detail /etc/passwd SELECT * FROM user_account")

    @app.route("/<lang:lang_code>/down")
    def down():
        raise ServiceUnavailable()

    return app


@pytest.mark.own_app
@pytest.mark.parametrize(("lang", "title"), [("en", "Something went wrong"), ("fr", "Une erreur s'est produite")])
def test_500_shows_no_internals(failing_app, lang, title):
    response = failing_app.test_client().get(f"/{lang}/boom")
    assert response.status_code == 500
    assert title in shown(response)
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.own_app
@pytest.mark.parametrize(("lang", "title"), [("en", "Service unavailable"), ("fr", "Service indisponible")])
def test_503_page(failing_app, lang, title):
    response = failing_app.test_client().get(f"/{lang}/down")
    assert response.status_code == 503
    assert title in shown(response)


def test_413_page_for_a_body_too_large(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/fr/login", data={"identifier": "x" * 5000})
    assert response.status_code == 413
    assert "Fichier trop volumineux" in shown(response)


def test_400_for_a_missing_csrf_token_outside_forms(client):
    response = client.post("/fr/language", data={"language": "en"})
    assert response.status_code == 400
    assert "Votre formulaire a expiré" in shown(response)

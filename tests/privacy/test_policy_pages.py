"""The policy pages: the version in force, earlier versions, both languages, configured contacts."""

import pytest

from tests.conftest import shown


@pytest.mark.parametrize(("lang", "title"), [("en", "Privacy policy"), ("fr", "Politique de confidentialité")])
def test_current_policy_is_version_2_with_contents(app, client, lang, title):
    response = client.get(f"/{lang}/privacy")
    text = shown(response)
    assert response.status_code == 200
    assert f"<h1>{title}</h1>" in text
    assert "2.0" in text
    assert 'class="policy-toc"' in text and 'href="#your-rights"' in text
    assert app.config["DPO_EMAIL"] in text and app.config["CONTROLLER_NAME"] in text


def test_versions_page_lists_both_with_links(client):
    page = client.get("/fr/privacy/versions")
    assert 'href="/fr/privacy/versions/1.0"' in page.text and 'href="/fr/privacy/versions/2.0"' in page.text
    old = client.get("/en/privacy/versions/1.0")
    assert "This is an earlier version." in old.text
    assert 'data-clause="retention-client-data-2-years"' not in old.text  # tests came with 2.0
    assert 'data-clause="retention-client-data-2-years"' in client.get("/en/privacy/versions/2.0").text


def test_unknown_version_is_404(client):
    assert client.get("/en/privacy/versions/9.9").status_code == 404


def test_controller_identity_comes_from_configuration(app, client):
    app.config.update(CONTROLLER_NAME="Exemple Portail SARL", DPO_EMAIL="dpo@portail.example")
    text = shown(client.get("/fr/privacy"))
    assert "Exemple Portail SARL" in text and "dpo@portail.example" in text


RIGHTS = (
    "right-access",
    "right-rectification",
    "right-erasure",
    "right-restriction",
    "right-portability",
    "right-objection",
    "right-withdraw-consent",
)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "en",
            (
                "access",
                "rectification",
                "erasure",
                "restrict",
                "portability",
                "object",
                "withdraw",
                "2 years",
                "CNIL",
                "one month",
            ),
        ),
        (
            "fr",
            (
                "accès",
                "rectification",
                "effacement",
                "limitation",
                "portabilité",
                "opposer",
                "retirer",
                "2 ans",
                "CNIL",
                "un mois",
            ),
        ),
    ],
)
def test_every_right_the_retention_and_the_contact_are_in_both_languages(app, client, lang, words):
    text = shown(client.get(f"/{lang}/privacy"))
    for clause in (*RIGHTS, "retention-client-data-2-years", "complaint-authority", "contact"):
        assert f'data-clause="{clause}"' in text, clause
    lowered = text.lower()
    for word in words:
        assert word.lower() in lowered, (lang, word)
    assert app.config["DPO_EMAIL"] in text and app.config["CONTACT_EMAIL"] in text

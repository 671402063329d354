"""Caches kept by the process cannot show one member's data to another: each page part is kept under exactly
what it reads, so two members who differ in everything a page shows, rendered one after the other and
interleaved in the same process, each see only their own values."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from flask import g, url_for
from flask_babel import force_locale, get_locale, refresh
from freezegun import freeze_time

from app.auth.models import Role
from app.core import i18n
from app.privacy.dashboard_parts import FixedParts
from app.privacy.policy_text import policy_text
from app.simulations.explain import reasons_text
from app.simulations.matching import Reason
from tests.conftest import AuthActions, shown
from tests.privacy.conftest import Member

#: Every time the dashboard shows (sign-ins, sessions, consents, restriction) is this moment.
NOW = datetime(2027, 1, 15, 9, 30, tzinfo=UTC)


@dataclass
class Person:
    email: str
    first_name: str
    last_name: str
    phone: str
    locale: str
    timezone: str
    roles: tuple[Role, ...]
    consents: set[str]
    restricted: bool
    #: The correction link that her roles give her, as /{lang}... (a candidate's profile, an interviewer's).
    correction_page: str
    member: Member | None = field(default=None, repr=False)


def _people() -> tuple[Person, Person]:
    return (
        Person(
            email="aurelie.fontaine@example.com",
            first_name="Aurélie",
            last_name="Fontaine",
            phone="+33611223344",
            locale="fr",
            timezone="Europe/Paris",
            roles=(Role.CANDIDATE,),
            consents={"marketing", "research"},
            restricted=False,
            correction_page="/profile",
        ),
        Person(
            email="bartholomew.quill@example.com",
            first_name="Bartholomew",
            last_name="Quill",
            phone="+447700900123",
            locale="en",
            timezone="Asia/Tokyo",
            roles=(Role.INTERVIEWER, Role.CLIENT),
            consents={"surveys"},
            restricted=True,
            correction_page="/interviewer-profile",
        ),
    )


#: What the account card writes for her language and time zone, in the page's language.
LANGUAGE_NAMES = {"en": {"fr": "French", "en": "English"}, "fr": {"fr": "Français", "en": "Anglais"}}
ZONE_NAMES = {
    "en": {"Europe/Paris": "France (Paris)", "Asia/Tokyo": "Japan (Tokyo)"},
    "fr": {"Europe/Paris": "France (Paris)", "Asia/Tokyo": "Japon (Tokyo)"},
}
ROLE_NAMES = {
    "en": {Role.CANDIDATE: "Candidate", Role.INTERVIEWER: "Interviewer", Role.CLIENT: "Client"},
    "fr": {Role.CANDIDATE: "Candidat", Role.INTERVIEWER: "Interviewer", Role.CLIENT: "Client"},
}
#: Texts of the parts kept by the process (card facts, consent form, objection form, correction link).
PART_TEXTS = {
    "en": ("Who receives it", "Save my choices", "What do you object to", "Correct or complete this data"),
    "fr": (
        "Destinataires",
        "Enregistrer mes choix",
        "À quoi vous opposez-vous",
        "Corriger ou compléter ces données",
    ),
}
CHECKBOX = re.compile(r'<input type="checkbox" id="consent-([a-z_]+)"[^>]*?( checked)?>')


def _account_card(page: str) -> dict[str, str]:
    card = page.split('id="data-account"', 1)[1].split("</details>", 1)[0]
    return dict(re.findall(r"<dt>([^<]*)</dt>\s*<dd>([^<]*)</dd>", card))


def _moment(person: Person, lang: str) -> str:
    """NOW as the dashboard writes it for her: short, in her time zone and the page's language."""
    return format_datetime(NOW, "short", tzinfo=ZoneInfo(person.timezone), locale=lang)


def _what_she_sees(page: str, lang: str) -> dict:
    card = _account_card(page)
    labels = {"en": ("Language", "Time zone", "Roles"), "fr": ("Langue", "Fuseau horaire", "Rôles")}[lang]
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return {
        "language": card.get(labels[0]),
        "time zone": card.get(labels[1]),
        "roles": card.get(labels[2]),
        "consents": {purpose for purpose, checked in CHECKBOX.findall(page) if checked},
        "lift restriction": ("Lift the restriction" if lang == "en" else "Lever la limitation") in page,
        "correction links": {path for path in ("/profile", "/interviewer-profile") if f'href="/{lang}{path}"' in main},
        "part texts": {text for texts in PART_TEXTS.values() for text in texts if text in page},
    }


def _expected(person: Person, lang: str) -> dict:
    return {
        "language": LANGUAGE_NAMES[lang][person.locale],
        "time zone": ZONE_NAMES[lang][person.timezone],
        "roles": ", ".join(sorted(ROLE_NAMES[lang][role] for role in person.roles)),
        "consents": person.consents,
        "lift restriction": person.restricted,
        "correction links": {person.correction_page},
        "part texts": set(PART_TEXTS[lang]),
    }


def _check(person: Person, other: Person, lang: str) -> None:
    response = person.member.get(f"/{lang}/privacy/dashboard")
    assert response.status_code == 200
    page = shown(response)
    assert _what_she_sees(page, lang) == _expected(person, lang), (person.first_name, lang)
    for value in (person.first_name, person.last_name, person.email, person.phone, _moment(person, lang)):
        assert value in page, (person.first_name, lang, value)
    for value in (other.first_name, other.last_name, other.email, other.phone, _moment(other, lang)):
        assert value not in page, (person.first_name, lang, value)


@pytest.fixture
def two_members(app, make_user):
    """Two signed-in members who differ in everything the dashboard shows, with nothing cached yet."""
    FixedParts._rendered.clear()
    with freeze_time(NOW):
        people = _people()
        for person in people:
            user_id = make_user(
                person.email,
                roles=person.roles,
                locale=person.locale,
                first_name=person.first_name,
                last_name=person.last_name,
                phone=person.phone,
                timezone=person.timezone,
            )
            client = app.test_client()
            auth = AuthActions(client)
            auth.login(person.email, lang=person.locale)
            person.member = Member(client=client, auth=auth, user_id=user_id, email=person.email)
            choices = {f"consent-{purpose}": "y" for purpose in person.consents}
            assert person.member.post("/en/privacy/consents", choices).status_code == 302
            if person.restricted:
                assert person.member.post("/en/privacy/restriction").status_code == 302
        yield people


def test_two_members_see_only_their_own_dashboard_one_after_the_other_and_interleaved(two_members):
    aurelie, bartholomew = two_members
    with freeze_time(NOW):
        # One after the other: each fills the cache with her parts, in both languages...
        for person, other in ((aurelie, bartholomew), (bartholomew, aurelie)):
            for lang in ("en", "fr"):
                _check(person, other, lang)
        # ...then interleaved, in the same language and across languages.
        for person, other, lang in [
            (aurelie, bartholomew, "en"),
            (bartholomew, aurelie, "en"),
            (bartholomew, aurelie, "fr"),
            (aurelie, bartholomew, "fr"),
            (aurelie, bartholomew, "en"),
            (bartholomew, aurelie, "fr"),
        ]:
            _check(person, other, lang)


# --- the other parts kept by the process ----------------------------------------------------------


def test_the_policy_text_follows_the_locale_of_its_paragraphs_and_the_language_of_its_link(app, client):
    """Kept per version, locale, link language and script root: an e-mail in another language (force_locale)
    or a portal under another root cannot get the text rendered for the page."""
    for lang in ("en", "fr", "en"):
        assert client.get(f"/{lang}/privacy").status_code == 200
    template = "privacy/policies/v2.html"
    with app.test_request_context("/en/privacy"):
        english = policy_text(template)
        with force_locale("fr"):
            french_words = policy_text(template)
    with app.test_request_context("/en/privacy", base_url="http://localhost/portal/"):
        under_root = policy_text(template)
    assert french_words != english and "/en/privacy/versions" in french_words
    assert 'href="/en/privacy/versions"' in english
    assert 'href="/portal/en/privacy/versions"' in under_root


@pytest.mark.parametrize(
    ("lang", "paris", "los_angeles"),
    [
        ("en", "Free on Tuesday evening.", "Free on Tuesday morning."),
        ("fr", "Libre le mardi soir.", "Libre le mardi matin."),
    ],
)
def test_reason_sentences_are_kept_per_time_zone_and_language(app, lang, paris, los_angeles):
    reason = [Reason("free", {"start": "2027-01-19T17:30:00+00:00"})]  # 18:30 in Paris, 09:30 in Los Angeles
    other = "fr" if lang == "en" else "en"
    with app.test_request_context(f"/{lang}/"):
        assert reasons_text(reason, "Europe/Paris") == paris
        with force_locale(other):
            assert reasons_text(reason, "Europe/Paris") != paris
        assert reasons_text(reason, "America/Los_Angeles") == los_angeles
        assert reasons_text(reason, "Europe/Paris") == paris


def test_wtforms_messages_follow_the_page_language(app):
    for lang, message in [
        ("fr", "N'est pas un choix valide"),
        ("en", "Not a valid choice"),
        ("fr", "N'est pas un choix valide"),
    ]:
        with app.test_request_context(f"/{lang}/"):
            assert message in i18n._WTFORMS_TRANSLATIONS.ugettext("Not a valid choice.")


def test_links_are_kept_per_language_script_root_and_never_for_a_blueprints_own_endpoint(app):
    for path, root, expected in [
        ("/en/dashboard", "", "/en/privacy/dashboard"),
        ("/fr/dashboard", "", "/fr/privacy/dashboard"),
        ("/en/dashboard", "/portal", "/portal/en/privacy/dashboard"),
    ]:
        with app.test_request_context(path, base_url=f"http://localhost{root}/"):
            assert i18n.remembered_url_for("privacy.dashboard") == expected
    # ".dashboard" is main.dashboard on the home dashboard and privacy.dashboard on the privacy pages.
    with app.test_request_context("/en/dashboard"):
        assert i18n.remembered_url_for(".dashboard") == "/en/dashboard"
    with app.test_request_context("/en/privacy/dashboard"):
        assert i18n.remembered_url_for(".dashboard") == "/en/privacy/dashboard"


# --- page translations and Flask-Babel's state -------------------------------------------------------


def test_page_translations_follow_force_locale_and_refresh_within_one_request(app):
    with app.test_request_context("/fr/"):
        assert i18n.page_translations().ugettext("Sign out") == "Se déconnecter"
        with force_locale("en"):
            assert i18n.page_translations().ugettext("Sign out") == "Sign out"
        assert i18n.page_translations().ugettext("Sign out") == "Se déconnecter"
        g.lang_code = "en"  # as a member who changes her language mid-request
        refresh()
        assert i18n.page_translations().ugettext("Sign out") == "Sign out"
    with app.test_request_context("/en/"):
        assert i18n.page_translations().ugettext("Sign out") == "Sign out"
    with app.test_request_context("/fr/"):
        assert i18n.page_translations().ugettext("Sign out") == "Se déconnecter"


def test_the_babel_adapter_agrees_with_get_locale_and_reads_flask_babels_state(app, monkeypatch):
    """babel_locale is the one reader of Flask-Babel's private state: if an upgrade moves it, this fails
    (the adapter would still answer right, through get_locale(), only slower)."""
    with app.test_request_context("/fr/"):
        namespace = g._get_current_object()
        assert i18n.babel_locale(namespace) is get_locale()  # chosen by the first call, if not before
        with force_locale("en"):
            assert str(i18n.babel_locale(namespace)) == "en" and i18n.babel_locale(namespace) is get_locale()
        assert str(i18n.babel_locale(namespace)) == "fr"
        monkeypatch.setattr(i18n, "get_locale", lambda: pytest.fail("the quick path was not taken"))
        assert str(i18n.babel_locale(namespace)) == "fr"


def test_the_lang_code_endpoints_are_kept_in_the_apps_extensions_not_on_its_url_map(app):
    with app.test_request_context("/fr/"):
        assert url_for("privacy.dashboard") == "/fr/privacy/dashboard"
        assert url_for("static", filename="app.css").startswith("/static/")
    assert app.extensions[i18n._LANG_CODE_ENDPOINTS] == {"privacy.dashboard": True, "static": False}
    assert "_lang_code_endpoints" not in vars(app.url_map)


# --- the main menu ------------------------------------------------------------------------------------

MENU_ENTRIES = {
    "en": {"dashboard": "Dashboard", "tests": "Tests", "client": "Assigned tests", "authoring": "Test authoring"},
    "fr": {
        "dashboard": "Tableau de bord",
        "tests": "Tests",
        "client": "Tests assignés",
        "authoring": "Rédaction de tests",
    },
}
MENU_ALWAYS = {"en": ("My privacy", "My account"), "fr": ("Ma confidentialité", "Mon compte")}
#: page path -> the entry it marks as the current page
MENU_PAGES = {"/dashboard": "dashboard", "/privacy/dashboard": "My privacy", "/account": "My account"}
MENU_LINK = re.compile(r'<a href="([^"]*)"\s*(aria-current="page")?\s*>([^<]*)</a>')
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _menu_of(page: str) -> tuple[dict[str, str], set[str], str | None]:
    """({link text: href}, the texts marked current, the sign-out form's token) of the page's main menu."""
    menu = page.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    links = MENU_LINK.findall(menu)
    token = TOKEN_FIELD.search(menu)
    return (
        {text: href for href, _current, text in links},
        {text for _href, current, text in links if current},
        token.group(1) if token else None,
    )


def test_the_main_menu_shows_each_member_her_own_entries_current_page_and_token_interleaved(app, make_user):
    """Kept per locale, language, roles and section: a candidate who also writes tests and a client, in both
    languages and on three sections, interleaved, each see only the entries of their own roles, the page they
    are on marked, and a sign-out token that signs them out (their own session's)."""
    people = {"candidate": (Role.CANDIDATE, Role.TEST_AUTHOR), "client": (Role.CLIENT,)}
    entries = {"candidate": ("tests", "authoring"), "client": ("client",)}
    members = {}
    for name, roles in people.items():
        make_user(f"{name}-menu@example.com", roles=roles)
        member = app.test_client()
        AuthActions(member).login(f"{name}-menu@example.com")
        members[name] = member
    visits = [(name, lang, path) for lang in ("en", "fr", "en") for path in MENU_PAGES for name in people]
    tokens = {}
    for name, lang, path in visits:
        page = shown(members[name].get(f"/{lang}{path}"))
        links, current, token = _menu_of(page)
        labels = MENU_ENTRIES[lang]
        expected = {labels["dashboard"], *(labels[entry] for entry in entries[name]), *MENU_ALWAYS[lang]}
        assert set(links) == expected, (name, lang, path)
        assert all(href.startswith(f"/{lang}/") for href in links.values()), (name, lang, links)
        marked = MENU_PAGES[path]
        marked = labels["dashboard"] if marked == "dashboard" else MENU_ALWAYS[lang][marked == "My account"]
        assert current == {marked}, (name, lang, path)
        # The token is the one every other form of her page carries (her session's), never another member's.
        assert token in TOKEN_FIELD.findall(page.split("</nav>", 1)[1]), (name, lang, path)
        tokens.setdefault(name, set()).add(token)
    assert not tokens["candidate"] & tokens["client"]
    # The kept token signs her out.
    answer = members["client"].post("/en/logout", data={"csrf_token": next(iter(tokens["client"]))})
    assert answer.status_code == 302
    assert members["client"].get("/en/dashboard").status_code in (302, 401)
    # Signed out, the menu offers to sign in, marked on the sign-in page, and no form with a token.
    for lang, sign_in in (("en", "Sign in"), ("fr", "Se connecter")):
        links, current, token = _menu_of(shown(members["client"].get(f"/{lang}/login")))
        assert sign_in in links and current == {sign_in} and token is None, lang

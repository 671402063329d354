"""The privacy dashboard writes values for people: every registry entry's values, for a member who filled
everything, in both languages, without a raw list or dictionary, an ISO timestamp, a language code or `None`."""

import re
from html import unescape

import pytest

from tests.privacy.test_no_trace import MARKERS, she_fills_everything

#: What a page written for people never shows: Python's lists, dicts and None, ISO dates and times.
RAW = {
    "a dictionary": re.compile(r"\{'|\{\"|'\}|\{\}"),
    "a list": re.compile(r"\['|\[\"|'\]|\[\]|\[\d"),
    "None": re.compile(r"\bNone\b"),
    "an ISO date-time": re.compile(r"\d{4}-\d\d-\d\dT\d\d:|T00:"),
    "an ISO date": re.compile(r"\b\d{4}-\d\d-\d\d\b"),
}


#: Stored codes that must reach the page as words ("consulting_firm" -> "Consulting firm").
CODES = re.compile(r"\b[a-z]+_[a-z_]+\b|\b(?:consulting|candidate|connections|c1)\b|Cv:")


def shown_text(html: str) -> str:
    """The page's text as a reader sees it: what is inside <main>, tags and scripts dropped."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", main))


def the_values(html: str) -> str:
    """The text of the data cards' values (the <dl class="values"> lists)."""
    return " ".join(
        shown_text(f"<main>{part}</main>") for part in re.findall(r'class="facts values".*?</dl>', html, re.S)
    )


@pytest.fixture
def everything(app, make_user):
    """A member who filled every form she can (tests/privacy/test_no_trace.py), signed in."""
    return she_fills_everything(app, make_user)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_registry_value_is_written_for_people(everything, lang):
    response = everything.get(f"/{lang}/privacy/dashboard")
    assert response.status_code == 200
    page = shown_text(response.text)
    values = the_values(response.text)
    assert MARKERS["skill"] in values and MARKERS["username"] in values  # the values are there, and checked
    problems = {what: sorted(set(pattern.findall(page)))[:5] for what, pattern in RAW.items() if pattern.search(page)}
    assert problems == {}
    # Codes are written as words: her sector, the kind of company, who sees her CV, her role, her language.
    codes = sorted(set(CODES.findall(values)))
    assert codes == []
    assert ("English" if lang == "en" else "Anglais") in values


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_registry_entrys_export_is_written_for_people_by_type(app, everything, lang):
    """Beyond what the dashboard shows today: every entry's exported values, written as the dashboard writes
    them (lists, yes/no, dates, nested records), carry no raw list, dictionary, ISO timestamp or None."""
    from flask_babel import force_locale

    from app.auth.models import User
    from app.core import registry
    from app.core.values import ValueWriter
    from app.extensions import db

    with app.test_request_context(f"/{lang}/"), force_locale(lang):
        user = db.session.scalar(db.select(User).where(User.email == MARKERS["email"]))
        write = ValueWriter()
        written, problems = 0, []
        for entry in registry.entries():
            exported = entry.export(user) if entry.export else None
            rows = exported if isinstance(exported, list) else [exported] if isinstance(exported, dict) else []
            for row in rows:
                for key, value in row.items() if isinstance(row, dict) else [("", row)]:
                    text = unescape(re.sub(r"<[^>]+>", " ", str(write(value, key, entry.extra.get("words")))))
                    written += 1
                    problems += [
                        f"{entry.key}.{key}: {what} in {text!r}" for what, raw in RAW.items() if raw.search(text)
                    ]
    assert written > 100, "the member filled too little for this test to mean anything"
    assert problems == []


@pytest.mark.parametrize(
    ("lang", "first_group", "place", "region"),
    [
        ("en", "Your time zone", "France (Paris)", "Americas"),
        ("fr", "Votre fuseau horaire", "France (Paris)", "Amériques"),
    ],
)
def test_the_time_zone_select_groups_places_by_region_with_hers_first(sign_in, lang, first_group, place, region):
    member = sign_in("zoe@example.com")
    page = member.get(f"/{lang}/account").text
    select = page.split('id="timezone"', 1)[1].split("</select>", 1)[0]
    groups = re.findall(r'<optgroup label="([^"]+)"', select)
    assert groups[0] == first_group and region in groups
    first = re.search(r'<option[^>]*value="([^"]+)"[^>]*>([^<]+)</option>', select)
    assert first.groups() == ("Europe/Paris", place)
    assert select.count(" selected") == 1  # hers, once: the region's list no longer repeats it
    assert re.search(r'value="America/New_York"[^>]*>[^<]*\(New York\)</option>', select)  # a place, not an identifier
    assert ">America/New_York<" not in select and "Europe/Paris<" not in select

"""Authoring pages: creating and editing drafts, every item type, validation in English and French, preview,
publication, immutability of published versions, new versions, import and export, and access checks."""

import copy
import io
import json
import re

import pytest
from sqlalchemy import func, select

from app.assessments import authoring, bank
from app.assessments.models import Item, Section, Test
from app.auth.models import Role, User
from app.extensions import db
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import csrf_from, shown, signed_in

BASE = "/{lang}/tests/authoring"


def words(response) -> str:
    """The page's text without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", shown(response)).split())


def url(path="", lang="en") -> str:
    return BASE.format(lang=lang) + path


@pytest.fixture
def author(app, make_user):
    make_user("ada@example.com", roles=(Role.TEST_AUTHOR,), first_name="Ada")
    return signed_in(app, "ada@example.com")


@pytest.fixture
def other_author(app, make_user):
    make_user("grace@example.com", roles=(Role.TEST_AUTHOR,), first_name="Grace")
    return signed_in(app, "grace@example.com")


def user_id(app, email) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


def settings_data(**changes) -> dict:
    data = {
        "kind": "aptitude",
        "slug": "mental-arithmetic",
        "title_fr": "Calcul mental",
        "title_en": "Mental arithmetic",
        "instructions_fr": "Répondez sans calculatrice.",
        "instructions_en": "Answer without a calculator.",
        "time_limit_minutes": "15",
        "traits": "",
    }
    data.update(changes)
    return data


def post_form(client, page_url, data, *, action=None, token_field="csrf_token"):  # noqa: S107 (a field name)
    """POST `data` to `action` (default: the page) with the CSRF token of `page_url`."""
    page = client.get(page_url)
    assert page.status_code == 200, page.status_code
    return client.post(action or page_url, data={**data, token_field: csrf_from(page.text)})


def create(client, lang="en", **changes):
    return post_form(client, url("/new", lang), settings_data(**changes))


def version_row(app, slug, version=1) -> Test:
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.slug == slug, Test.version == version))
        if test is not None:
            test.sections, test.items  # noqa: B018 (loaded before the session closes)
            db.session.expunge_all()
        return test


def count_tests(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Test.id)))


def snapshot(app, public_id) -> dict:
    """Everything about a version, to show that a refused change changed nothing."""
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == public_id))
        return {
            "file": bank.export_test(test),
            "published": test.published_dt,
            "items": sorted(db.session.scalars(select(Item.public_id).where(Item.test_id == test.id))),
        }


def bank_data(name="numerical_reasoning") -> dict:
    return json.loads((bank.BANK_DIR / f"{name}.json").read_text(encoding="utf-8"))


def draft_from(app, data, email="ada@example.com") -> str:
    """Import `data` as a draft of the member; its public id."""
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == email))
        test = bank.import_test(data, author=owner, publish=False)
        db.session.commit()
        return test.public_id


def first_section_id(app, public_id) -> int:
    with app.app_context():
        return db.session.scalar(
            select(Section.id).join(Test).where(Test.public_id == public_id).order_by(Section.position)
        )


def items_of(app, public_id) -> list[Item]:
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == public_id))
        rows = list(test.items)
        db.session.expunge_all()
        return rows


def empty_draft(app, author) -> str:
    """A new draft with one section, made through the pages; its public id."""
    response = create(author)
    assert response.status_code == 302, response.text
    public_id = response.headers["Location"].split("/")[-2]
    edit = url(f"/{public_id}/edit")
    response = post_form(
        author,
        edit,
        {"new-section-title_fr": "Partie 1", "new-section-title_en": "Part 1"},
        action=url(f"/{public_id}/sections"),
        token_field="new-section-csrf_token",
    )
    assert response.status_code == 302, response.text
    return public_id


# --- list and creation --------------------------------------------------------------------------------


def test_author_creates_a_draft_and_finds_it_in_the_list(app, author):
    response = create(author)
    assert response.status_code == 302
    test = version_row(app, "mental-arithmetic")
    assert response.headers["Location"].endswith(f"/en/tests/authoring/{test.public_id}/edit")
    assert test.author_id == user_id(app, "ada@example.com")
    assert test.published_dt is None and test.version == 1
    assert test.title == {"fr": "Calcul mental", "en": "Mental arithmetic"}
    assert test.time_limit_minutes == 15
    page = shown(author.get(url("/")))
    assert "mental-arithmetic" in page and "Mental arithmetic" in page and "Draft" in page
    assert f"/en/tests/authoring/{test.public_id}/edit" in page
    assert f"/en/tests/authoring/{test.public_id}/preview" in page
    assert f"/en/tests/authoring/{test.public_id}/export" in page
    assert "/statistics" not in page


def test_personality_test_keeps_its_traits(app, author):
    response = create(
        author,
        kind="personality",
        slug="work-style",
        traits="openness | Ouverture | Openness\nemotional_stability | Stabilité émotionnelle | Emotional stability",
    )
    assert response.status_code == 302
    assert version_row(app, "work-style").traits == {
        "openness": {"fr": "Ouverture", "en": "Openness"},
        "emotional_stability": {"fr": "Stabilité émotionnelle", "en": "Emotional stability"},
    }


@pytest.mark.parametrize(
    ("lang", "messages"),
    [
        (
            "en",
            [
                "Use lowercase letters, digits and hyphens only, such as numerical-reasoning.",
                "Enter a whole number of minutes between 1 and 240.",
                "This field is required.",
                "A personality test needs at least one trait.",
            ],
        ),
        (
            "fr",
            [
                "Utilisez uniquement des minuscules, des chiffres et des traits d’union, par exemple "
                "numerical-reasoning.",
                "Indiquez un nombre entier de minutes entre 1 et 240.",
                "Ce champ est obligatoire.",
                "Un test de personnalité doit avoir au moins un trait.",
            ],
        ),
    ],
)
def test_creation_errors_sit_by_their_fields_and_keep_what_was_typed(app, author, lang, messages):
    response = create(
        author, lang=lang, kind="personality", slug="Mental Arithmetic!", time_limit_minutes="500", title_en=""
    )
    assert response.status_code == 400
    page = shown(response)
    for message in messages:
        assert message in page
    assert 'value="Mental Arithmetic!"' in page and 'value="500"' in page and "Calcul mental" in page
    assert count_tests(app) == 0


def test_trait_lines_are_checked_with_their_line_number(app, author):
    response = create(author, kind="personality", traits="openness | Ouverture | Openness\nbroken line")
    assert response.status_code == 400
    assert "Line 2: write key | French name | English name." in shown(response)
    assert count_tests(app) == 0


def test_a_slug_of_another_author_is_refused_and_the_same_author_gets_a_new_version(app, author, other_author):
    assert create(author).status_code == 302
    response = create(other_author, title_en="My own arithmetic")
    assert response.status_code == 400
    assert "Another author already uses this short name. Choose another one." in shown(response)
    assert "My own arithmetic" in shown(response)
    assert count_tests(app) == 1
    response = create(author, title_en="Mental arithmetic, second take")
    assert response.status_code == 302
    second = version_row(app, "mental-arithmetic", 2)
    assert second.published_dt is None and second.title["en"] == "Mental arithmetic, second take"
    assert second.author_id == user_id(app, "ada@example.com")


def test_a_slug_of_the_starter_bank_is_not_an_authors(app, author, bank):
    response = create(author, slug="numerical-reasoning")
    assert response.status_code == 400
    assert "Another author already uses this short name." in shown(response)


# --- editing a draft ----------------------------------------------------------------------------------


def test_edit_the_settings_of_a_draft(app, author):
    public_id = empty_draft(app, author)
    edit = url(f"/{public_id}/edit")
    response = post_form(author, edit, settings_data(slug="ignored", title_en="Quick sums", time_limit_minutes="30"))
    assert response.status_code == 302
    test = version_row(app, "mental-arithmetic")
    assert test.title["en"] == "Quick sums" and test.time_limit_minutes == 30
    response = post_form(author, edit, settings_data(time_limit_minutes="0"))
    assert response.status_code == 400
    assert "Enter a whole number of minutes between 1 and 240." in shown(response)
    assert version_row(app, "mental-arithmetic").time_limit_minutes == 30


def section_post(client, public_id, section_id, path="", data=None):
    edit = url(f"/{public_id}/edit")
    prefix = f"section-{section_id}-"
    return post_form(
        client,
        edit,
        {prefix + key: value for key, value in (data or {}).items()},
        action=url(f"/{public_id}/sections/{section_id}{path}"),
        token_field=prefix + "csrf_token" if data is not None else "csrf_token",
    )


def section_titles(app, public_id) -> list[str]:
    return [section.title["en"] for section in version_row(app, "mental-arithmetic").sections]


def test_sections_are_added_renamed_moved_and_deleted(app, author):
    public_id = empty_draft(app, author)
    post_form(
        author,
        url(f"/{public_id}/edit"),
        {"new-section-title_fr": "Partie 2", "new-section-title_en": "Part 2"},
        action=url(f"/{public_id}/sections"),
        token_field="new-section-csrf_token",
    )
    assert section_titles(app, public_id) == ["Part 1", "Part 2"]
    first = first_section_id(app, public_id)
    response = section_post(author, public_id, first, data={"title_fr": "Échauffement", "title_en": "Warm-up"})
    assert response.status_code == 302
    assert section_titles(app, public_id) == ["Warm-up", "Part 2"]
    response = section_post(author, public_id, first, data={"title_fr": "Échauffement", "title_en": " "})
    assert response.status_code == 400 and "This field is required." in shown(response)
    assert "Échauffement" in shown(response)
    assert section_titles(app, public_id) == ["Warm-up", "Part 2"]
    assert section_post(author, public_id, first, "/move/down").status_code == 302
    assert section_titles(app, public_id) == ["Part 2", "Warm-up"]
    assert section_post(author, public_id, first, "/delete").status_code == 302
    assert section_titles(app, public_id) == ["Part 2"]


def test_a_section_with_items_is_not_deleted(app, author):
    public_id = empty_draft(app, author)
    section = first_section_id(app, public_id)
    add_item(author, public_id, section, "numeric", {"answer": "4"})
    response = section_post(author, public_id, section, "/delete")
    assert response.status_code == 302
    assert "This section still has items: delete or move them first." in shown(author.get(response.location))
    assert section_titles(app, public_id) == ["Part 1"] and len(items_of(app, public_id)) == 1


def item_data(**fields) -> dict:
    return {"prompt_fr": "Combien font 2 + 2 ?", "prompt_en": "What is 2 + 2?", "points": "1", **fields}


def add_item(client, public_id, section_id, item_type, fields, lang="en"):
    page = url(f"/{public_id}/sections/{section_id}/items/new?type={item_type}", lang)
    return post_form(client, page, item_data(**fields))


def test_each_item_type_is_added_with_its_own_fields(app, author):
    public_id = empty_draft(app, author)
    section = first_section_id(app, public_id)
    options = {"options_fr": "3\n4\n5", "options_en": "3\n4\n5"}
    assert add_item(author, public_id, section, "single", {**options, "correct": "2"}).status_code == 302
    multiple = {"options_fr": "2\n3\n4\n9", "options_en": "2\n3\n4\n9", "correct": "1, 2", "points": "2"}
    assert add_item(author, public_id, section, "multiple", multiple).status_code == 302
    assert add_item(author, public_id, section, "numeric", {"answer": "12,5", "tolerance": "0.5"}).status_code == 302
    rows = items_of(app, public_id)
    assert [(row.type, row.key, row.points) for row in rows] == [
        ("single", [1], 1),
        ("multiple", [0, 1], 2),
        ("numeric", 12.5, 1),
    ]
    assert rows[0].options == [{"fr": "3", "en": "3"}, {"fr": "4", "en": "4"}, {"fr": "5", "en": "5"}]
    assert rows[2].tolerance == 0.5 and rows[2].options == []
    assert [row.position for row in rows] == [0, 1, 2]


def test_agreement_items_measure_one_of_the_test_traits(app, author):
    create(author, kind="personality", slug="work-style", traits="openness | Ouverture | Openness")
    public_id = version_row(app, "work-style").public_id
    post_form(
        author,
        url(f"/{public_id}/edit"),
        {"new-section-title_fr": "Vous", "new-section-title_en": "You"},
        action=url(f"/{public_id}/sections"),
        token_field="new-section-csrf_token",
    )
    section = first_section_id(app, public_id)
    page = shown(author.get(url(f"/{public_id}/sections/{section}/items/new?type=agreement")))
    assert "Openness" in page and "Reverse-keyed" in page and "Options in French" not in page
    fields = {"prompt_fr": "J’aime l’art.", "prompt_en": "I like art.", "trait": "openness", "is_reverse": "y"}
    assert add_item(author, public_id, section, "agreement", fields).status_code == 302
    response = add_item(author, public_id, section, "agreement", {**fields, "trait": "greed"})
    assert response.status_code == 400 and "Choose one of the test's traits." in shown(response)
    [item] = items_of(app, public_id)
    assert (item.type, item.trait, item.is_reverse, item.key) == ("agreement", "openness", True, None)
    settings = settings_data(kind="personality", traits="stability | Stabilité | Stability")
    response = post_form(author, url(f"/{public_id}/edit"), settings)
    assert response.status_code == 400
    assert "Items 1 measure the trait openness: keep it, or change those items first." in shown(response)
    assert version_row(app, "work-style").traits == {"openness": {"fr": "Ouverture", "en": "Openness"}}


@pytest.mark.parametrize(
    ("lang", "messages"),
    [
        (
            "en",
            [
                "Give as many options in English as in French (3), in the same order.",
                "Give option numbers between 1 and 3.",
                "Enter a whole number of points between 0 and 1000.",
            ],
        ),
        (
            "fr",
            [
                "Donnez autant d’options en anglais qu’en français (3), dans le même ordre.",
                "Indiquez des numéros d’option entre 1 et 3.",
                "Indiquez un nombre entier de points entre 0 et 1000.",
            ],
        ),
    ],
)
def test_item_errors_sit_by_their_fields_and_keep_what_was_typed(app, author, lang, messages):
    public_id = empty_draft(app, author)
    section = first_section_id(app, public_id)
    fields = {"options_fr": "trois\nquatre\ncinq", "options_en": "three\nfour", "correct": "7", "points": "lots"}
    response = add_item(author, public_id, section, "single", fields, lang=lang)
    assert response.status_code == 400
    page = shown(response)
    for message in messages:
        assert message in page
    assert "trois\nquatre\ncinq" in page and 'value="lots"' in page and "What is 2 + 2?" in page
    assert items_of(app, public_id) == []


@pytest.mark.parametrize(
    ("lang", "fields", "message"),
    [
        ("en", {"answer": "about four"}, "Enter a number, such as 92 or 12.5."),
        ("fr", {"answer": "à peu près quatre"}, "Indiquez un nombre, par exemple 92 ou 12,5."),
        ("en", {"answer": "4", "tolerance": "-1"}, "Enter a number, 0 or more."),
        ("fr", {"answer": "4", "tolerance": "-1"}, "Indiquez un nombre positif ou nul."),
    ],
)
def test_numeric_item_errors(app, author, lang, fields, message):
    public_id = empty_draft(app, author)
    response = add_item(author, public_id, first_section_id(app, public_id), "numeric", fields, lang=lang)
    assert response.status_code == 400 and message in shown(response)
    assert items_of(app, public_id) == []


def test_a_single_choice_item_has_one_correct_option(app, author):
    public_id = empty_draft(app, author)
    fields = {"options_fr": "a\nb", "options_en": "a\nb", "correct": "1, 2"}
    response = add_item(author, public_id, first_section_id(app, public_id), "single", fields)
    assert response.status_code == 400
    assert "A single-choice item has exactly one correct option." in shown(response)


def test_edit_an_item_shows_it_as_stored_and_saves_changes(app, author):
    public_id = empty_draft(app, author)
    section = first_section_id(app, public_id)
    fields = {"options_fr": "a\nb\nc", "options_en": "A\nB\nC", "correct": "3,1"}
    add_item(author, public_id, section, "multiple", fields)
    [item] = items_of(app, public_id)
    page = shown(author.get(url(f"/items/{item.public_id}")))
    assert "Item 1" in page and "a\nb\nc" in page and 'value="1, 3"' in page
    response = post_form(
        author, url(f"/items/{item.public_id}"), item_data(options_fr="a\nb", options_en="A\nB", correct="2")
    )
    assert response.status_code == 302
    [item] = items_of(app, public_id)
    assert item.options == [{"fr": "a", "en": "A"}, {"fr": "b", "en": "B"}] and item.key == [1]


def test_items_move_up_and_down_and_across_sections(app, author):
    public_id = empty_draft(app, author)
    post_form(
        author,
        url(f"/{public_id}/edit"),
        {"new-section-title_fr": "Partie 2", "new-section-title_en": "Part 2"},
        action=url(f"/{public_id}/sections"),
        token_field="new-section-csrf_token",
    )
    section = first_section_id(app, public_id)
    for answer in ("1", "2"):
        add_item(author, public_id, section, "numeric", {"answer": answer})
    first, second = items_of(app, public_id)
    edit = url(f"/{public_id}/edit")
    assert post_form(author, edit, {}, action=url(f"/items/{second.public_id}/move/up")).status_code == 302
    assert [row.key for row in items_of(app, public_id)] == [2, 1]
    post_form(author, edit, {}, action=url(f"/items/{first.public_id}/move/down"))  # to the next section
    rows = items_of(app, public_id)
    assert [(row.key, row.section_position, row.position) for row in rows] == [(2, 0, 0), (1, 1, 0)]
    assert post_form(author, edit, {}, action=url(f"/items/{first.public_id}/move/sideways")).status_code == 404
    assert post_form(author, edit, {}, action=url(f"/items/{second.public_id}/delete")).status_code == 302
    assert [row.key for row in items_of(app, public_id)] == [1]


# --- preview and publication --------------------------------------------------------------------------


def test_preview_shows_both_languages_and_marks_the_correct_answers(app, author, make_user):
    data = bank_data()
    public_id = draft_from(app, data)
    first = next(item for section in data["sections"] for item in section["items"] if item["type"] == "single")
    correct = first["options"][first["answer"][0]]
    numeric = next(item for section in data["sections"] for item in section["items"] if item["type"] == "numeric")
    for lang, correct_label in (("en", "Correct answer"), ("fr", "Bonne réponse")):
        response = author.get(url(f"/{public_id}/preview", lang))
        assert response.status_code == 200
        page = shown(response)
        assert data["title"]["fr"] in page and data["title"]["en"] in page
        assert first["prompt"]["fr"] in page and first["prompt"]["en"] in page
        assert correct["fr"] in page and correct["en"] in page
        assert f"{correct['en']} ✓ {correct_label}" in words(response)
        assert f"✓ {correct_label} {numeric['answer']}" in words(response)
        assert "Temps accordé\u00a0: 20 minutes." in page and "Time allowed: 20 minutes." in page
        assert "<form" not in page.split('class="two-columns preview"')[1]  # read-only


def test_preview_of_a_personality_test_shows_the_scale_in_each_language(app, author):
    public_id = draft_from(app, bank_data("personality_five_traits"))
    page = shown(author.get(url(f"/{public_id}/preview")))
    assert "5 – Strongly agree" in page and "5 – Tout à fait d'accord" in page
    assert "Trait: Openness" in page


def test_publishing_an_incomplete_draft_lists_the_problems_with_item_numbers(app, author):
    data = bank_data()
    data["sections"][0]["items"][1]["prompt"] = {"fr": "Seulement en français", "en": "Only in English"}
    public_id = draft_from(app, data)
    with app.app_context():
        item = db.session.scalars(select(Item).join(Test).where(Test.public_id == public_id)).all()[1]
        item.prompt = {"fr": "Seulement en français", "en": " "}
        later = db.session.scalars(select(Item).join(Test).where(Test.public_id == public_id)).all()[9]
        later.key = [7]
        db.session.commit()
    response = post_form(author, url(f"/{public_id}/edit"), {}, action=url(f"/{public_id}/publish"))
    assert response.status_code == 400
    page = shown(response)
    assert "Item 2: the prompt must be given in French and English." in page
    assert "Item 10: the answer must list the numbers of the correct options, counting from 0." in page
    assert version_row(app, data["slug"]).published_dt is None
    french = shown(author.post(url(f"/{public_id}/publish", "fr"), data={"csrf_token": csrf_from(page)}))
    assert "Question 2 : " in french


def test_publish_a_complete_draft(app, author):
    public_id = draft_from(app, bank_data())
    response = post_form(author, url(f"/{public_id}/edit"), {}, action=url(f"/{public_id}/publish"))
    assert response.status_code == 302 and response.location.endswith(f"/{public_id}/preview")
    assert version_row(app, "numerical-reasoning").published_dt is not None
    assert "Published on" in shown(author.get(url("/")))


def test_an_empty_draft_cannot_be_published(app, author):
    public_id = empty_draft(app, author)
    response = post_form(author, url(f"/{public_id}/edit"), {}, action=url(f"/{public_id}/publish"))
    assert response.status_code == 400 and "Section 1 has no items." in shown(response)
    assert version_row(app, "mental-arithmetic").published_dt is None


# --- published versions never change ------------------------------------------------------------------


def published(app, author) -> str:
    public_id = draft_from(app, bank_data())
    post_form(author, url(f"/{public_id}/edit"), {}, action=url(f"/{public_id}/publish"))
    assert version_row(app, "numerical-reasoning").published_dt is not None
    return public_id


def test_every_edit_route_refuses_a_published_version(app, author):
    public_id = published(app, author)
    section = first_section_id(app, public_id)
    item = items_of(app, public_id)[0].public_id
    before = snapshot(app, public_id)
    token = csrf_from(author.get(url("/")).text)
    posts = {
        f"/{public_id}/edit": settings_data(slug="numerical-reasoning", title_en="Changed"),
        f"/{public_id}/sections": {"new-section-title_fr": "X", "new-section-title_en": "X"},
        f"/{public_id}/sections/{section}": {f"section-{section}-title_fr": "X", f"section-{section}-title_en": "X"},
        f"/{public_id}/sections/{section}/delete": {},
        f"/{public_id}/sections/{section}/move/down": {},
        f"/{public_id}/sections/{section}/items/new?type=numeric": item_data(answer="4"),
        f"/items/{item}": item_data(answer="4"),
        f"/items/{item}/delete": {},
        f"/items/{item}/move/down": {},
        f"/{public_id}/publish": {},
    }
    for path, data in posts.items():
        response = author.post(url(path), data={**data, "csrf_token": token, f"section-{section}-csrf_token": token})
        assert response.status_code == 302, path
        assert response.location.endswith(f"/{public_id}/preview"), path
    assert snapshot(app, public_id) == before
    page = shown(author.get(url(f"/{public_id}/preview")))
    assert "This version is published: it can no longer change. Make a new version to edit the test." in page
    assert author.get(url(f"/{public_id}/edit")).status_code == 302


def test_the_services_refuse_to_change_a_published_version(app, author):
    public_id = published(app, author)
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == public_id))
        for change in (
            lambda: authoring.add_section(test, {"fr": "X", "en": "X"}),
            lambda: authoring.delete_item(test.items[0]),
            lambda: authoring.move_section(test.sections[0], "down"),
            lambda: authoring.publish(test),
        ):
            with pytest.raises(authoring.AuthoringError):
                change()


def test_new_version_copies_a_published_version_into_a_draft(app, author):
    public_id = published(app, author)
    response = post_form(author, url("/"), {}, action=url(f"/{public_id}/new-version"))
    assert response.status_code == 302
    second = version_row(app, "numerical-reasoning", 2)
    assert response.location.endswith(f"/{second.public_id}/edit")
    assert second.published_dt is None and second.author_id == user_id(app, "ada@example.com")
    assert snapshot(app, second.public_id)["file"] == snapshot(app, public_id)["file"]
    assert "Version 2 is created as a draft." in shown(author.get(response.location))


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "Someone created a new version of this test at the same moment."),
        ("fr", "Quelqu’un a créé une nouvelle version de ce test au même moment."),
    ],
)
def test_two_authors_asking_for_the_next_version_at_once_get_a_clear_refusal(app, author, monkeypatch, lang, message):
    """The second of two simultaneous requests computes the same version number: the database refuses it."""
    public_id = published(app, author)
    monkeypatch.setattr(authoring, "_next_version", lambda slug: 1)  # the number the quicker author just took
    response = post_form(author, url("/", lang), {}, action=url(f"/{public_id}/new-version", lang))
    assert response.status_code == 302
    assert message in shown(author.get(response.location))
    with app.app_context():
        assert db.session.scalar(select(func.count(Test.id))) == 1


# --- import and export --------------------------------------------------------------------------------


def upload(client, content: bytes, lang="en", filename="test.json"):
    page = url("/import", lang)
    token = csrf_from(client.get(page).text)
    return client.post(
        page,
        data={"file": (io.BytesIO(content), filename), "csrf_token": token},
        content_type="multipart/form-data",
    )


def test_a_bad_file_lists_its_errors_with_item_numbers_and_imports_nothing(app, author):
    data = copy.deepcopy(bank_data())
    data["sections"][0]["items"][1]["prompt"] = {"fr": "Seulement en français"}
    data["sections"][2]["items"][0]["type"] = "essay"
    data["slug"] = "Numerical Reasoning"
    response = upload(author, json.dumps(data).encode())
    assert response.status_code == 400
    page = shown(response)
    assert "The file was not imported." in page
    assert "Item 2: the prompt must be given in French and English." in page
    assert "Item 13: unknown type 'essay'." in page
    assert "Use lowercase letters, digits and hyphens only" in page
    assert count_tests(app) == 0
    french = shown(upload(author, json.dumps(data).encode(), lang="fr"))
    assert "Le fichier n’a pas été importé." in french and "Question 2 : " in french


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "The file is not valid JSON (line 1)."),
        ('{"slug": "é"}'.encode("latin-1"), "The file is not encoded in UTF-8."),
        (b" " * (1024 * 1024 + 1), "The file is too large: a test file has at most 1 MB."),
    ],
)
def test_a_file_that_is_not_small_utf8_json_is_refused(app, author, content, message):
    response = upload(author, content)
    assert response.status_code == 400 and message in shown(response)
    assert count_tests(app) == 0


def test_an_import_without_a_file_is_refused(app, author):
    response = post_form(author, url("/import"), {})
    assert response.status_code == 400 and "Choose a JSON file." in shown(response)


def test_a_good_file_becomes_a_draft_of_the_author(app, author):
    response = upload(author, json.dumps(bank_data()).encode())
    assert response.status_code == 302
    test = version_row(app, "numerical-reasoning")
    assert response.location.endswith(f"/{test.public_id}/edit")
    assert test.published_dt is None and test.author_id == user_id(app, "ada@example.com")
    assert len(test.items) == 16


def test_a_file_with_another_authors_slug_is_refused(app, author, other_author):
    assert upload(author, json.dumps(bank_data()).encode()).status_code == 302
    response = upload(other_author, json.dumps(bank_data()).encode())
    assert response.status_code == 400
    assert "Another author already uses this short name." in shown(response)
    assert count_tests(app) == 1


def test_export_then_import_gives_an_identical_new_version(app, author):
    public_id = published(app, author)
    response = author.get(url(f"/{public_id}/export"))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="numerical-reasoning-v1.json"'
    assert response.mimetype == "application/json"
    exported = response.get_data()
    assert json.loads(exported) == bank_data()
    assert upload(author, exported).status_code == 302
    second = version_row(app, "numerical-reasoning", 2)
    assert second.published_dt is None
    assert snapshot(app, second.public_id)["file"] == snapshot(app, public_id)["file"]


# --- access -------------------------------------------------------------------------------------------


def test_a_missing_csrf_token_is_rejected(app, author):
    response = author.post(url("/new"), data=settings_data())
    assert response.status_code == 400 and "Your form has expired" in shown(response)
    assert count_tests(app) == 0
    public_id = draft_from(app, bank_data())
    assert author.post(url(f"/{public_id}/publish")).status_code == 400
    assert author.post(url(f"/{public_id}/new-version")).status_code == 400
    assert version_row(app, "numerical-reasoning").published_dt is None and count_tests(app) == 1


def routes_of(app, public_id) -> tuple[list[str], dict[str, dict]]:
    section = first_section_id(app, public_id)
    item = items_of(app, public_id)[0].public_id
    gets = [
        f"/{public_id}/edit",
        f"/{public_id}/preview",
        f"/{public_id}/export",
        f"/{public_id}/sections/{section}/items/new?type=single",
        f"/items/{item}",
    ]
    posts = {
        f"/{public_id}/edit": settings_data(title_en="Taken over"),
        f"/{public_id}/sections": {"new-section-title_fr": "X", "new-section-title_en": "X"},
        f"/{public_id}/sections/{section}/delete": {},
        f"/{public_id}/sections/{section}/move/down": {},
        f"/{public_id}/sections/{section}/items/new?type=numeric": item_data(answer="4"),
        f"/items/{item}": item_data(answer="4"),
        f"/items/{item}/delete": {},
        f"/items/{item}/move/down": {},
        f"/{public_id}/publish": {},
        f"/{public_id}/new-version": {},
    }
    return gets, posts


def test_another_authors_tests_answer_404(app, author, other_author):
    public_id = draft_from(app, bank_data())
    before = snapshot(app, public_id)
    gets, posts = routes_of(app, public_id)
    for path in gets:
        assert other_author.get(url(path)).status_code == 404, path
    token = csrf_from(other_author.get(url("/")).text)
    for path, data in posts.items():
        assert other_author.post(url(path), data={**data, "csrf_token": token}).status_code == 404, path
    assert snapshot(app, public_id) == before and count_tests(app) == 1
    assert "numerical-reasoning" not in shown(other_author.get(url("/")))


def test_a_candidate_gets_403(app, author, make_user):
    public_id = draft_from(app, bank_data())
    make_user("camille@example.com")
    candidate = signed_in(app, "camille@example.com")
    gets, posts = routes_of(app, public_id)
    for path in ["/", "/new", "/import", *gets]:
        assert candidate.get(url(path)).status_code == 403, path
    token = csrf_from(candidate.get("/en/dashboard").text)
    for path, data in posts.items():
        assert candidate.post(url(path), data={**data, "csrf_token": token}).status_code == 403, path
    assert "/tests/authoring/" not in candidate.get("/en/dashboard").text


def test_an_admin_manages_every_test(app, author, make_user):
    public_id = draft_from(app, bank_data())
    admin = sign_in_admin_with_two_step(app, make_user)
    assert "numerical-reasoning" in shown(admin.get(url("/")))
    assert admin.get(url(f"/{public_id}/edit")).status_code == 200
    response = post_form(admin, url(f"/{public_id}/edit"), {}, action=url(f"/{public_id}/publish"))
    assert response.status_code == 302
    response = post_form(admin, url("/"), {}, action=url(f"/{public_id}/new-version"))
    assert version_row(app, "numerical-reasoning", 2).author_id == user_id(app, "ada@example.com")


def test_the_main_menu_links_authors_to_their_tests(app, author):
    page = author.get("/en/dashboard").text
    assert 'href="/en/tests/authoring/"' in page and "Test authoring" in page

"""The candidate's own profile: goals, entries (add, edit, reorder, delete), languages, visibility."""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from app.auth.models import Role, User
from app.extensions import db
from app.profiles.models import CandidateProfile, EducationEntry, ExperienceEntry, SpokenLanguage, UploadedFile
from tests.conftest import AuthActions, csrf_from, shown


def post(client, url, data, page=None):
    token = csrf_from(client.get(page or url).text)
    return client.post(url, data={**data, "csrf_token": token})


def rows(app, model, user_id):
    with app.app_context():
        result = list(
            db.session.scalars(
                select(model)
                .where(model.user_id == user_id)
                .order_by(model.position if hasattr(model, "position") else model.id)
            )
        )
        db.session.expunge_all()
        return result


EDUCATION = {
    "school": "École Centrale",
    "degree": "Master",
    "field": "Engineering",
    "start_year": "2021",
    "end_year": "2024",
    "grade": "Mention très bien",
}


def test_empty_profile_says_what_is_missing(candidate):
    page = candidate.get("/en/profile")
    assert page.status_code == 200
    assert "Your profile is 0% complete" in page.text
    assert "Choose the sectors and kinds of company you aim at" in page.text
    fr = candidate.get("/fr/profile")
    assert "Votre profil est complet à 0\xa0%" in shown(fr)


def test_goals_are_saved_and_shown(app, candidate):
    response = post(
        candidate,
        "/en/profile/goals",
        {
            "headline": "Engineer aiming at strategy consulting",
            "skills": "Excel, Python\nPublic speaking, python",
            "target_sectors": ["consulting", "banking_finance"],
            "target_company_types": ["consulting_firm"],
            "target_roles": "Consultant",
        },
    )
    assert response.headers["Location"] == "/en/profile"
    with app.app_context():
        profile = db.session.scalar(select(CandidateProfile))
        assert profile.skills == ["Excel", "Python", "Public speaking"]  # repeats dropped, order kept
        assert profile.target_sectors == ["consulting", "banking_finance"]
    page = candidate.get("/fr/profile")
    assert "Conseil" in shown(page) and "Cabinet de conseil" in shown(page)


def test_unknown_choice_is_refused(app, candidate):
    response = post(candidate, "/en/profile/goals", {"headline": "x", "target_sectors": ["astrology"]})
    assert response.status_code == 200
    assert "'astrology' is not a valid choice for this field." in shown(response)
    french = post(candidate, "/fr/profile/goals", {"headline": "x", "target_sectors": ["astrology"]})
    assert "n'est pas un choix valide pour ce champ." in shown(french)
    with app.app_context():
        assert db.session.scalar(select(CandidateProfile.headline)) in (None, "")


def test_add_edit_reorder_delete_education(app, candidate):
    post(candidate, "/en/profile/education/new", EDUCATION)
    post(
        candidate,
        "/en/profile/education/new",
        {**EDUCATION, "school": "Lycée Henri IV", "degree": "Baccalauréat", "start_year": "2018", "end_year": "2021"},
    )
    first, second = rows(app, EducationEntry, candidate.user_id)
    assert [first.school, second.school] == ["École Centrale", "Lycée Henri IV"]
    post(candidate, f"/en/profile/education/{second.public_id}/move/up", {}, page="/en/profile")
    assert [row.school for row in rows(app, EducationEntry, candidate.user_id)] == ["Lycée Henri IV", "École Centrale"]
    post(candidate, f"/en/profile/education/{first.public_id}/edit", {**EDUCATION, "grade": "Major de promotion"})
    assert {row.grade for row in rows(app, EducationEntry, candidate.user_id)} == {
        "Major de promotion",
        "Mention très bien",
    }
    post(candidate, f"/en/profile/education/{first.public_id}/delete", {}, page="/en/profile")
    assert [row.school for row in rows(app, EducationEntry, candidate.user_id)] == ["Lycée Henri IV"]


@pytest.mark.parametrize(
    ("lang", "changes", "message"),
    [
        ("en", {"school": ""}, "This field is required."),
        ("fr", {"school": ""}, "Ce champ est obligatoire."),
        ("en", {"end_year": "2019"}, "The end year cannot be before the start year."),
        ("fr", {"end_year": "2019"}, "L'année de fin ne peut pas être antérieure à l'année de début."),
        ("en", {"start_year": "1850"}, "Give a year between 1950 and"),
        ("en", {"degree": "x" * 161}, "Use at most 160 characters."),
    ],
)
def test_bad_education_entry_keeps_what_was_typed(app, candidate, lang, changes, message):
    response = post(candidate, f"/{lang}/profile/education/new", {**EDUCATION, **changes})
    assert response.status_code == 200
    assert message in shown(response)
    assert "Mention très bien" in shown(response)  # the other fields are kept
    assert rows(app, EducationEntry, candidate.user_id) == []


def test_experience_with_months_and_current_job(app, candidate):
    response = post(
        candidate,
        "/fr/profile/experience/new",
        {
            "employer": "Banque Lumière",
            "title": "Analyste",
            "start_month": "2024-09",
            "end_month": "",
            "description": "Modèles financiers",
        },
    )
    assert response.status_code == 302
    [entry] = rows(app, ExperienceEntry, candidate.user_id)
    assert entry.start_month.strftime("%Y-%m") == "2024-09" and entry.end_month is None
    page = shown(candidate.get("/fr/profile"))
    assert "septembre 2024" in page and "aujourd'hui" in page


def test_experience_end_before_start_is_refused(app, candidate):
    response = post(
        candidate,
        "/en/profile/experience/new",
        {"employer": "A", "title": "B", "start_month": "2024-09", "end_month": "2023-01"},
    )
    assert "The end month cannot be before the start month." in response.text
    assert rows(app, ExperienceEntry, candidate.user_id) == []


def test_languages_add_update_remove(app, candidate):
    post(candidate, "/en/profile/languages", {"language": "en", "level": "c1"}, page="/en/profile")
    post(candidate, "/en/profile/languages", {"language": "en", "level": "native"}, page="/en/profile")
    [language] = rows(app, SpokenLanguage, candidate.user_id)
    assert language.level == "native"
    assert "Anglais" in shown(candidate.get("/fr/profile"))
    post(candidate, f"/en/profile/languages/{language.public_id}/delete", {}, page="/en/profile")
    assert rows(app, SpokenLanguage, candidate.user_id) == []


@pytest.mark.promise("profile-visibility")
def test_visibility_is_saved_per_section(app, candidate):
    data = dict.fromkeys(
        ("about", "education", "experience", "skills", "languages", "targets", "photo", "cv"), "connections"
    )
    post(candidate, "/en/profile/visibility", {**data, "cv": "private", "photo": "private"})
    with app.app_context():
        profile = db.session.scalar(select(CandidateProfile))
        assert profile.visibility["cv"] == "private" and profile.visibility["education"] == "connections"


def test_another_members_entries_cannot_be_touched(app, candidate, make_user):
    make_user("other@example.com")
    other = app.test_client()
    AuthActions(other).login("other@example.com")
    post(candidate, "/en/profile/education/new", EDUCATION)
    [entry] = rows(app, EducationEntry, candidate.user_id)
    token = csrf_from(other.get("/en/profile").text)
    assert other.get(f"/en/profile/education/{entry.public_id}/edit").status_code == 404
    assert (
        other.post(
            f"/en/profile/education/{entry.public_id}/edit", data={**EDUCATION, "school": "Hacked", "csrf_token": token}
        ).status_code
        == 404
    )
    assert other.post(f"/en/profile/education/{entry.public_id}/delete", data={"csrf_token": token}).status_code == 404
    assert other.post(f"/en/profile/education/{entry.public_id}/move/up", data={"csrf_token": token}).status_code == 404
    assert [row.school for row in rows(app, EducationEntry, candidate.user_id)] == ["École Centrale"]


def test_profile_pages_need_the_candidate_role(app, make_user):
    make_user("client@example.com", roles=(Role.CLIENT,))
    client = app.test_client()
    AuthActions(client).login("client@example.com")
    assert client.get("/en/profile").status_code == 403
    assert app.test_client().get("/en/profile").status_code == 302


def test_completeness_grows(app, candidate):
    post(
        candidate,
        "/en/profile/goals",
        {
            "headline": "Goal",
            "skills": "a, b, c",
            "target_sectors": ["consulting"],
            "target_company_types": ["startup"],
            "target_roles": "Consultant",
        },
    )
    post(candidate, "/en/profile/education/new", EDUCATION)
    page = candidate.get("/en/profile")
    assert "Your profile is 56% complete" in page.text
    assert "Add an experience" in page.text


def test_user_without_profile_row_is_fine(app):
    with app.app_context():
        assert db.session.scalar(select(User)) is None


def _profile_percent(text: str) -> str:
    match = re.search(r"Your profile is (\d+)% complete|Your profile is complete", text)
    assert match, "no completeness on the page"
    return match.group(1) or "100"


def test_home_page_and_profile_page_agree_on_completeness_part_by_part(app, candidate):
    """The home page tests the parts with EXISTS, the profile page from the lists it shows: same figure, same
    first thing to add, whichever part the member has."""
    user_id = candidate.user_id
    parts = [
        EducationEntry(user_id=user_id, school="INSA", degree="Master", start_year=2020),
        ExperienceEntry(user_id=user_id, employer="Acme", title="Intern", start_month=datetime(2023, 6, 1)),
        SpokenLanguage(user_id=user_id, language="fr", level="native"),
        UploadedFile(user_id=user_id, kind="cv", storage_name="a" * 32, label="cv.pdf", content_type="x", size=1),
        UploadedFile(user_id=user_id, kind="photo", storage_name="b" * 32, label="me.jpg", content_type="x", size=1),
    ]
    candidate.get("/en/profile")  # creates the (empty) profile row
    seen = []
    for part in [None, *parts]:
        if part is not None:
            with app.app_context():
                db.session.add(part)
                db.session.commit()
        home, profile = candidate.get("/en/dashboard").text, candidate.get("/en/profile").text
        assert _profile_percent(home) == _profile_percent(profile)
        seen.append(_profile_percent(home))
    assert seen == ["0", "11", "22", "33", "44", "56"]
    assert "Choose the sectors and kinds of company you aim at" in home

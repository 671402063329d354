"""CSV import: every bad row listed with its reasons in the admin's language, a preview, all or nothing."""

import io

import pytest
from sqlalchemy import func, select

from app.core.mail import OutboxMessage
from app.extensions import db
from app.sponsors.models import ImportBatch, Invitation
from tests.conftest import outbox, post_form, shown, signed_in
from tests.sponsors.conftest import add_admin, enrol, make_organisation

HEADER = "email,first_name,last_name,cohort,grade,language\n"


def upload(client, content: bytes | str, *, lang="en", filename="members.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    url = f"/{lang}/sponsors/{client.public_id}/import"
    return post_form(client, url, {"file": (io.BytesIO(content), filename)}, content_type="multipart/form-data")


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def commit(client, preview_url):
    batch_id = preview_url.rstrip("/").rsplit("/", 1)[-1]
    return post_form(client, f"/en/sponsors/imports/{batch_id}/commit", page=preview_url)


def test_a_good_file_is_previewed_then_imported(app, school, make_user):
    make_user("existing@example.com", locale="en")
    content = (
        "\ufeff" + HEADER + "ana@example.com,Ana,Silva,M1 Finance,M1,\n"
        "BOB@example.com,Bob,Martin,m2 audit,M2,en\n"
        "existing@example.com,Eve,Durand,,,\n"
    )
    response = upload(school, content)
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    preview = shown(school.get(preview_url))
    assert "3 people will receive an invitation" in preview
    assert "bob@example.com" in preview and "M2 Audit" in preview
    assert count(app, Invitation) == 0 and count(app, OutboxMessage) == 0  # nothing before confirmation
    response = commit(school, preview_url)
    assert response.status_code == 302
    assert count(app, Invitation) == 3 and count(app, ImportBatch) == 0
    assert "/fr/sponsors/join/" in outbox(app, "ana@example.com")[0].body_text  # the school's default
    assert "/en/sponsors/join/" in outbox(app, "bob@example.com")[0].body_text  # chosen in the file
    assert "/en/sponsors/join/" in outbox(app, "existing@example.com")[0].body_text  # the account's language
    assert "3 invitations are sent" in shown(school.get(f"/en/sponsors/{school.public_id}/invitations"))


def test_semicolons_and_french_headers(app, school):
    content = "Courriel;Prénom;Nom;Cohorte;Année\nluc@example.com;Luc;Roy;M1 Finance;M1\n"
    response = upload(school, content)
    assert response.status_code == 302


def test_every_bad_row_is_listed_with_its_reasons(app, school, make_user):
    member_id = make_user("enrolled@example.com")
    enrol(app, school.public_id, member_id)
    content = HEADER + (
        "good@example.com,Good,Row,,,\n"
        "not-an-email,Bad,Email,,,\n"
        "dup@example.com,First,Copy,,,\n"
        "DUP@example.com,Second,Copy,,,\n"
        "enrolled@example.com,Already,There,,,\n"
        "cohort@example.com,Unknown,Cohort,Nowhere,,\n"
        'formula@example.com,=HYPERLINK("x"),Evil,,,\n'
        "lang@example.com,Bad,Language,,,de\n"
        ",No,Address,,,\n"
        "short@example.com,Too,Few\n"
    )
    response = upload(school, content)
    assert response.status_code == 400
    page = shown(response)
    assert "Nothing was imported" in page
    assert "8 rows of 10 must be corrected" in page
    assert "“not-an-email” is not a valid e-mail address" in page
    assert "This address is already on line 4 of the file" in page
    assert "This person is already enrolled" in page
    assert "The cohort “Nowhere” does not exist" in page
    assert "starts like a spreadsheet formula" in page
    assert "Unknown language “de”" in page
    assert "The e-mail address is missing" in page
    assert "This row has 3 cells where the first line names 6 columns" in page
    assert count(app, Invitation) == 0 and count(app, ImportBatch) == 0 and count(app, OutboxMessage) == 0


def test_reasons_in_french_for_a_french_admin(app, school):
    response = upload(school, HEADER + "pas-une-adresse,A,B,,,\n", lang="fr")
    assert response.status_code == 400
    page = shown(response)
    assert '<html lang="fr">' in response.text
    assert "pas-une-adresse" in page


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("email,first_name,last_name\nlé@example.com,Lé,Ça\n".encode("latin-1"), "not encoded in UTF-8"),
        (b"email\tfirst_name\tlast_name\nx@example.com\tX\tY\n", "separate them with commas or semicolons"),
        (
            b"email,prenom_inconnu,last_name,shoe_size\nx@example.com,X,Y,42\n",
            "Unknown columns: prenom_inconnu, shoe_size",
        ),
        (b"email,last_name\nx@example.com,Y\n", "Missing columns: first_name"),
        (b"", "Choose a CSV file"),
        (b"email,first_name,last_name\n", "no rows to import"),
    ],
)
def test_files_that_cannot_be_read(app, school, content, message):
    response = upload(school, content, filename="members.csv" if content else "")
    assert response.status_code == 400
    assert message in shown(response)
    assert count(app, Invitation) == 0


def test_more_rows_than_free_seats(app, make_user):
    public_id = make_organisation(app, "Mini École", seats=2)
    admin_id = make_user("mini@example.com")
    add_admin(app, public_id, admin_id)
    client = signed_in(app, "mini@example.com")
    client.public_id = public_id
    content = HEADER + "".join(f"p{i}@example.com,P,{i},,,\n" for i in range(3))
    response = upload(client, content)
    assert response.status_code == 400
    assert "The file has 3 rows but only 2 seats are free" in shown(response)


def test_nothing_is_imported_when_the_file_went_stale(app, school, make_user):
    response = upload(school, HEADER + "late@example.com,Late,Comer,,,\nother@example.com,O,K,,,\n")
    preview_url = response.headers["Location"]
    late_id = make_user("late@example.com")
    enrol(app, school.public_id, late_id)  # enrolled in the meantime
    assert "cannot be imported any more" in shown(school.get(preview_url))
    response = commit(school, preview_url)
    assert response.status_code == 302
    assert count(app, Invitation) == 0 and count(app, OutboxMessage) == 0


def test_another_sponsor_cannot_see_or_commit_an_import(app, school, employer):
    response = upload(school, HEADER + "a@example.com,A,B,,,\n")
    preview_url = response.headers["Location"]
    batch_id = preview_url.rstrip("/").rsplit("/", 1)[-1]
    assert employer.get(preview_url).status_code == 404
    page = employer.get(f"/en/sponsors/{employer.public_id}/invitations").text
    from tests.conftest import csrf_from

    response = employer.post(f"/en/sponsors/imports/{batch_id}/commit", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 404
    assert count(app, Invitation) == 0


def _thousand_rows(bad: bool) -> str:
    rows = []
    for index in range(1000):
        email = f"student{index}@example.com"
        first, cohort, language = (
            f"First{index}",
            "M1 Finance" if index % 2 else "M2 Audit",
            "en" if index % 3 else "fr",
        )
        if bad and index % 97 == 5:
            email = f"student{index}.example.com"
        if bad and index % 131 == 7:
            cohort = "Unknown"
        if bad and index % 211 == 9:
            first = "=1+1"
        rows.append(f"{email};{first};Last{index};{cohort};M1;{language}\n")
    if bad:
        rows[500] = "student1@example.com;Dup;Licate;M1 Finance;M1;en\n"  # a duplicate of line 3
    return "email;first_name;last_name;cohort;grade;language\n" + "".join(rows)


def test_thousand_rows_all_or_nothing(app, make_user):
    """How long it takes is measured by bench/sponsor_import.py, not here."""
    public_id = make_organisation(app, "Grande École", seats=1000, cohorts=("M1 Finance", "M2 Audit"))
    admin_id = make_user("big.admin@example.com")
    add_admin(app, public_id, admin_id)
    client = signed_in(app, "big.admin@example.com")
    client.public_id = public_id

    bad = _thousand_rows(bad=True)
    expected_bad = {
        line
        for index in range(1000)
        for line in [index + 2]
        if index % 97 == 5 or index % 131 == 7 or index % 211 == 9 or index == 500
    }
    response = upload(client, bad)
    assert response.status_code == 400
    page = shown(response)
    assert f"{len(expected_bad)} rows of 1000 must be corrected" in page
    for line in expected_bad:
        assert f"<td>{line}</td>" in page
    assert count(app, Invitation) == 0 and count(app, OutboxMessage) == 0

    response = upload(client, _thousand_rows(bad=False))
    assert response.status_code == 302
    preview_url = response.headers["Location"]
    assert "1000 people will receive an invitation" in shown(client.get(preview_url))
    response = commit(client, preview_url)
    assert response.status_code == 302
    assert count(app, Invitation) == 1000 and count(app, OutboxMessage) == 1000
    english = outbox(app, "student1@example.com")[0]
    french = outbox(app, "student3@example.com")[0]
    assert "/en/sponsors/join/" in english.body_text and "/fr/sponsors/join/" in french.body_text

"""Input refused at the door (the outside audit's findings): huge integers, deep JSON, control characters,
direction overrides, non-characters, invalid UTF-8 and PDFs with active content, in both languages."""

import io
import json
from urllib.parse import quote

import pytest
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NullObject,
    NumberObject,
    TextStringObject,
)
from sqlalchemy import select

from app.auth.models import Role, User
from app.extensions import db
from app.profiles.models import ExperienceEntry, UploadedFile
from app.sponsors.models import Cohort, ImportBatch
from tests.assessments.conftest import bank_items, start
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import AuthActions, csrf_from, post_form, shown
from tests.profiles import files

HUGE = "99999999999999999999999"
NOT_ALLOWED = {
    "en": "This field contains characters that are not allowed",
    "fr": "Ce champ contient des caractères interdits",
}
ONE_LINE = {"en": "This field holds a single line", "fr": "Ce champ tient sur une ligne"}
NOT_UTF8 = {"en": "bytes that are not valid text (UTF-8)", "fr": "octets qui ne forment pas un texte valide (UTF-8)"}
TOO_DEEP = {"en": "nested too deeply", "fr": "trop imbriqué"}
ACTIVE_PDF = {"en": "This PDF contains active content", "fr": "Ce PDF contient du contenu actif"}
#: What the audit typed: NUL, an ANSI colour escape, a right-to-left override, a non-character, C1 control.
HOSTILE_TEXTS = ["Ali\x00ce", "Ali\x1b[31mce", "Ali\u202ecilA", "Ali\ufdd0ce", "Ali\u0085ce", "Ali\ufffece"]


def signed_in(app, make_user, role, *, lang="en", email=None):
    email = email or f"{role.value}@example.com"
    if role == Role.ADMIN:
        return sign_in_admin_with_two_step(app, make_user, email)
    make_user(email, roles=(role,), locale=lang)
    client = app.test_client()
    AuthActions(client).login(email, lang=lang)
    return client


def user_named(app, email) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


# --- 1. huge page numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "path"),
    [(Role.CLIENT, "/en/tests/assignments/"), (Role.ADMIN, "/en/admin/"), (Role.ADMIN, "/en/admin/audit")],
)
def test_a_huge_page_number_is_not_found(app, make_user, role, path):
    client = signed_in(app, make_user, role)
    assert client.get(f"{path}?page={HUGE}").status_code == 404
    assert client.get(f"{path}?page=-1").status_code == 200
    assert client.get(f"{path}?page=abc").status_code == 200
    assert client.get(f"{path}?page=2").status_code == 200


def test_a_huge_integer_in_the_path_is_not_found(app, make_user):
    author = signed_in(app, make_user, Role.TEST_AUTHOR)
    page = author.get("/en/tests/authoring/new")
    response = author.post(
        f"/en/tests/authoring/x/sections/{HUGE}", data={"csrf_token": csrf_from(page.text), "title": "x"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_huge_integer_in_a_form_is_a_form_error(app, make_user, lang):
    client = signed_in(app, make_user, Role.CANDIDATE, lang=lang)
    data = {"school": "Sorbonne", "degree": "Licence", "start_year": HUGE, "end_year": ""}
    response = post_form(client, f"/{lang}/profile/education/new", data)
    assert response.status_code in {200, 400}
    assert ("This number is too large" if lang == "en" else "Ce nombre est trop grand") in shown(response)
    assert "Sorbonne" in shown(response)  # the other fields are kept


# --- 2. deeply nested JSON -------------------------------------------------------------------------------


def deep_json(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_deep_json_on_the_autosave_is_a_clear_400(app, make_user, lang):
    from app.assessments.bank import load_bank

    with app.app_context():
        test_id = {test.slug: test.public_id for test in load_bank()}["numerical-reasoning"]
        db.session.commit()
    client = signed_in(app, make_user, Role.CANDIDATE, lang=lang)
    attempt_id = start(client, test_id, lang=lang)
    token = csrf_from(client.get(f"/{lang}/tests/attempts/{attempt_id}").text)
    url = f"/{lang}/tests/attempts/{attempt_id}/answers"
    headers = {"X-CSRFToken": token, "Content-Type": "application/json"}
    for depth in (1000, 500):
        response = client.post(url, data=deep_json(depth), headers=headers)
        assert response.status_code == 400, depth
        assert TOO_DEEP[lang] in response.get_json()["error"]
    item = bank_items(app, "numerical-reasoning")[0][0]
    for value in ("12\x00", "\u202e12", {"x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}):
        response = client.post(url, data=json.dumps({"item": item, "value": value}), headers=headers)
        assert response.status_code == 400, value
    assert client.post(url, json={"item": item, "value": "12"}, headers=headers).status_code == 200


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_deep_json_on_the_authoring_import_is_a_clear_400(app, make_user, lang):
    author = signed_in(app, make_user, Role.TEST_AUTHOR, lang=lang)
    url = f"/{lang}/tests/authoring/import"
    for depth in (1000, 500):
        token = csrf_from(author.get(url).text)
        response = author.post(
            url,
            data={"file": (io.BytesIO(deep_json(depth).encode()), "test.json"), "csrf_token": token},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
        assert TOO_DEEP[lang] in shown(response)


# --- 4. PDFs with active content -------------------------------------------------------------------------


def pdf_with(**catalog) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    for key, value in catalog.items():
        writer._root_object[NameObject(f"/{key}")] = value
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def javascript_action(code="app.alert('hi')") -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)})


def active_pdfs() -> dict[str, bytes]:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("payload.exe", b"MZ...")
    embedded = io.BytesIO()
    writer.write(embedded)
    xfa = DecodedStreamObject()
    xfa.set_data(b"<xdp:xdp/>")
    launch = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("calc")})
    names = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("x"), javascript_action()])}
            )
        }
    )
    return {
        "open action javascript": pdf_with(OpenAction=javascript_action()),
        "document javascript": pdf_with(Names=names),
        "additional actions": pdf_with(AA=DictionaryObject({NameObject("/WC"): javascript_action()})),
        "launch": pdf_with(OpenAction=launch),
        "embedded file": embedded.getvalue(),
        "xfa": pdf_with(AcroForm=DictionaryObject({NameObject("/XFA"): xfa, NameObject("/Fields"): ArrayObject()})),
    }


def upload_cv(client, data, lang="en"):
    token = csrf_from(client.get(f"/{lang}/profile").text)
    return client.post(
        f"/{lang}/profile/cv",
        data={"cv": (io.BytesIO(data), "cv.pdf"), "csrf_token": token, "visibility": "connections"},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("kind", list(active_pdfs()))
def test_a_pdf_with_active_content_is_refused(app, make_user, lang, kind):
    client = signed_in(app, make_user, Role.CANDIDATE, lang=lang)
    response = upload_cv(client, active_pdfs()[kind], lang)
    assert response.status_code == 400
    assert ACTIVE_PDF[lang] in shown(response)
    with app.app_context():
        assert db.session.scalar(select(UploadedFile)) is None


def test_a_clean_pdf_with_links_and_an_opening_view_is_served_unchanged(app, make_user):
    """LibreOffice and Word write an opening view (a page destination) and web links: those are not active."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    from pypdf.annotations import Link

    writer.add_annotation(0, Link(rect=(50, 50, 200, 70), url="https://www.linkedin.com/in/camille"))
    writer._root_object[NameObject("/OpenAction")] = ArrayObject(
        [writer.pages[0].indirect_reference, NameObject("/XYZ"), NullObject(), NullObject(), NumberObject(0)]
    )
    output = io.BytesIO()
    writer.write(output)
    for data in (files.pdf(), output.getvalue()):
        client = signed_in(app, make_user, Role.CANDIDATE, email=f"c{len(data)}@example.com")
        assert upload_cv(client, data).status_code == 302
        owner = user_named(app, f"c{len(data)}@example.com")
        served = client.get(f"/en/members/{owner.public_id}/files/cv")
        assert served.status_code == 200 and served.data == data


# --- 5. control characters, direction overrides, non-characters, invalid UTF-8 ----------------------------


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_a_name_with_hostile_characters_is_refused_by_the_field(app, make_user, lang, text):
    client = signed_in(app, make_user, Role.CANDIDATE, lang=lang, email="alice@example.com")
    data = {"first_name": text, "last_name": "Keepme", "company": "", "locale": lang, "timezone": "Europe/Paris"}
    response = post_form(client, f"/{lang}/account", data)
    assert response.status_code in {200, 400}
    page = shown(response)
    assert NOT_ALLOWED[lang] in page and "Keepme" in page
    assert user_named(app, "alice@example.com").first_name == "Alice"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_tab_or_line_break_in_a_single_line_field_is_refused(app, make_user, lang):
    client = signed_in(app, make_user, Role.CANDIDATE, lang=lang, email="alice@example.com")
    data = {"first_name": "Ali\nce", "last_name": "Keepme", "company": "", "locale": lang, "timezone": "Europe/Paris"}
    response = post_form(client, f"/{lang}/account", data)
    assert ONE_LINE[lang] in shown(response)
    assert user_named(app, "alice@example.com").first_name == "Alice"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_raw_and_percent_encoded_invalid_utf8_get_their_own_message(app, make_user, lang):
    client = signed_in(app, make_user, Role.CANDIDATE, lang=lang, email="alice@example.com")
    token = csrf_from(client.get(f"/{lang}/account").text)
    for first_name in (b"Ali\xffce", b"Ali%FFce", b"Ali%C3%28ce"):
        body = b"&".join(
            [
                b"first_name=" + first_name,
                b"last_name=Keepme",
                b"locale=" + lang.encode(),
                b"timezone=Europe%2FParis",
                b"csrf_token=" + quote(token).encode(),
            ]
        )
        response = client.post(f"/{lang}/account", data=body, content_type="application/x-www-form-urlencoded")
        page = shown(response)
        assert NOT_UTF8[lang] in page, first_name
        assert "expired" not in page and "expiré" not in page
        assert "Keepme" in page
    assert user_named(app, "alice@example.com").first_name == "Alice"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_experience_description_keeps_its_line_breaks_but_not_control_characters(app, make_user, lang):
    client = signed_in(app, make_user, Role.CANDIDATE, lang=lang)
    url = f"/{lang}/profile/experience/new"
    data = {"employer": "Acme", "title": "Analyst", "start_month": "2020-01", "end_month": ""}
    response = post_form(client, url, {**data, "description": "Audit\x1b[31m\x00 of accounts"})
    assert NOT_ALLOWED[lang] in shown(response) and "Acme" in shown(response)
    with app.app_context():
        assert db.session.scalar(select(ExperienceEntry)) is None
    assert post_form(client, url, {**data, "description": "Audit\r\n\tof accounts"}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(ExperienceEntry.description)).endswith("\n\tof accounts")


@pytest.fixture
def school(app, make_user):
    from tests.sponsors.conftest import add_admin, make_organisation

    public_id = make_organisation(app, "École Alpha", cohorts=("M1 Finance",))
    admin_id = make_user("admin.alpha@example.com", roles=(Role.SPONSOR_ADMIN,))
    add_admin(app, public_id, admin_id)
    return public_id


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_cohort_name_with_a_direction_override_is_refused(app, school, lang):
    client = app.test_client()
    AuthActions(client).login("admin.alpha@example.com", lang=lang)
    url = f"/{lang}/sponsors/{school}/cohorts"
    response = post_form(client, url, {"name": "M1\u202e ecnaniF"})
    assert NOT_ALLOWED[lang] in shown(response)
    with app.app_context():
        assert db.session.scalars(select(Cohort.name)).all() == ["M1 Finance"]


@pytest.mark.parametrize(
    ("lang", "reason"),
    [
        ("en", "The cell “first_name” contains characters that are not allowed"),
        ("fr", "La cellule «\u00a0first_name\u00a0» contient des caractères interdits"),
    ],
)
def test_a_csv_cell_with_control_characters_is_refused_with_the_rows_reason(app, school, lang, reason):
    client = app.test_client()
    AuthActions(client).login("admin.alpha@example.com", lang=lang)
    url = f"/{lang}/sponsors/{school}/import"
    content = "email,first_name,last_name\nana@example.com,Ana\x1b[31m,Silva\nbob@example.com,Bob,Mar\u202etin\n"
    response = post_form(
        client, url, {"file": (io.BytesIO(content.encode()), "m.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    page = shown(response)
    assert reason in page and "last_name" in page  # both rows, each with its reason
    with app.app_context():
        assert db.session.scalar(select(ImportBatch)) is None


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_hostile_characters_in_the_address_are_refused(app, make_user, lang):
    admin = signed_in(app, make_user, Role.ADMIN)
    response = admin.get(f"/{lang}/admin/?q=%00")
    assert response.status_code == 400
    expected = "The address contains characters that are not allowed"
    assert (expected if lang == "en" else "L’adresse contient des caractères interdits") in shown(response)
    assert admin.get(f"/{lang}/admin/members/%00ab").status_code == 404

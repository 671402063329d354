"""A member's request to correct what her sponsor provided ends: the sponsor corrects the data (the member is
told, in her language, which field changed from what to what) or refuses with a reason; our data-protection
contact may answer it too. The privacy dashboard shows the request answered, with the date and the outcome."""

import html
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import PrivacyRequest
from app.sponsors.models import CorrectionRequest, Enrolment
from tests.conftest import csrf_from, outbox, post_form, shown, signed_in
from tests.privacy.conftest import rows
from tests.sponsors.conftest import enrol

pytestmark = pytest.mark.promise("right-rectification")

MEMBER = "lea@example.com"


def _ask(app, school, make_user, *, locale="fr", grade="L3"):
    """A member enrolled by the school (with `grade`) asks it to correct her grade; returns her client and ids."""
    member_id = make_user(MEMBER, first_name="Léa", locale=locale)
    enrolment_id = enrol(app, school.public_id, member_id, cohort="M1 Finance", grade=grade)
    member = signed_in(app, MEMBER)
    post_form(member, f"/{locale}/sponsors/mine/{enrolment_id}/correction", {"message": "Je suis en M1, pas en L3."})
    [correction] = rows(app, CorrectionRequest)
    return member, enrolment_id, correction.public_id


def _edit(client, enrolment_id, lang="en", **data):
    """Send the member's data form: what the school holds now, with `data` changed."""
    app = client.application
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment).where(Enrolment.public_id == enrolment_id))
        values = {
            "first_name": enrolment.first_name,
            "last_name": enrolment.last_name,
            "cohort": enrolment.cohort.public_id if enrolment.cohort else "",
            "grade": enrolment.grade,
        }
    return post_form(client, f"/{lang}/sponsors/members/{enrolment_id}/edit", {**values, **data})


def _cohort_public_id(app, name):
    from app.sponsors.models import Cohort

    with app.app_context():
        return db.session.scalar(select(Cohort.public_id).where(Cohort.name == name))


def test_sponsor_corrects_the_data_and_the_member_is_told_in_french_what_changed(app, school, make_user):
    member, enrolment_id, _ = _ask(app, school, make_user, locale="fr")
    cohort = _cohort_public_id(app, "M2 Audit")

    # The sponsor admin (English) opens the member's data: the request is shown, and saving answers it.
    page = shown(school.get(f"/en/sponsors/members/{enrolment_id}/edit"))
    assert "What the member asks you to correct" in page and "Je suis en M1, pas en L3." in page
    response = _edit(school, enrolment_id, grade="M1", cohort=cohort)
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/en/sponsors/{school.public_id}/corrections"
    )
    corrections = shown(school.get(f"/en/sponsors/{school.public_id}/corrections"))
    assert "Corrected" in corrections and "Grade or year of study: “L3” → “M1”" in corrections
    assert "Refuse the correction" not in corrections  # answered: nothing left to do

    [correction] = rows(app, CorrectionRequest)
    assert correction.status == "done" and correction.resolved_dt is not None
    assert correction.changes == [
        {"field": "cohort", "old": "M1 Finance", "new": "M2 Audit"},
        {"field": "grade", "old": "L3", "new": "M1"},
    ]
    [request] = rows(app, PrivacyRequest)
    assert request.status == "done" and request.handled_dt is not None
    assert request.outcome == (
        "École Alpha a corrigé les données qu'elle a fournies sur vous :\n"
        "Cohorte : « M1 Finance » → « M2 Audit »\n"
        "Niveau ou année d'études : « L3 » → « M1 »"
    )

    # One e-mail to the member, in French, with the field and both values; no generic "news" message.
    [message] = outbox(app, MEMBER)
    assert message.subject == "École Alpha a corrigé vos données"
    assert "Cohorte : « M1 Finance » → « M2 Audit »" in message.body_text
    assert "Niveau ou année d'études : « L3 » → « M1 »" in message.body_text
    assert "Niveau ou année d'études : « L3 » → « M1 »" in html.unescape(message.body_html)
    assert f"/fr/privacy/requests/{request.public_id}" in message.body_text

    # The dashboard shows it answered, with the date and the outcome, in French and in English.
    today = utcnow().replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris")).date()  # the member's time zone
    french_date = format_date(today, "long", locale="fr")
    dashboard = shown(member.get("/fr/privacy/dashboard"))
    row = dashboard.split('id="requests"')[1]
    assert "Corrigée" in row and f"Réponse le {french_date}" in row
    assert "Niveau ou année d'études : « L3 » → « M1 »" in row
    english = shown(member.get("/en/privacy/dashboard")).split('id="requests"')[1]
    assert "Corrected" in english and f"Answered on {format_date(today, 'long', locale='en')}" in english
    with app.app_context():
        enrolment = db.session.scalar(select(Enrolment))
        assert enrolment.grade == "M1" and enrolment.cohort.name == "M2 Audit"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Nothing changed. Correct the data the member asked about"),
        ("fr", "Rien n'a changé. Corrigez les données dont parle le membre"),
    ],
)
def test_saving_unchanged_data_keeps_the_request_open_and_says_why(app, school, make_user, lang, expected):
    _, enrolment_id, _ = _ask(app, school, make_user)
    response = _edit(school, enrolment_id, lang=lang, grade="L3")  # what the school provided, unchanged
    assert response.status_code == 400
    assert expected in shown(response)
    assert [row.status for row in rows(app, CorrectionRequest)] == ["open"]
    assert [row.status for row in rows(app, PrivacyRequest)] == ["received"]
    assert not outcome_mail(app)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Say why you do not make this correction: the member will read it."),
        ("fr", "Dites pourquoi vous ne faites pas cette correction : le membre lira votre motif."),
    ],
)
def test_a_refusal_needs_a_reason(app, school, make_user, lang, expected):
    _, _, correction_id = _ask(app, school, make_user)
    response = post_form(
        school,
        f"/{lang}/sponsors/corrections/{correction_id}/refuse",
        {"reason": "   "},
        page=f"/{lang}/sponsors/{school.public_id}/corrections",
    )
    assert response.status_code == 400
    page = shown(response)
    assert expected in page and f'id="reason-{correction_id}-error"' in page
    [correction] = rows(app, CorrectionRequest)
    assert correction.status == "open"
    assert not outcome_mail(app)


def outcome_mail(app):
    return [message for message in outbox(app, MEMBER) if "correct" in message.subject.lower()]


def test_refusal_reaches_the_member_in_english_with_the_reason(app, school, make_user):
    member, _, correction_id = _ask(app, school, make_user, locale="en")
    reason = "Our records show you enrolled in L3 this year; send us your M1 certificate."
    response = post_form(
        school,
        f"/en/sponsors/corrections/{correction_id}/refuse",
        {"reason": reason},
        page=f"/en/sponsors/{school.public_id}/corrections",
        follow=True,
    )
    assert "The request is refused, and the member is told why." in shown(response)
    assert f"Reason given: {reason}" in shown(response)
    [correction] = rows(app, CorrectionRequest)
    assert correction.status == "refused" and correction.refusal_reason == reason
    [request] = rows(app, PrivacyRequest)
    assert request.status == "refused"
    [message] = outbox(app, MEMBER)
    assert message.subject == "École Alpha did not make the correction you asked for"
    assert reason in message.body_text and "It did not make the correction, for this reason:" in message.body_text
    dashboard = shown(member.get("/en/privacy/dashboard")).split('id="requests"')[1]
    assert "Refused, with reasons" in dashboard and reason in dashboard and "Answered on" in dashboard
    french = shown(member.get("/fr/privacy/dashboard")).split('id="requests"')[1]
    assert "Refusée, avec motifs" in french and "Réponse le" in french

    # Answered once: a second refusal (a replayed form) is refused, and nothing else is sent.
    again = post_form(
        school,
        f"/en/sponsors/corrections/{correction_id}/refuse",
        {"reason": "Again"},
        page=f"/en/sponsors/{school.public_id}/corrections",
        follow=True,
    )
    assert "This request is already answered." in shown(again)
    assert [row.refusal_reason for row in rows(app, CorrectionRequest)] == [reason]
    assert len(outbox(app, MEMBER)) == 1


def test_only_the_organisations_admins_may_refuse(app, school, employer, make_user):
    member, _, correction_id = _ask(app, school, make_user)
    for client in (employer, member):
        token = csrf_from(client.get("/en/sponsors/mine").text)
        response = client.post(
            f"/en/sponsors/corrections/{correction_id}/refuse", data={"csrf_token": token, "reason": "No"}
        )
        assert response.status_code in (403, 404)
    assert [row.status for row in rows(app, CorrectionRequest)] == ["open"]


def test_the_data_protection_contact_answering_closes_the_sponsors_copy(app, school, make_user):
    from tests.auth.test_two_step import sign_in_admin_with_two_step

    _, _, _ = _ask(app, school, make_user, locale="en")
    dpo = sign_in_admin_with_two_step(app, make_user)
    [request] = rows(app, PrivacyRequest)
    url = f"/en/privacy/admin/requests/{request.public_id}"
    reason = "The school confirmed the grade with its registry."
    dpo.post(
        url,
        data={"status": "refused", "outcome": reason, "extend_months": "0", "csrf_token": csrf_from(dpo.get(url).text)},
    )
    [correction] = rows(app, CorrectionRequest)
    assert correction.status == "refused" and correction.refusal_reason == reason
    assert correction.resolved_dt is not None and correction.resolved_by_id is not None
    corrections = shown(school.get(f"/en/sponsors/{school.public_id}/corrections"))
    assert "Refused, with reasons" in corrections and reason in corrections
    [message] = outbox(app, MEMBER)
    assert reason in message.body_text  # the e-mail carries our answer, not only its status

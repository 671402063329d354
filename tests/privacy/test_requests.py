"""Privacy requests: due one month after receipt, handled by an admin, status visible to the member."""

from datetime import date, datetime

import pytest
from freezegun import freeze_time

from app.privacy.models import PrivacyRequest
from app.privacy.requests import add_months
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import csrf_from, outbox, shown
from tests.privacy.conftest import rows


def send_request(member, **fields):
    data = {"kind": "complaint", "subject": "Wrong grade", "message": "My school sent the wrong grade."} | fields
    return member.post("/en/privacy/requests/new", data, page="/en/privacy/requests/new")


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2026, 11, 24), date(2026, 12, 24)),
        (date(2026, 12, 5), date(2027, 1, 5)),
    ],
)
def test_due_date_is_one_month_later(day, due):
    assert add_months(day, 1) == due


@pytest.mark.promise("answer-within-one-month")
def test_member_sends_a_request_and_sees_its_status_and_due_date(app, sign_in):
    with freeze_time("2026-11-24 10:00:00"):
        member = sign_in("member@example.com")
        response = send_request(member)
        [item] = rows(app, PrivacyRequest, user_id=member.user_id)
        assert response.headers["Location"] == f"/en/privacy/requests/{item.public_id}"
        assert item.due_date == date(2026, 12, 24) and item.status == "received"
        page = shown(member.get(response.headers["Location"]))
        dashboard = shown(member.get("/en/privacy/dashboard"))
    assert "Your request is received. We will answer by December 24, 2026 at the latest." in page
    assert "Wrong grade" in page and "Received" in page and "My school sent the wrong grade." in page
    assert "Wrong grade" in dashboard and "December 24, 2026" in dashboard


@pytest.mark.parametrize(("lang", "error"), [("en", "This field is required."), ("fr", "Ce champ est obligatoire.")])
def test_request_form_keeps_what_was_typed_and_answers_in_the_language(app, member, lang, error):
    page = member.get(f"/{lang}/privacy/requests/new")
    response = member.client.post(
        f"/{lang}/privacy/requests/new",
        data={"kind": "question", "subject": "Kept subject", "message": "", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 400
    assert error in shown(response) and 'value="Kept subject"' in response.text
    assert rows(app, PrivacyRequest) == []


def test_another_members_request_is_404(app, sign_in):
    alice = sign_in("alice@example.com")
    bob = sign_in("bob@example.com")
    send_request(alice)
    [item] = rows(app, PrivacyRequest, user_id=alice.user_id)
    assert bob.get(f"/en/privacy/requests/{item.public_id}").status_code == 404


def test_the_request_form_binds_only_its_fields(app, member):
    send_request(member, user_id="999", status="done", outcome="forged")
    [item] = rows(app, PrivacyRequest)
    assert item.user_id == member.user_id and item.status == "received" and item.outcome == ""


@pytest.mark.promise("answer-within-one-month")
def test_admin_queue_shows_overdue_and_handles_with_outcome_and_handler(app, member, admin):
    send_request(member, subject="Old question")
    send_request(member, subject="New question")
    with app.app_context():
        from app.extensions import db

        old = db.session.scalar(db.select(PrivacyRequest).where(PrivacyRequest.subject == "Old question"))
        old.received_dt = datetime(2026, 10, 1, 10, 0)
        old.due_date = date(2026, 11, 1)
        db.session.commit()
    queue = shown(admin.get("/en/privacy/admin/requests"))
    assert queue.index("Old question") < queue.index("New question")
    assert "Overdue" in queue.split("Old question")[1].split("</tr>")[0]
    assert "Overdue" not in queue.split("New question")[1].split("</tr>")[0]

    old = next(item for item in rows(app, PrivacyRequest) if item.subject == "Old question")
    url = f"/en/privacy/admin/requests/{old.public_id}"
    page = admin.get(url)
    missing = admin.post(
        url, data={"status": "done", "outcome": "", "extend_months": "0", "csrf_token": csrf_from(page.text)}
    )
    assert missing.status_code == 400 and "Write the answer the member will read." in shown(missing)
    admin.post(
        url,
        data={
            "status": "done",
            "outcome": "We corrected it.",
            "extend_months": "0",
            "csrf_token": csrf_from(page.text),
        },
    )
    [old] = [item for item in rows(app, PrivacyRequest) if item.subject == "Old question"]
    assert old.status == "done" and old.outcome == "We corrected it." and old.handled_by_id is not None
    assert old.handled_dt is not None
    mail = outbox(app, to="member@example.com")[-1]
    assert "Answered" in mail.body_text and f"/en/privacy/requests/{old.public_id}" in mail.body_text
    page = shown(member.get(f"/en/privacy/requests/{old.public_id}"))
    assert "Answered" in page and "We corrected it." in page


def test_extension_needs_a_reason_and_is_at_most_two_months(app, sign_in, make_user):
    with freeze_time("2026-11-24 10:00:00"):
        member = sign_in("member@example.com")
        admin = sign_in_admin_with_two_step(app, make_user)
        send_request(member)
        [item] = rows(app, PrivacyRequest)
        url = f"/en/privacy/admin/requests/{item.public_id}"
        token = csrf_from(admin.get(url).text)
        base = {"status": "in_progress", "outcome": "", "csrf_token": token}
        no_reason = admin.post(url, data=base | {"extend_months": "1", "extension_reason": ""})
        assert "Explain to the member why more time is needed." in shown(no_reason)
        too_long = admin.post(url, data=base | {"extend_months": "3", "extension_reason": "Complex"})
        assert too_long.status_code == 400
        admin.post(url, data=base | {"extend_months": "2", "extension_reason": "Many sponsors to ask."})
        [item] = rows(app, PrivacyRequest)
        assert item.due_date == date(2027, 2, 24) and item.extension_reason == "Many sponsors to ask."
        assert "Many sponsors to ask." in outbox(app, to="member@example.com")[-1].body_text
        again = admin.post(url, data=base | {"extend_months": "1", "extension_reason": "More"})
        assert "two months at most" in shown(again)


def test_request_admin_pages_are_for_admins_only(app, member):
    send_request(member)
    [item] = rows(app, PrivacyRequest)
    assert member.get("/en/privacy/admin/requests").status_code == 403
    assert member.get(f"/en/privacy/admin/requests/{item.public_id}").status_code == 403

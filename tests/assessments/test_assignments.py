"""Clients assign tests by e-mail and see the results of their own assignments, for two years only; candidates
(members or invited people) take them once; extra time shows to clients only as a fact; other clients find
consenting candidates; scores can be contested like a privacy request."""

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from app.assessments.models import Assignment, AssignmentStatus, Attempt, Result, ScoreContest
from app.auth.models import Role, User
from app.core.access_log import AccessLogEntry
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.models import PrivacyRequest
from tests.assessments.conftest import item_fields, post_page
from tests.conftest import csrf_from, outbox, shown, signed_in

DUE = (utcnow() + timedelta(days=10)).date().isoformat()


@pytest.fixture
def client_user(app, make_user):
    make_user("hr@acme.example", roles=[Role.CLIENT], locale="en", first_name="Hannah", company="Acme")
    return signed_in(app, "hr@acme.example", lang="en")


@pytest.fixture
def other_client(app, make_user):
    make_user("jobs@globex.example", roles=[Role.CLIENT], locale="fr", first_name="Gaston", company="Globex")
    return signed_in(app, "jobs@globex.example", lang="fr")


def assign(client, test_public_id, emails, due=DUE, lang="en"):
    page = client.get(f"/{lang}/tests/assignments/new")
    return client.post(
        f"/{lang}/tests/assignments/new",
        data={"test": test_public_id, "emails": emails, "due_date": due, "csrf_token": csrf_from(page.text)},
    )


def assignment_of(app, email) -> Assignment:
    with app.app_context():
        row = db.session.scalar(select(Assignment).where(Assignment.email == email))
        db.session.expunge_all()
        return row


def take_and_submit(app, client, assignment_public_id, answers_right=3, lang="fr"):
    """Start the assigned test, answer the first `answers_right` questions of page 1 rightly, submit."""
    page = client.get(f"/{lang}/tests/assigned/{assignment_public_id}")
    assert page.status_code == 200
    response = client.post(
        f"/{lang}/tests/assigned/{assignment_public_id}/start", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 302, response.text[:300]
    attempt_id = response.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        attempt = db.session.scalar(select(Attempt).where(Attempt.public_id == attempt_id))
        keys = {f"item_{item.public_id}": item.key for item in attempt.test.items}
    fields = item_fields(client.get(f"/{lang}/tests/attempts/{attempt_id}").text)
    answers = {}
    for name in fields[:answers_right]:
        key = keys[name]
        answers[name] = str(
            int(key) if isinstance(key, float) and key.is_integer() else key[0] if isinstance(key, list) else key
        )
    response = post_page(client, attempt_id, answers, action="finish", lang=lang)
    assert response.status_code == 302
    return attempt_id


def test_a_client_assigns_to_a_member_and_invites_a_newcomer(app, bank, client_user, make_user):
    make_user("camille@example.com", locale="fr", first_name="Camille")
    response = assign(client_user, bank["numerical-reasoning"], "Camille@Example.com\nnew.person@example.org")
    assert response.status_code == 302
    page = shown(client_user.get(response.headers["Location"]))
    assert "Assigned to 1 member, who was told" in page and "1 person without an account was invited" in page
    assert "camille@example.com" not in page or "Camille" in page
    member_mail = outbox(app, to="camille@example.com")[-1]
    assert member_mail.subject == "Un test à passer pour Acme"
    assert "Raisonnement numérique" in member_mail.body_text and "/fr/tests/" in member_mail.body_text
    invitation = outbox(app, to="new.person@example.org")[-1]
    assert "/fr/register" in invitation.body_text and "new.person@example.org" in invitation.body_text
    assert assignment_of(app, "camille@example.com").candidate_id is not None
    assert assignment_of(app, "new.person@example.org").candidate_id is None
    # The list shows both, with their status.
    listing = shown(client_user.get("/en/tests/assignments/"))
    assert "Camille" in listing and "new.person@example.org" in listing and "Not started" in listing


def test_bad_addresses_and_dates_assign_nothing_and_keep_the_input(app, bank, client_user):
    response = assign(client_user, bank["numerical-reasoning"], "good@example.com\nnot-an-address")
    assert response.status_code == 200
    page = shown(response)
    assert "These addresses are not valid: not-an-address" in page
    assert "good@example.com" in page  # what was typed stays
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    page = shown(assign(client_user, bank["numerical-reasoning"], "good@example.com", due=yesterday))
    assert "The due date must be in the future." in page
    page = shown(assign(client_user, bank["numerical-reasoning"], "good@example.com", due="next week", lang="fr"))
    assert "N'est pas une date valide." in page  # WTForms' own French message
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 0
    assert client_user.post("/en/tests/assignments/new", data={"test": bank["numerical-reasoning"]}).status_code in (
        200,
        400,
    )
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 0


def test_only_clients_assign(app, bank, candidate):
    assert candidate.get("/fr/tests/assignments/new").status_code == 403
    assert candidate.get("/fr/tests/assignments/").status_code == 403
    assert candidate.get("/fr/tests/candidates/").status_code == 403


def test_the_candidate_takes_it_once_and_the_client_sees_the_result(app, bank, client_user, candidate):
    assign(client_user, bank["numerical-reasoning"], "camille@example.com")
    assignment = assignment_of(app, "camille@example.com")
    index = shown(candidate.get("/fr/tests/"))
    assert "Tests que des employeurs vous demandent de passer" in index and "pour Acme" in index
    instructions = shown(candidate.get(f"/fr/tests/assigned/{assignment.public_id}"))
    assert "Acme vous demande de passer ce test avant le" in instructions

    attempt_id = take_and_submit(app, candidate, assignment.public_id, answers_right=4)
    row = assignment_of(app, "camille@example.com")
    assert row.status == AssignmentStatus.COMPLETED and row.result_shared_dt is not None
    # A second start lands on the result, not on a new attempt.
    again = candidate.get(f"/fr/tests/assigned/{assignment.public_id}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    with app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id))) == 1

    result_page = shown(candidate.get(f"/fr/tests/attempts/{attempt_id}/result"))
    assert "Vous et Acme, qui vous a assigné ce test, jusqu’au" in result_page
    told = outbox(app, to="hr@acme.example")[-1]
    assert told.subject == "A candidate completed a test" and "Camille" in told.body_text

    listing = shown(client_user.get("/en/tests/assignments/"))
    assert "Completed" in listing and "25%" in listing  # 4 of 16 points
    drawn = client_user.get("/en/tests/assignments/").text  # the bar beside the score, a quarter filled
    assert drawn.count('class="meter"') == 1 and '<rect class="meter-fill" width="25.0" height="10"' in drawn
    in_french = shown(client_user.get("/fr/tests/assignments/"))
    assert "Terminé" in in_french and "Completed" not in in_french
    detail = shown(client_user.get(f"/en/tests/assignments/{assignment.public_id}"))
    assert "Score: 4 out of 16" in detail
    with app.app_context():
        log = db.session.scalars(select(AccessLogEntry).where(AccessLogEntry.what == "test_result")).all()
        assert [(entry.viewer_name, entry.why) for entry in log] == [("Hannah Martin1", "client_assignment")]


def test_a_client_never_sees_another_clients_assignments_or_practice_results(
    app, bank, client_user, other_client, candidate
):
    assign(client_user, bank["numerical-reasoning"], "camille@example.com")
    assignment = assignment_of(app, "camille@example.com")
    take_and_submit(app, candidate, assignment.public_id)
    # A practice attempt of the same candidate.
    page = candidate.get(f"/fr/tests/{bank['sql-basics']}")
    candidate.post(f"/fr/tests/{bank['sql-basics']}/start", data={"csrf_token": csrf_from(page.text)})

    assert other_client.get(f"/fr/tests/assignments/{assignment.public_id}").status_code == 404
    assert other_client.post(
        f"/fr/tests/assignments/{assignment.public_id}/cancel", data={"csrf_token": "x"}
    ).status_code in (400, 404)
    listing = shown(other_client.get("/fr/tests/assignments/"))
    assert "Camille" not in listing and "Vous n’avez encore assigné aucun test." in listing
    own = shown(client_user.get("/en/tests/assignments/"))
    assert "SQL" not in own  # the practice attempt is Camille's alone
    with app.app_context():
        attempt = db.session.scalar(select(Attempt).where(Attempt.assignment_id.is_(None)))
    assert client_user.get(f"/en/tests/attempts/{attempt.public_id}/result").status_code == 403
    # Nor the candidate's profile from another client without a ground.
    with app.app_context():
        camille = db.session.scalar(select(User).where(User.email == "camille@example.com"))
    assert other_client.get(f"/fr/members/{camille.public_id}/profile").status_code == 404
    assert client_user.get(f"/en/members/{camille.public_id}/profile").status_code == 200


def test_an_invited_person_registers_and_finds_the_test(app, bank, client_user, make_user):
    assign(client_user, bank["sql-basics"], "newcomer@example.org")
    make_user("newcomer@example.org", locale="en", first_name="Nora")  # registered and verified the address
    newcomer = signed_in(app, "newcomer@example.org", lang="en")
    index = shown(newcomer.get("/en/tests/"))
    assert "Tests employers asked you to take" in index and "SQL basics" in index
    assignment = assignment_of(app, "newcomer@example.org")
    take_and_submit(app, newcomer, assignment.public_id, answers_right=1, lang="en")
    row = assignment_of(app, "newcomer@example.org")
    assert row.candidate_id is not None and row.status == AssignmentStatus.COMPLETED


def test_an_unverified_address_does_not_claim_an_assignment(app, bank, client_user, make_user):
    assign(client_user, bank["sql-basics"], "squatter@example.org")
    make_user("squatter@example.org", verified=False)
    squatter = signed_in(app, "squatter@example.org")
    assignment = assignment_of(app, "squatter@example.org")
    assert "SQL basics" not in shown(squatter.get("/en/tests/")).split("Practice tests")[0]
    assert squatter.get(f"/en/tests/assigned/{assignment.public_id}").status_code == 404


def test_the_due_date_closes_the_assignment(app, bank, client_user, candidate):
    assign(client_user, bank["numerical-reasoning"], "camille@example.com")
    assignment = assignment_of(app, "camille@example.com")
    page = candidate.get(f"/fr/tests/assigned/{assignment.public_id}")
    with app.app_context():
        row = db.session.get(Assignment, assignment.id)
        row.due_dt = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = candidate.post(
        f"/fr/tests/assigned/{assignment.public_id}/start", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 302
    assert "La date limite de ce test est passée" in shown(candidate.get(response.headers["Location"]))
    with app.app_context():
        assert db.session.scalar(select(func.count(Attempt.id))) == 0


def test_a_client_cancels_an_assignment_not_started(app, bank, client_user, make_user):
    assign(client_user, bank["numerical-reasoning"], "someone@example.org")
    assignment = assignment_of(app, "someone@example.org")
    page = client_user.get(f"/en/tests/assignments/{assignment.public_id}")
    response = client_user.post(
        f"/en/tests/assignments/{assignment.public_id}/cancel", data={"csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 302
    assert assignment_of(app, "someone@example.org") is None


def add_assignments(app, client_email, rows):
    """Assignments of the client, oldest first, one a minute: (email, test slug, result_shared_dt)."""
    from app.assessments.models import Test

    with app.app_context():
        client = db.session.scalar(select(User).where(User.email == client_email))
        tests = {test.slug: test.id for test in db.session.scalars(select(Test))}
        start = utcnow() - timedelta(days=1)
        for number, (email, slug, shared) in enumerate(rows):
            db.session.add(
                Assignment(
                    client_id=client.id,
                    email=email,
                    test_id=tests[slug],
                    due_dt=utcnow() + timedelta(days=10),
                    created_dt=start + timedelta(minutes=number),
                    result_shared_dt=shared,
                )
            )
        db.session.commit()


def test_the_list_pages_newest_first_counts_what_is_visible_and_filters_by_test(app, bank, client_user):
    expired = utcnow() - timedelta(days=800)
    add_assignments(
        app,
        "hr@acme.example",
        [("hidden@example.org", "numerical-reasoning", expired)]
        + [(f"person{number}@example.org", "numerical-reasoning", None) for number in range(50)]
        + [("sql1@example.org", "sql-basics", None), ("sql2@example.org", "sql-basics", None)],
    )
    first = shown(client_user.get("/en/tests/assignments/"))
    assert "52 assignments" in first and "Page 1 of 2" in first
    assert first.index("sql2@example.org") < first.index("sql1@example.org") < first.index("person49@example.org")
    assert "person1@example.org" not in first and first.count("invited to create an account") == 50
    second = shown(client_user.get("/en/tests/assignments/?page=2"))
    assert "Page 2 of 2" in second and "person1@example.org" in second and "person0@example.org" in second
    assert "hidden@example.org" not in first + second and "person2@example.org" not in second
    by_test = shown(client_user.get("/en/tests/assignments/?test=sql-basics"))
    assert "2 assignments" in by_test and "person49@example.org" not in by_test and "sql1@example.org" in by_test
    past_the_end = shown(client_user.get("/en/tests/assignments/?page=3"))
    assert "person0@example.org" not in past_the_end
    from app.assessments.assignments import client_assignments

    with app.test_request_context():
        client = db.session.scalar(select(User).where(User.email == "hr@acme.example"))
        assert client_assignments(client, page=3) == ([], 52)
        assert client_assignments(client, test_slug="sql-basics", page=2) == ([], 2)


@pytest.mark.promise("accommodation-private-note")
def test_clients_see_that_extra_time_applied_never_the_note(app, bank, client_user, candidate):
    page = candidate.get("/fr/tests/accommodation")
    assert "Temps supplémentaire pour les tests" in shown(page)
    response = candidate.post(
        "/fr/tests/accommodation",
        data={"time_factor": "1.5", "note": "Dyslexie, certificat du 3 mars", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    assign(client_user, bank["numerical-reasoning"], "camille@example.com")
    assignment = assignment_of(app, "camille@example.com")
    take_and_submit(app, candidate, assignment.public_id)
    with app.app_context():
        attempt = db.session.scalar(select(Attempt))
        assert attempt.deadline_dt - attempt.started_dt == timedelta(minutes=30)
    listing = shown(client_user.get("/en/tests/assignments/"))
    detail = shown(client_user.get(f"/en/tests/assignments/{assignment.public_id}"))
    assert "extra time applied" in listing
    assert "An accommodation applied: the candidate had extra time." in detail
    assert "Dyslexie" not in listing + detail and "1.5" not in detail


def test_bad_accommodation_input_is_refused(app, candidate):
    page = candidate.get("/fr/tests/accommodation")
    response = candidate.post(
        "/fr/tests/accommodation", data={"time_factor": "9", "note": "", "csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 200
    assert "N'est pas un choix valide." in shown(response)  # WTForms' own French message
    from app.assessments.models import AccommodationSetting

    with app.app_context():
        assert db.session.scalar(select(func.count(AccommodationSetting.id))) == 0


def test_an_admin_sets_a_members_extra_time(app, make_user, candidate):
    from tests.auth.test_two_step import sign_in_admin_with_two_step

    admin = sign_in_admin_with_two_step(app, make_user, "root@example.com", [Role.ADMIN])
    with app.app_context():
        camille = db.session.scalar(select(User).where(User.email == "camille@example.com"))
    url = f"/en/tests/admin/members/{camille.public_id}/accommodation"
    page = admin.get(url)
    assert page.status_code == 200
    response = admin.post(url, data={"time_factor": "2", "note": "Sent by e-mail", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    from app.assessments.services import time_factor_of

    with app.app_context():
        assert time_factor_of(db.session.get(User, camille.id)) == 2.0
    assert candidate.get(url.replace("/en/", "/fr/")).status_code == 403


def test_results_are_visible_to_the_client_for_two_years_then_purged(app, bank, client_user, candidate, runner):
    assign(client_user, bank["numerical-reasoning"], "camille@example.com")
    assignment = assignment_of(app, "camille@example.com")
    attempt_id = take_and_submit(app, candidate, assignment.public_id)
    dashboard = shown(candidate.get("/fr/privacy/dashboard"))
    assert "Données partagées avec des clients" in dashboard and "Acme" in dashboard
    with app.app_context():
        shared = db.session.get(Assignment, assignment.id)
        title, until = shared.test.title["fr"], shared.result_shared_dt + app.config["CLIENT_RESULT_RETENTION"]
    # The share's line: the test in French, the client, and the end of the two years.
    line = dashboard.split("Données partagées avec des clients", 1)[1].split("</table>", 1)[0]
    assert title in line and "Acme" in line and str(until.year) in line

    with freeze_time(utcnow() + timedelta(days=731)):
        client_user = signed_in(app, "hr@acme.example")  # sessions from two years ago have expired
        assert client_user.get(f"/en/tests/assignments/{assignment.public_id}").status_code == 404
        assert "Camille" not in shown(client_user.get("/en/tests/assignments/"))
        result = runner.invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
    assert assignment_of(app, "camille@example.com") is None
    with app.app_context():
        assert db.session.scalar(select(func.count(Result.id))) == 1  # the candidate's own result stays
    candidate = signed_in(app, "camille@example.com", lang="fr")
    assert candidate.get(f"/fr/tests/attempts/{attempt_id}/result").status_code == 200


def _consent(app, email, granted=True):
    from app.privacy.consents import set_consent
    from app.privacy.models import ConsentPurpose, ConsentSource

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        set_consent(user, ConsentPurpose.SHARE_RESULTS, granted, ConsentSource.DASHBOARD)
        db.session.commit()


def test_other_clients_find_only_consenting_candidates(app, bank, client_user, other_client, candidate, make_user):
    assign(client_user, bank["numerical-reasoning"], "camille@example.com")
    take_and_submit(app, candidate, assignment_of(app, "camille@example.com").public_id, answers_right=4)
    search = "/fr/tests/candidates/?test=numerical-reasoning&min_percentage=10&skill="

    assert "Camille" not in shown(other_client.get(search))  # no consent yet
    _consent(app, "camille@example.com")
    page = shown(other_client.get(search))
    assert "1 candidat" in page and "Camille" in page and "25\u00a0%" in page
    assert "Camille" not in shown(other_client.get(search.replace("min_percentage=10", "min_percentage=50")))
    with app.app_context():
        camille = db.session.scalar(select(User).where(User.email == "camille@example.com"))
    assert other_client.get(f"/fr/members/{camille.public_id}/profile").status_code == 200
    with app.app_context():
        reasons = db.session.scalars(select(AccessLogEntry.why).where(AccessLogEntry.owner_id == camille.id)).all()
        assert "results_search" in reasons

    # Restriction hides the candidate; withdrawing consent too.
    from app.privacy.services import restrict_processing

    with app.app_context():
        restrict_processing(db.session.get(User, camille.id))
        db.session.commit()
    assert "Camille" not in shown(other_client.get(search))
    assert other_client.get(f"/fr/members/{camille.public_id}/profile").status_code == 404


def test_search_never_shows_practice_results(app, bank, other_client, candidate):
    _consent(app, "camille@example.com")
    page = candidate.get(f"/fr/tests/{bank['numerical-reasoning']}")
    candidate.post(f"/fr/tests/{bank['numerical-reasoning']}/start", data={"csrf_token": csrf_from(page.text)})
    with app.app_context():
        attempt = db.session.scalar(select(Attempt))
    post_page(candidate, attempt.public_id, {}, action="finish")
    assert "Camille" not in shown(other_client.get("/fr/tests/candidates/?test=numerical-reasoning"))


def test_bad_search_input_gets_a_clear_error(app, bank, other_client):
    page = shown(other_client.get("/fr/tests/candidates/?test=numerical-reasoning&min_percentage=300"))
    assert "Saisissez un nombre de 0 à 100." in page


@pytest.mark.promise("score-contest")
def test_a_candidate_contests_a_score_and_gets_an_answer(app, bank, client_user, candidate, make_user):
    assign(client_user, bank["numerical-reasoning"], "camille@example.com")
    attempt_id = take_and_submit(app, candidate, assignment_of(app, "camille@example.com").public_id)
    url = f"/fr/tests/attempts/{attempt_id}/result"
    page = candidate.get(url)
    short = candidate.post(
        f"/fr/tests/attempts/{attempt_id}/contest", data={"reason": "non", "csrf_token": csrf_from(page.text)}
    )
    assert "Expliquez en quelques mots ce que vous contestez" in shown(candidate.get(short.headers["Location"]))
    response = candidate.post(
        f"/fr/tests/attempts/{attempt_id}/contest",
        data={"reason": "La question 3 acceptait aussi 20,5.", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 302
    page = shown(candidate.get(url))
    assert "Reçue" in page and "Réponse attendue au plus tard le" in page
    with app.app_context():
        request = db.session.scalar(select(PrivacyRequest))
        assert request.kind == "score_contest" and request.due_date > utcnow().date()
        assert db.session.scalar(select(func.count(ScoreContest.id))) == 1
        request_id = request.public_id
    # A second contest while the first is open is refused.
    again = candidate.post(
        f"/fr/tests/attempts/{attempt_id}/contest",
        data={"reason": "Encore une fois, la question 3.", "csrf_token": csrf_from(candidate.get(url).text)},
    )
    assert "Vous avez déjà contesté ce score" in shown(candidate.get(again.headers["Location"]))

    # An admin answers through the privacy request queue; the candidate reads the answer on the result page.
    from tests.auth.test_two_step import sign_in_admin_with_two_step

    admin = sign_in_admin_with_two_step(app, make_user, "dpo@example.com", [Role.ADMIN])
    admin_url = f"/en/privacy/admin/requests/{request_id}"
    form = admin.get(admin_url)
    assert "Contest of a test score" in shown(form)
    admin.post(
        admin_url,
        data={
            "status": "done",
            "outcome": "Corrected: 20.5 is accepted now.",
            "extend_months": "0",
            "csrf_token": csrf_from(form.text),
        },
    )
    page = shown(candidate.get(url))
    assert "Corrected: 20.5 is accepted now." in page
    assert "Contester ce score" in page  # a new contest is possible once the first is answered


def test_nobody_else_contests_or_reads_a_result(app, bank, client_user, candidate, make_user):
    assign(client_user, bank["numerical-reasoning"], "camille@example.com")
    attempt_id = take_and_submit(app, candidate, assignment_of(app, "camille@example.com").public_id)
    make_user("intruder@example.com")
    intruder = signed_in(app, "intruder@example.com")
    page = intruder.get("/en/tests/")
    response = intruder.post(
        f"/en/tests/attempts/{attempt_id}/contest",
        data={"reason": "I contest someone else's score.", "csrf_token": csrf_from(page.text)},
    )
    assert response.status_code == 404
    assert intruder.get(f"/en/tests/attempts/{attempt_id}/result").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(ScoreContest.id))) == 0

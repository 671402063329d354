"""What candidates, clients and test authors have to do next about tests, for the home page (registered in
app/assessments/blueprint.py with core.next_steps). A fixed number of queries per member."""

from datetime import timedelta

from flask import url_for
from flask_babel import format_date, gettext, ngettext
from sqlalchemy import bindparam, func, select

from app.assessments import statistics
from app.assessments.assignments import belonging_to, client_label, visible_since, visible_to
from app.assessments.models import Assignment, AssignmentStatus, Attempt, Test, localised
from app.assessments.services import in_statistics_attempts
from app.auth.models import User
from app.core import prebuilt
from app.core.i18n import current_language
from app.core.next_steps import NextStep, counted
from app.core.timeutil import utcnow
from app.extensions import db

SHOWN = 3
#: A test due within this is marked urgent; a result made available within RECENT is "new".
URGENT_WITHIN = timedelta(days=2)
RECENT = timedelta(days=14)


def _title(test: Test) -> str:
    return _localised_title(test.title)


def _localised_title(title: dict) -> str:
    return localised(title, current_language())


# The candidate's steps read plain rows (Core), with selects built once (app.core.prebuilt).


def _tests_to_take(by_verified_address: bool):
    """Tests assigned to the member and not completed, earliest due first: linked to the account, or (once the
    address is verified) to the address before the member registered (linked when they start)."""
    mine = belonging_to(bindparam("member_id"), bindparam("email"), by_address=by_verified_address)
    return (
        select(
            Assignment.public_id,
            Assignment.status,
            Assignment.due_dt,
            Test.title,
            User.company,
            User.first_name,
            User.last_name,
        )
        .join(Test, Test.id == Assignment.test_id)
        .join(User, User.id == Assignment.client_id)
        .where(mine, Assignment.status != AssignmentStatus.COMPLETED.value, Assignment.due_dt > bindparam("now"))
        .order_by(Assignment.due_dt)
        .limit(SHOWN)
    )


_TO_TAKE = {verified: _tests_to_take(verified) for verified in (False, True)}

_OPEN_PRACTICE = (
    select(Attempt.public_id, Attempt.deadline_dt, Test.title)
    .join(Test, Test.id == Attempt.test_id)
    .where(
        Attempt.candidate_id == bindparam("member_id"),
        Attempt.assignment_id.is_(None),
        Attempt.submitted_dt.is_(None),
        Attempt.deadline_dt > bindparam("now"),
    )
    .order_by(Attempt.deadline_dt)
    .limit(SHOWN)
)


def candidate_steps(member) -> list[NextStep]:
    """Tests to take, earliest due first, and practice tests left open."""
    now = utcnow()
    steps = []
    to_take = prebuilt.rows(
        _TO_TAKE[member.is_email_verified], member_id=member.id, email=(member.email or "").lower(), now=now
    )
    for assignment in to_take:
        test, client = _localised_title(assignment.title), client_label(assignment)
        verb = (
            gettext("Finish “%(test)s” for %(client)s", test=test, client=client)
            if assignment.status == AssignmentStatus.STARTED.value
            else gettext("Take “%(test)s” for %(client)s", test=test, client=client)
        )
        steps.append(
            NextStep(
                verb,
                url_for("assessments.assigned", public_id=assignment.public_id),
                detail=gettext("Due on %(date)s", date=format_date(assignment.due_dt, "long")),
                due=assignment.due_dt,
                is_urgent=assignment.due_dt - now < URGENT_WITHIN,
            )
        )
    open_practice = prebuilt.rows(_OPEN_PRACTICE, member_id=member.id, now=now)
    for attempt in open_practice:
        steps.append(
            NextStep(
                gettext("Finish your practice test “%(test)s”", test=_localised_title(attempt.title)),
                url_for("assessments.take", public_id=attempt.public_id),
                detail=gettext("Time is up on %(date)s", date=format_date(attempt.deadline_dt, "long")),
                due=attempt.deadline_dt,
            )
        )
    if not to_take and not open_practice:
        offer = gettext("Aptitude, personality and skills tests, with your result at once.")
        steps.append(NextStep(gettext("Take a practice test"), url_for("assessments.index"), detail=offer))
    return steps


# The client's steps too, with the client's visibility rule (assignments.visible_to) as bound parameters.
_CLIENT_COUNTS = (
    select(Assignment.status, func.count(Assignment.id))
    .where(visible_to(bindparam("client_id"), bindparam("since")))
    .group_by(Assignment.status)
)

_NEW_RESULTS = (
    select(
        Assignment.public_id,
        Assignment.email,
        Assignment.result_shared_dt,
        Test.title,
        User.first_name,
        User.last_name,
    )
    .join(Test, Test.id == Assignment.test_id)
    .outerjoin(User, User.id == Assignment.candidate_id)
    .where(visible_to(bindparam("client_id"), bindparam("since")), Assignment.result_shared_dt >= bindparam("recent"))
    .order_by(Assignment.result_shared_dt.desc())
    .limit(SHOWN)
)


def client_steps(member) -> list[NextStep]:
    """Assignments by status, and the results made available lately, one click from each."""
    visible = {"client_id": member.id, "since": visible_since()}
    counts = dict(prebuilt.rows(_CLIENT_COUNTS, **visible))
    steps = []
    for assignment in prebuilt.rows(_NEW_RESULTS, **visible, recent=utcnow() - RECENT):
        name = (
            f"{assignment.first_name} {assignment.last_name}" if assignment.first_name is not None else assignment.email
        )
        steps.append(
            NextStep(
                gettext("Read %(name)s's result on “%(test)s”", name=name, test=_localised_title(assignment.title)),
                url_for("assessments.client_assignment", public_id=assignment.public_id),
                detail=gettext("Available since %(date)s", date=format_date(assignment.result_shared_dt, "long")),
            )
        )
    waiting = counts.get(AssignmentStatus.ASSIGNED.value, 0)
    started = counts.get(AssignmentStatus.STARTED.value, 0)
    completed = counts.get(AssignmentStatus.COMPLETED.value, 0)
    listing = url_for("assessments.client_assignments")
    for count, text in (
        (waiting, ngettext("%(num)d assignment not started yet", "%(num)d assignments not started yet", waiting)),
        (started, ngettext("%(num)d test in progress", "%(num)d tests in progress", started)),
        (completed, ngettext("%(num)d result available", "%(num)d results available", completed)),
    ):
        steps += counted(text, listing, count, is_status=True)
    how = gettext("They receive an e-mail with the due date; you see their result once they finish.")
    steps.append(NextStep(gettext("Assign a test to candidates"), url_for("assessments.assign"), detail=how))
    return steps


def author_steps(member) -> list[NextStep]:
    """Drafts to finish, and published tests with enough attempts for their item statistics."""
    tests = list(db.session.scalars(select(Test).where(Test.author_id == member.id).order_by(Test.created_dt.desc())))
    published_ids = [test.id for test in tests if test.published_dt is not None]
    attempts = dict(
        db.session.execute(
            select(Attempt.test_id, func.count(Attempt.id))
            .where(Attempt.test_id.in_(published_ids), Attempt.submitted_dt.is_not(None), in_statistics_attempts())
            .group_by(Attempt.test_id)
        ).all()
        if published_ids
        else []
    )
    steps = []
    for test in [test for test in tests if test.published_dt is None][:SHOWN]:
        steps.append(
            NextStep(
                gettext("Finish and publish your draft “%(test)s”", test=_title(test)),
                url_for("assessments.edit_test", public_id=test.public_id),
                detail=gettext("Started on %(date)s", date=format_date(test.created_dt, "long")),
            )
        )
    ready = [test for test in tests if attempts.get(test.id, 0) >= statistics.MIN_ATTEMPTS]
    for test in ready[:SHOWN]:
        steps.append(
            NextStep(
                gettext("Read the item statistics of “%(test)s”", test=_title(test)),
                url_for("assessments.statistics", public_id=test.public_id),
                detail=ngettext("%(num)d attempt to learn from", "%(num)d attempts to learn from", attempts[test.id]),
            )
        )
    if not steps:
        steps.append(NextStep(gettext("Write a new test"), url_for("assessments.create_test")))
    return steps

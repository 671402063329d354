"""Personal data of assessments: attempts and answers, results, assignments, accommodations."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from app.assessments import assignments
from app.assessments.models import (
    AccommodationSetting,
    Answer,
    Assignment,
    Attempt,
    AutosaveGap,
    Item,
    Result,
    ScoreContest,
    ScoreCorrection,
    Test,
)
from app.core.registry import ErasureAction, LegalBasis, PersonalDataEntry, declare_not_personal, register
from app.extensions import db
from app.privacy.models import PrivacyRequest


def _iso(value):
    return value.isoformat() if value else None


def _attempts(user):
    return db.session.scalars(select(Attempt).where(Attempt.candidate_id == user.id).order_by(Attempt.id))


def export_attempts(user) -> list[dict]:
    # Answers and gaps of all the attempts in one query each, not two per attempt: a heavy member has hundreds.
    attempt_ids = select(Attempt.id).where(Attempt.candidate_id == user.id).scalar_subquery()
    answers_of: dict[int, list] = {}
    for attempt_id, item, value, saved in db.session.execute(
        select(Answer.attempt_id, Item.public_id, Answer.value, Answer.saved_dt)
        .join(Item, Item.id == Answer.item_id)
        .where(Answer.attempt_id.in_(attempt_ids))
        .order_by(Answer.attempt_id, Item.section_position, Item.position)
    ):
        answers_of.setdefault(attempt_id, []).append((item, value, saved))
    gaps_of: dict[int, list] = {}
    for gap in db.session.scalars(
        select(AutosaveGap).where(AutosaveGap.attempt_id.in_(attempt_ids)).order_by(AutosaveGap.started_dt)
    ):
        gaps_of.setdefault(gap.attempt_id, []).append(gap)
    rows = []
    for attempt in _attempts(user):
        answers = answers_of.get(attempt.id, [])
        rows.append(
            {
                "test": attempt.test.slug,
                "version": attempt.test.version,
                "started_utc": _iso(attempt.started_dt),
                "deadline_utc": _iso(attempt.deadline_dt),
                "submitted_utc": _iso(attempt.submitted_dt),
                "submitted_at_deadline": attempt.is_timed_out,
                "time_factor": attempt.time_factor,
                "answers": [{"item": item, "value": value, "saved_utc": _iso(saved)} for item, value, saved in answers],
                "autosave_gaps": [
                    {"from_utc": _iso(gap.started_dt), "to_utc": _iso(gap.ended_dt), "waiting": gap.pending_answers}
                    for gap in gaps_of.get(attempt.id, [])
                ],
            }
        )
    return rows


def erase_attempts(user) -> int:
    """Results lose their link to the attempt (so benchmarks keep their counts); attempts and answers go."""
    attempt_ids = select(Attempt.id).where(Attempt.candidate_id == user.id).scalar_subquery()
    touched = db.session.execute(
        update(Result).where(Result.attempt_id.in_(attempt_ids)).values(attempt_id=None)
    ).rowcount
    touched += db.session.execute(delete(Answer).where(Answer.attempt_id.in_(attempt_ids))).rowcount
    touched += db.session.execute(delete(AutosaveGap).where(AutosaveGap.attempt_id.in_(attempt_ids))).rowcount
    return touched + db.session.execute(delete(Attempt).where(Attempt.candidate_id == user.id)).rowcount


def export_results(user) -> list[dict]:
    rows = db.session.execute(
        select(Attempt.public_id, Test.slug, Result)
        .join(Result, Result.attempt_id == Attempt.id)
        .join(Test, Test.id == Result.test_id)
        .where(Attempt.candidate_id == user.id)
        .order_by(Result.id)
    ).all()
    corrections = _corrections_by_result(user)
    return [
        {
            "attempt": attempt_id,
            "test": slug,
            "scored_utc": _iso(result.created_dt),
            "raw_score": result.raw_score,
            "max_score": result.max_score,
            "percentage": result.percentage,
            "traits": result.trait_scores,
            "corrections": corrections.get(result.id, []),
        }
        for attempt_id, slug, result in rows
    ]


def _corrections_by_result(user) -> dict[int, list[dict]]:
    """The member's score corrections by result, the questions named by their public ids (two queries)."""
    rows = list(
        db.session.scalars(
            select(ScoreCorrection).where(ScoreCorrection.candidate_id == user.id).order_by(ScoreCorrection.id)
        )
    )
    item_ids = {item_id for row in rows for item_id in (row.set_aside or [])}
    item_ids.update(row.key_item_id for row in rows if row.key_item_id is not None)
    public_ids = (
        dict(db.session.execute(select(Item.id, Item.public_id).where(Item.id.in_(item_ids))).all()) if item_ids else {}
    )
    found: dict[int, list[dict]] = {}
    for row in rows:
        found.setdefault(row.result_id, []).append(
            {
                "corrected_utc": _iso(row.corrected_dt),
                "from": {"raw_score": row.old_raw, "max_score": row.old_max, "percentage": row.old_percentage},
                "to": {"raw_score": row.new_raw, "max_score": row.new_max, "percentage": row.new_percentage},
                "items_set_aside": [public_ids.get(item_id) for item_id in row.set_aside or []],
                "key_corrected": (
                    {"item": public_ids.get(row.key_item_id), "key": row.corrected_key}
                    if row.key_item_id is not None
                    else None
                ),
            }
        )
    return found


def erase_contests(user) -> int:
    """The member's contests (privacy requests, erased with the account) and the corrections they brought: the
    corrected score stays in the anonymous result."""
    touched = db.session.execute(delete(ScoreCorrection).where(ScoreCorrection.candidate_id == user.id)).rowcount
    requests = select(PrivacyRequest.id).where(PrivacyRequest.user_id == user.id).scalar_subquery()
    return touched + db.session.execute(delete(ScoreContest).where(ScoreContest.request_id.in_(requests))).rowcount


register(
    PersonalDataEntry(
        key="assessment_attempts",
        category=_l("Your test attempts and the answers you gave"),
        purpose=_l("Running the tests you take, with their time limit, and scoring them"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Nobody else for practice tests"),),
        retention=_l("As long as your account exists"),
        tables=("assessment_attempt", "assessment_answer", "assessment_autosave_gap"),
        erasure=ErasureAction.ANONYMISE,
        erasure_note=_l("Your scores stay in the anonymous benchmarks, with no link to you; your answers are deleted."),
        export=export_attempts,
        erase=erase_attempts,
        count_query=lambda user: select(func.count(Attempt.id)).where(Attempt.candidate_id == user.id),
        order=50,
    )
)

register(
    PersonalDataEntry(
        key="assessment_results",
        category=_l("Your test results: scores, percentages, trait scores and the corrections of contested scores"),
        purpose=_l("Showing and e-mailing you your results, and anonymous benchmarks"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(
            _l("Nobody else for practice tests"),
            _l("The client who assigned the test, for 2 years after the result was made available"),
            _l("Other employers, only if you consent to be found by your results and skills"),
        ),
        retention=_l("As long as your account exists; then kept only anonymously"),
        tables=("assessment_result", "assessment_score_contest", "assessment_score_correction"),
        erasure=ErasureAction.ANONYMISE,
        erasure_note=_l("Anonymous scores stay so that percentiles keep their counts."),
        export=export_results,
        # Unlinking from the attempts (above) is the anonymisation; contests (privacy requests) go with the account,
        # and the corrections with them.
        erase=erase_contests,
        count_query=lambda user: (
            select(func.count(Result.id))
            .join(Attempt, Attempt.id == Result.attempt_id)
            .where(Attempt.candidate_id == user.id)
        ),
        order=51,
    )
)


def export_assignments(user) -> list[dict]:
    rows = db.session.scalars(
        select(Assignment)
        .where(or_(Assignment.client_id == user.id, Assignment.candidate_id == user.id))
        .order_by(Assignment.id)
    )
    return [
        {
            "role": "client" if row.client_id == user.id else "candidate",
            "test": row.test.slug,
            "email": row.email,
            "due_utc": _iso(row.due_dt),
            "status": row.status,
            "created_utc": _iso(row.created_dt),
        }
        for row in rows
    ]


def erase_assignments(user) -> int:
    return db.session.execute(
        delete(Assignment).where(or_(Assignment.candidate_id == user.id, func.lower(Assignment.email) == user.email))
    ).rowcount


register(
    PersonalDataEntry(
        key="assessment_assignments",
        category=_l("Tests a client asked you to take, or that you asked candidates to take"),
        purpose=_l("Letting clients assign tests and follow their status"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("The client who assigned the test"),),
        retention=_l("2 years after the result was made available to the client"),
        tables=("assessment_assignment",),
        export=export_assignments,
        erase=erase_assignments,
        purge=assignments.purge_shared_results,
        extra={"client_shares": assignments.shares_of},
        count_query=lambda user: select(func.count(Assignment.id)).where(
            or_(Assignment.client_id == user.id, Assignment.candidate_id == user.id)
        ),
        order=52,
    )
)


def export_accommodation(user) -> list[dict]:
    setting = db.session.scalar(select(AccommodationSetting).where(AccommodationSetting.user_id == user.id))
    if setting is None:
        return []
    return [{"time_factor": setting.time_factor, "note": setting.note, "updated_utc": _iso(setting.updated_dt)}]


register(
    PersonalDataEntry(
        key="assessment_accommodation",
        category=_l("Your extra time for tests and its private note"),
        purpose=_l("Giving you the extra time you need on every timed test"),
        legal_basis=LegalBasis.CONSENT,
        recipients=(_l("Clients see only that an accommodation applied, never the note"),),
        retention=_l("Until you remove it or close your account"),
        tables=("accommodation_setting",),
        export=export_accommodation,
        erase=lambda user: (
            db.session.execute(delete(AccommodationSetting).where(AccommodationSetting.user_id == user.id)).rowcount
            + db.session.execute(
                update(AccommodationSetting).where(AccommodationSetting.set_by_id == user.id).values(set_by_id=None)
            ).rowcount
        ),
        count_query=lambda user: select(func.count(AccommodationSetting.id)).where(
            AccommodationSetting.user_id == user.id
        ),
        order=53,
    )
)

from app.assessments.feedback import count_feedback_query, erase_feedback, export_feedback  # noqa: E402

register(
    PersonalDataEntry(
        key="assessment_feedback",
        category=_l("Your ratings and comments on tests you took"),
        purpose=_l("Showing test authors aggregated ratings and comments so that they improve their tests"),
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
        recipients=(_l("Test authors, only as averages and anonymous comments, once at least 5 ratings exist"),),
        retention=_l("As long as your account exists; then only the rating is kept, anonymously"),
        tables=("assessment_feedback",),
        erasure=ErasureAction.ANONYMISE,
        erasure_note=_l("Your ratings stay in the anonymous averages, with no link to you; your comments are deleted."),
        export=export_feedback,
        erase=erase_feedback,
        count_query=count_feedback_query,
        # Before the attempts (50): erasing them cuts the link that finds the member's comments.
        order=49,
    )
)

declare_not_personal("assessment_test", "Test content; the author link is a work attribution, erased with SET NULL.")

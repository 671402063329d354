"""Upholding a score contest with a correction: for that attempt only, questions are set aside (they leave the
score and its maximum) or one question's key is corrected. The attempt is scored again by the same scoring code,
the score before and after is kept for the note, and the candidate and the assigning client are told.

The admin's handling page of privacy requests offers the form (app/privacy/requests.py `on_upholding`).
Services flush, never commit; the admin's view commits once.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.assessments import scoring
from app.assessments.assignments import visible_since
from app.assessments.forms import ContestCorrectionForm
from app.assessments.models import (
    Assignment,
    Attempt,
    Item,
    ItemKind,
    Result,
    ScoreContest,
    ScoreCorrection,
    Test,
    localised,
)
from app.assessments.services import AssessmentError, email_language, saved_answers
from app.core.i18n import current_language
from app.core.mail import absolute_url, queue_member_email
from app.extensions import db
from app.privacy.disclosure import Recipient, may_disclose
from app.privacy.models import RequestStatus
from app.privacy.requests import handle_request
from app.privacy.services import PrivacyError

#: How much of a question's prompt the admin's form shows.
PROMPT_LENGTH = 90


@dataclass(frozen=True)
class ContestCase:
    """A score contest with the result and the attempt it is about."""

    contest: ScoreContest
    result: Result
    attempt: Attempt


def _scores_points(item) -> bool:
    return scoring.ITEM_TYPES[item.type].max_points(item) > 0


def contest_case(request) -> ContestCase | None:
    """The contest behind a privacy request; None once its result is anonymous (the member was erased), or for a
    test that scores no points (personality): there is nothing to correct then."""
    contest = db.session.scalar(select(ScoreContest).where(ScoreContest.request_id == request.id))
    attempt = contest.result.attempt if contest is not None else None
    if attempt is None or not any(_scores_points(item) for item in attempt.test.items):
        return None
    return ContestCase(contest=contest, result=contest.result, attempt=attempt)


def corrections_of(result: Result) -> list[ScoreCorrection]:
    query = select(ScoreCorrection).where(ScoreCorrection.result_id == result.id).order_by(ScoreCorrection.id)
    return list(db.session.scalars(query))


def _in_force(corrections) -> tuple[set[int], dict[int, list]]:
    """The items set aside and the corrected keys of a result, its corrections taken in order."""
    set_aside: set[int] = set()
    keys: dict[int, list] = {}
    for correction in corrections:
        set_aside.update(correction.set_aside or [])
        if correction.key_item_id is not None:
            keys[correction.key_item_id] = list(correction.corrected_key or [])
    return set_aside, keys


# --- the admin's form --------------------------------------------------------------------------------


def _question_label(number: int, item: Item, lang: str) -> str:
    prompt = " ".join(localised(item.prompt, lang).split())
    if len(prompt) > PROMPT_LENGTH:
        prompt = prompt[: PROMPT_LENGTH - 1].rstrip() + "…"
    return _("Question %(number)s: %(prompt)s", number=number, prompt=prompt)


def correction_form(case: ContestCase, lang: str) -> ContestCorrectionForm:
    """The form with the attempt's questions that still count: each with how its answer was scored, and the
    options of single-choice questions, the one that counts as right now marked."""
    set_aside, keys = _in_force(corrections_of(case.result))
    answers = saved_answers(case.attempt)
    scored = {item.id: item for item in scoring.corrected_items(case.attempt.test.items, set_aside, keys)}
    outcomes = {"none": _("no answer"), "right": _("counted right"), "wrong": _("counted wrong")}
    form = ContestCorrectionForm()
    form.set_aside.choices = []
    groups: dict[str | None, list] = {None: [("", _("No key to correct"))]}
    for number, item in enumerate(case.attempt.test.items, start=1):
        current = scored.get(item.id)
        if current is None or not _scores_points(item):
            continue
        label = _question_label(number, item, lang)
        answer = answers.get(item.id)
        outcome = "none" if answer is None else "right" if scoring.score(current, answer) > 0 else "wrong"
        form.set_aside.choices.append(
            (item.public_id, _("%(question)s (%(outcome)s)", question=label, outcome=outcomes[outcome]))
        )
        if item.type == ItemKind.SINGLE:
            key = list(current.key or [])
            groups[label] = [
                (f"{item.public_id}:{index}", _option_label(localised(option, lang), [index] == key))
                for index, option in enumerate(item.options or [])
            ]
    form.corrected_key.choices = groups
    return form


def _option_label(text: str, is_key: bool) -> str:
    return _("%(option)s (counts as right now)", option=text) if is_key else text


def chosen_changes(case: ContestCase, form: ContestCorrectionForm) -> tuple[list[Item], Item | None, int | None]:
    """The items to set aside, the item whose key is corrected and its right option, from a validated form."""
    items = {item.public_id: item for item in case.attempt.test.items}
    set_aside = [items[value] for value in form.set_aside.data or []]
    if not form.corrected_key.data:
        return set_aside, None, None
    public_id, _sep, index = form.corrected_key.data.partition(":")
    return set_aside, items[public_id], int(index)


# --- correcting --------------------------------------------------------------------------------------


def correct_score(
    case: ContestCase, *, set_aside=(), key_item: Item | None = None, key_option: int | None = None
) -> ScoreCorrection:
    """Set `set_aside` aside and make option `key_option` the right one of `key_item`, for this attempt only;
    score the attempt again and keep the score before and after. Raises AssessmentError on a change that does
    not apply to this attempt."""
    if not set_aside and key_item is None:
        raise AssessmentError(_l("Choose a question to set aside, or the option that counts as right for a question."))
    prior_aside, keys = _in_force(corrections_of(case.result))
    items = case.attempt.test.items
    counting = {item.id for item in scoring.corrected_items(items, prior_aside) if _scores_points(item)}
    aside = {item.id for item in set_aside}
    if not aside <= counting:
        raise AssessmentError(_l("This question is not part of the test of this attempt."), field="set_aside")
    if key_item is not None:
        _check_key(key_item, key_option, counting, aside, keys)
        keys = {**keys, key_item.id: [key_option]}
    if not counting - aside:
        raise AssessmentError(_l("At least one question must still count."), field="set_aside")
    result = case.result
    scored = scoring.corrected_items(items, prior_aside | aside, keys)
    summary = scoring.score_attempt(scored, saved_answers(case.attempt))
    correction = ScoreCorrection(
        result_id=result.id,
        candidate_id=case.attempt.candidate_id,
        contest_id=case.contest.id,
        set_aside=sorted(aside),
        key_item_id=key_item.id if key_item is not None else None,
        corrected_key=[key_option] if key_item is not None else None,
        old_raw=result.raw_score,
        old_max=result.max_score,
        old_percentage=result.percentage,
        new_raw=summary.raw,
        new_max=summary.maximum,
        new_percentage=summary.percentage,
    )
    result.raw_score, result.max_score, result.percentage = summary.raw, summary.maximum, summary.percentage
    db.session.add(correction)
    db.session.flush()
    return correction


def _check_key(item: Item, option, counting: set[int], aside: set[int], keys: dict) -> None:
    if item.id not in counting or item.type != ItemKind.SINGLE:
        raise AssessmentError(_l("This question is not part of the test of this attempt."), field="corrected_key")
    if item.id in aside:
        raise AssessmentError(_l("A question set aside cannot also have its key corrected."), field="corrected_key")
    if not isinstance(option, int) or not 0 <= option < len(item.options or []):
        raise AssessmentError(_l("Choose one of the options listed."), field="corrected_key")
    if list(keys.get(item.id, item.key) or []) == [option]:
        raise AssessmentError(_l("This option already counts as right."), field="corrected_key")


def uphold_contest(request, form: ContestCorrectionForm, handler) -> None:
    """Correct the score as the form says, answer the contest, and tell the candidate and the client (the
    correction e-mail carries the answer: the request's own update e-mail is not sent too)."""
    case = contest_case(request)
    if case is None:
        raise PrivacyError(_l("This result can no longer be corrected."))
    set_aside, key_item, key_option = chosen_changes(case, form)
    try:
        correction = correct_score(case, set_aside=set_aside, key_item=key_item, key_option=key_option)
    except AssessmentError as error:
        raise PrivacyError(error.message, error.field) from error
    handle_request(request, status=RequestStatus.DONE, outcome=form.answer.data, handler=handler, notify=False)
    notify_correction(case, correction, request.outcome)


def contest_form(request) -> ContestCorrectionForm | None:
    """The correction form of a contest's handling page, in the admin's language; None when nothing applies."""
    case = contest_case(request)
    return correction_form(case, current_language()) if case is not None else None


# --- notes and e-mails -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CorrectionNote:
    """What a correction note says: the score before and after, when, and which questions (by number)."""

    old_raw: float
    old_max: float
    new_raw: float
    new_max: float
    corrected_dt: datetime
    set_aside: tuple[int, ...]
    key_corrected: int | None


def _note(correction: ScoreCorrection, numbers: dict[int, int]) -> CorrectionNote:
    return CorrectionNote(
        old_raw=correction.old_raw,
        old_max=correction.old_max,
        new_raw=correction.new_raw,
        new_max=correction.new_max,
        corrected_dt=correction.corrected_dt,
        set_aside=tuple(sorted(numbers[item_id] for item_id in correction.set_aside or [] if item_id in numbers)),
        key_corrected=numbers.get(correction.key_item_id),
    )


def _numbers(test: Test) -> dict[int, int]:
    """{item id: question number} in the order the test shows its questions."""
    return {item.id: number for number, item in enumerate(test.items, start=1)}


def notes_of(result: Result) -> list[CorrectionNote]:
    """The result's corrections, oldest first, for the candidate's and the client's pages."""
    corrections = corrections_of(result)
    if not corrections:
        return []
    numbers = _numbers(result.test)
    return [_note(correction, numbers) for correction in corrections]


def local_date(moment: datetime, user, lang: str) -> str:
    """A UTC moment's date as `user` reads it: in their time zone and language (an e-mail has no request's)."""
    try:
        zone = ZoneInfo(user.timezone or "Europe/Paris")
    except (ValueError, KeyError):
        zone = ZoneInfo("Europe/Paris")
    return format_date(moment.replace(tzinfo=UTC).astimezone(zone).date(), "long", locale=lang)


def _client_to_tell(attempt: Attempt):
    """The assigning client and the assignment, while the result is still shared with it; else None."""
    assignment = db.session.get(Assignment, attempt.assignment_id) if attempt.assignment_id else None
    if assignment is None or assignment.result_shared_dt is None or assignment.result_shared_dt < visible_since():
        return None
    if not may_disclose(attempt.candidate, Recipient.CLIENT) or not assignment.client.email:
        return None
    return assignment


def notify_correction(case: ContestCase, correction: ScoreCorrection, answer: str) -> None:
    """E-mail the candidate (with the admin's answer) and the assigning client, each in their own language."""
    attempt = case.attempt
    note = _note(correction, _numbers(attempt.test))
    candidate = attempt.candidate
    lang = email_language(candidate)
    queue_member_email(
        candidate,
        "assessments/email/score_corrected",
        _l("Your test score is corrected"),
        locale=lang,
        test_title=localised(attempt.test.title, lang),
        note=note,
        date=local_date(correction.corrected_dt, candidate, lang),
        answer=answer,
        link=absolute_url("assessments.result", lang_code=lang, public_id=attempt.public_id),
    )
    assignment = _client_to_tell(attempt)
    if assignment is None:
        return
    client = assignment.client
    lang = email_language(client)
    queue_member_email(
        client,
        "assessments/email/score_corrected_client",
        _l("A test score was corrected"),
        locale=lang,
        candidate_name=candidate.full_name,
        test_title=localised(attempt.test.title, lang),
        note=note,
        date=local_date(correction.corrected_dt, client, lang),
        link=absolute_url("assessments.client_assignment", lang_code=lang, public_id=assignment.public_id),
    )

"""Taking tests: published tests, starting an attempt with a server deadline, saving answers, submitting once,
scoring and the result e-mail. Services flush, never commit; views commit once."""

import math
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload

from app.assessments import scoring
from app.assessments.models import (
    AccommodationSetting,
    Answer,
    Attempt,
    AutosaveGap,
    Item,
    Result,
    Test,
    TestKind,
    localised,
)
from app.core import prebuilt
from app.core.errors import DomainError
from app.core.mail import absolute_url, queue_member_email
from app.core.pooled_read import PooledSelect
from app.core.timeutil import utcnow
from app.extensions import db
from app.privacy.disclosure import Recipient, disclosed_to
from app.sponsors import services as sponsor_services

#: Items shown per page while taking a test.
PAGE_SIZE = 5


class AssessmentError(DomainError):
    """A refusal about a test, an attempt or an assignment."""


TIME_IS_UP = _l("The time for this test is over: your answers saved before the deadline were submitted.")


# --- tests --------------------------------------------------------------------------------------------


def published_tests() -> list[Test]:
    """The latest published version of each test, by kind then title."""
    latest = (
        select(Test.slug, func.max(Test.version).label("version"))
        .where(Test.published_dt.is_not(None))
        .group_by(Test.slug)
        .subquery()
    )
    rows = db.session.scalars(
        select(Test).join(latest, (Test.slug == latest.c.slug) & (Test.version == latest.c.version))
    ).all()
    return sorted(rows, key=lambda test: (test.kind, test.slug))


def find_published_test(public_id: str) -> Test | None:
    return db.session.scalar(select(Test).where(Test.public_id == public_id, Test.published_dt.is_not(None)))


def localised_title(test: Test, lang: str) -> str:
    return localised(test.title, lang)


@dataclass(frozen=True, eq=False)
class PageItem:
    """An item as a test page shows it. A published version never changes, so a process reads its items once."""

    id: int
    public_id: str
    type: str
    prompt: dict
    options: list | None


#: (public id, version) of a published test: its pages of items, read once per process.
_published_pages: dict[tuple[str, int], tuple[tuple[PageItem, ...], ...]] = {}


def test_pages(test: Test) -> tuple[tuple[PageItem, ...], ...]:
    """The test's items cut into pages; kept for a published test (the public id keeps databases apart)."""
    key = (test.public_id, test.version)
    pages = _published_pages.get(key)
    if pages is None:
        items = [PageItem(item.id, item.public_id, item.type, item.prompt, item.options) for item in test.items]
        pages = tuple(tuple(items[start : start + PAGE_SIZE]) for start in range(0, len(items), PAGE_SIZE))
        if test.is_published:
            _published_pages[key] = pages
    return pages


def page_count(test: Test) -> int:
    return max(1, len(test_pages(test)))


def page_items(test: Test, page: int) -> tuple[PageItem, ...]:
    pages = test_pages(test)
    return pages[page] if 0 <= page < len(pages) else ()


# --- accommodation ------------------------------------------------------------------------------------


def accommodation_of(user) -> AccommodationSetting | None:
    return db.session.scalar(select(AccommodationSetting).where(AccommodationSetting.user_id == user.id))


def time_factor_of(user) -> float:
    setting = accommodation_of(user)
    return setting.time_factor if setting else 1.0


def set_accommodation(user, time_factor: float, note: str = "", actor=None) -> AccommodationSetting:
    """Declare (or change) the member's extra time; it applies to tests started from now on."""
    if not 1.0 <= time_factor <= 3.0:
        raise AssessmentError(_l("The time factor must be between 1 and 3."), field="time_factor")
    setting = db.session.scalar(select(AccommodationSetting).where(AccommodationSetting.user_id == user.id))
    if setting is None:
        setting = AccommodationSetting(user_id=user.id)
        db.session.add(setting)
    setting.time_factor = time_factor
    setting.note = note
    setting.set_by_id = getattr(actor or user, "id", None)
    db.session.flush()
    return setting


# --- attempts -----------------------------------------------------------------------------------------


def open_practice_attempt(user, test: Test) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(
            Attempt.candidate_id == user.id,
            Attempt.test_id == test.id,
            Attempt.assignment_id.is_(None),
            Attempt.submitted_dt.is_(None),
        )
    )


def new_attempt(user, test: Test, assignment_id: int | None = None) -> Attempt:
    """An attempt starting now; its deadline (the limit times the member's extra time) is fixed here, once."""
    factor = time_factor_of(user)
    started = utcnow()
    attempt = Attempt(
        candidate_id=user.id,
        test_id=test.id,
        assignment_id=assignment_id,
        started_dt=started,
        deadline_dt=started + timedelta(minutes=test.time_limit_minutes * factor),
        time_factor=factor,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def start_practice(user, test: Test) -> tuple[Attempt, bool]:
    """The candidate's open practice attempt at `test`, or a new one with its deadline fixed now.

    Returns (attempt, created). A new attempt charges one practice test to the member's sponsor, if any.
    """
    if not test.is_published:
        raise AssessmentError(_l("This test is not available."))
    attempt = open_practice_attempt(user, test)
    if attempt is not None and not close_if_due(attempt):
        return attempt, False
    attempt = new_attempt(user, test)
    sponsor_services.charge_sponsor(user, "practice_test")
    return attempt, True


# Built once with bound parameters: the autosave reads these on every answer (app.core.prebuilt says why).
_OWN_ATTEMPT = select(Attempt).where(
    Attempt.public_id == bindparam("public_id"), Attempt.candidate_id == bindparam("member_id")
)
_ANSWER_TO = select(Answer).where(Answer.attempt_id == bindparam("attempt_id"), Answer.item_id == bindparam("item_id"))


#: The test page reads the attempt's test too: in the same statement rather than by a second one.
_OWN_ATTEMPT_WITH_TEST = _OWN_ATTEMPT.options(joinedload(Attempt.test))


def find_own_attempt(user, public_id: str, *, with_test: bool = False) -> Attempt | None:
    statement = _OWN_ATTEMPT_WITH_TEST if with_test else _OWN_ATTEMPT
    return db.session.scalar(statement, {"public_id": public_id, "member_id": user.id})


def _answer_to(attempt: Attempt, item: Item) -> Answer | None:
    return db.session.scalar(_ANSWER_TO, {"attempt_id": attempt.id, "item_id": item.id})


def attempts_of(user) -> list[Attempt]:
    return list(
        db.session.scalars(
            select(Attempt)
            .where(Attempt.candidate_id == user.id)
            .order_by(Attempt.started_dt.desc(), Attempt.id.desc())
        )
    )


_SAVED_ANSWERS = select(Answer.item_id, Answer.value).where(Answer.attempt_id == bindparam("attempt_id"))


def saved_answers(attempt: Attempt) -> dict[int, object]:
    """{item id: value} as saved on the server (read on every view of a test page)."""
    return dict(prebuilt.rows(_SAVED_ANSWERS, attempt_id=attempt.id))


def close_if_due(attempt: Attempt) -> bool:
    """Submit, with what was saved, an attempt whose deadline has passed. True when it is (now) closed."""
    if attempt.submitted_dt is not None:
        return True
    if utcnow() < attempt.deadline_dt:
        return False
    submit(attempt, timed_out=True)
    return True


#: The autosave's first read: the member's attempt and one item of its test, as ids, on a pooled connection's
#: cursor (app.core.pooled_read: a fifth of the cost of a Connection's execute), outside the request's transaction.
_OWN_ATTEMPT_ITEM = PooledSelect(
    select(Attempt.id, Item.id)
    .join(Item, (Item.test_id == Attempt.test_id) & (Item.public_id == bindparam("item")))
    .where(Attempt.public_id == bindparam("public_id"), Attempt.candidate_id == bindparam("member_id"))
)
#: Both read again as objects, the attempt locked (FOR UPDATE OF the attempt only: the item is not written).
_HELD_ATTEMPT_ITEM = (
    select(Attempt, Item)
    .join(Item, Item.test_id == Attempt.test_id)
    .where(Attempt.id == bindparam("attempt_id"), Item.id == bindparam("item_id"))
    .with_for_update(of=Attempt)
    .execution_options(populate_existing=True)
)


def find_own_item(user, attempt_public_id: str, item_public_id: str) -> tuple[int, int] | None:
    """(attempt id, item id) when the attempt is the member's and the item is one of its test's, else None.
    Read without any lock, so that a request for somebody else's attempt is refused before anything is held."""
    parameters = {"public_id": attempt_public_id, "member_id": user.id, "item": item_public_id}
    found = _OWN_ATTEMPT_ITEM.rows(db.engine, parameters)
    return tuple(found[0]) if found else None


def hold_attempt(attempt: Attempt) -> None:
    """Lock the attempt until the commit (SELECT ... FOR UPDATE; on SQLite the write lock, core.sqlite_writers)
    and read it again: a submission committed in the meantime is then seen by the checks that follow.

    Every request that writes answers holds their attempt first, before any answer: two requests that took
    the same locks in the other order (a page submit's answers, then its attempt; an autosave's attempt, then
    its answer) would wait on each other, and PostgreSQL would end one of them as a deadlock."""
    # OF the attempt: the test page loads its test by an outer join, whose side PostgreSQL cannot lock.
    db.session.refresh(attempt, with_for_update={"of": Attempt})


def hold_attempt_and_item(attempt_id: int, item_id: int) -> tuple[Attempt, Item]:
    """`hold_attempt` for the autosave: the attempt, locked and read, with the item, in one statement."""
    attempt, item = db.session.execute(_HELD_ATTEMPT_ITEM, {"attempt_id": attempt_id, "item_id": item_id}).one()
    return attempt, item


def _check_open(attempt: Attempt) -> None:
    if close_if_due(attempt):
        if attempt.is_timed_out:
            raise AssessmentError(TIME_IS_UP)
        raise AssessmentError(_l("This test is already submitted: answers can no longer change."))


def save_answer(attempt: Attempt, item: Item, raw, seconds: float | None = None) -> None:
    """Save (or replace) one answer, refused after the deadline or the submission. An empty `raw` clears it.

    `seconds` (see `answer_seconds`) is kept from the first answer to the item only: a page submit saves again every
    answer of the page, unchanged ones included, and a page shown again (previous page, reload, second tab)
    restarts its clock, so a later time would measure the second look rather than the work on the item.
    """
    _check_open(attempt)
    if item.test_id != attempt.test_id:
        raise AssessmentError(_l("This question is not part of the test."))
    if raw in (None, "", []):
        existing = _answer_to(attempt, item)
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        return
    value = scoring.clean(item, raw)
    if value is None:
        raise AssessmentError(_l("This answer is not valid for the question."), field=item.public_id)
    # One statement, whether the item had an answer or not, and whatever another tab saved at the same moment.
    _SAVE_ANSWER.run(attempt_id=attempt.id, item_id=item.id, value=value, saved_dt=utcnow(), seconds=seconds)


_SAVE_ANSWER = prebuilt.Upsert(
    Answer,
    ("attempt_id", "item_id"),
    lambda answer, new: {
        "value": new.value,
        "saved_dt": new.saved_dt,
        "seconds": func.coalesce(answer.seconds, new.seconds),
    },
)


def save_page(attempt: Attempt, values: dict[int, object], page: int, seconds: float | None = None) -> None:
    """Save the answers of one page ({item id: raw}) and remember the page the candidate goes to next."""
    _check_open(attempt)
    items = {item.id: item for item in attempt.test.items}
    for item_id, raw in values.items():
        save_answer(attempt, items[item_id], raw, seconds=seconds)
    attempt.page = max(0, min(page, page_count(attempt.test) - 1))
    db.session.flush()


# --- answer times and autosave gaps -------------------------------------------------------------------

#: A browser clock further off than this is not corrected: its report is only clamped.
MAX_CLOCK_SKEW = timedelta(days=1)


def parse_client_time(value) -> datetime | None:
    """An ISO 8601 time (as JavaScript's toISOString writes it) as a naive UTC datetime; None for anything else."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo is not None else moment


def answer_seconds(attempt: Attempt, elapsed) -> float | None:
    """Seconds from a page being shown to an answer, clamped into [0, the time the attempt has run so far]
    (so never more than the time limit × the time factor); None when `elapsed` is not a number."""
    if not isinstance(elapsed, (int, float)) or isinstance(elapsed, bool) or not math.isfinite(elapsed):
        return None
    ran = max(0.0, (min(utcnow(), attempt.deadline_dt) - attempt.started_dt).total_seconds())
    return round(min(max(float(elapsed), 0.0), ran), 1)


def shown_at_value() -> str:
    """The server time a test page is shown, for its hidden field (a submit without JavaScript measures from it)."""
    return utcnow().isoformat(timespec="milliseconds")


def seconds_since_shown(attempt: Attempt, shown_at) -> float | None:
    """The answering time of a page submitted without JavaScript: from its hidden shown-at time to now."""
    shown = parse_client_time(shown_at)
    return None if shown is None else answer_seconds(attempt, (utcnow() - shown).total_seconds())


def record_gap(attempt: Attempt, report, sent=None) -> AutosaveGap | None:
    """Record a stretch during which the page could not save, as it reports it once saving works again:
    {"started": ISO time of the first failure, "ended": ISO time, "pending": how many answers waited}.

    The times come from the browser's clock: they are shifted by its offset from ours (`sent` is the browser's
    time of sending), clamped into [attempt start, now], and a report that makes no sense is ignored. A report
    sent again (lost response, retry) extends the gap it overlaps rather than adding a second one. A gap that
    began once the attempt was over made no difference to it and is ignored.
    """
    if not isinstance(report, dict):
        return None
    started, ended = parse_client_time(report.get("started")), parse_client_time(report.get("ended"))
    if started is None or ended is None or ended < started:
        return None
    now = utcnow()
    sent_at = parse_client_time(sent)
    if sent_at is not None and abs(now - sent_at) <= MAX_CLOCK_SKEW:
        started, ended = started + (now - sent_at), ended + (now - sent_at)
    started, ended = max(started, attempt.started_dt), min(ended, now)
    if ended < started or started >= (attempt.submitted_dt or attempt.deadline_dt):
        return None  # wholly before the attempt, in the future, or after its end
    pending = _pending_count(attempt, report.get("pending"))
    gap = db.session.scalar(
        select(AutosaveGap)
        .where(AutosaveGap.attempt_id == attempt.id, AutosaveGap.started_dt <= ended, AutosaveGap.ended_dt >= started)
        .limit(1)
    )
    if gap is None:
        gap = AutosaveGap(attempt_id=attempt.id, started_dt=started, ended_dt=ended, pending_answers=pending)
        db.session.add(gap)
    else:
        gap.started_dt, gap.ended_dt = min(gap.started_dt, started), max(gap.ended_dt, ended)
        gap.pending_answers = max(gap.pending_answers, pending)
    db.session.flush()
    return gap


def _pending_count(attempt: Attempt, value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        return 0
    return max(0, min(value, len(attempt.test.items)))


def submit(attempt: Attempt, *, timed_out: bool = False) -> Result | None:
    """Close the attempt and score it. A second submission (double click, second tab) changes nothing.

    Returns the Result when this call submitted the attempt, None when it was already submitted.
    """
    now = utcnow()
    closed = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.submitted_dt.is_(None))
        .values(submitted_dt=min(now, attempt.deadline_dt), is_timed_out=timed_out)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    if not closed:
        return None
    summary = scoring.score_attempt(attempt.test.items, saved_answers(attempt))
    result = Result(
        attempt_id=attempt.id,
        test_id=attempt.test_id,
        raw_score=summary.raw,
        max_score=summary.maximum,
        percentage=summary.percentage,
        trait_scores=summary.traits,
    )
    db.session.add(result)
    db.session.flush()
    _queue_result_email(attempt, result)
    if attempt.assignment_id is not None:
        from app.assessments.assignments import share_with_client  # assignments imports this module

        share_with_client(attempt)
    return result


def result_of(attempt: Attempt) -> Result | None:
    return db.session.scalar(select(Result).where(Result.attempt_id == attempt.id))


def trait_level_description(test: Test, trait: str, mean: float, lang: str) -> str:
    """The test's plain-language description of the level `mean` reaches on `trait`, in `lang` ("" if it has none)."""
    levels = (test.traits.get(trait) or {}).get("levels") or {}
    return localised(levels.get(scoring.trait_level(mean)), lang)


def in_statistics_attempts():
    """A filter on Attempt: attempts of members who neither object to statistics nor restricted processing.

    Percentiles, benchmarks and item statistics are aggregates; the policy lets a member object to them.
    """
    return disclosed_to(Recipient.STATISTICS, Attempt.candidate_id)


def in_statistics_results():
    """A filter on Result: anonymous results (erased members), and results of members who allow statistics."""
    allowed = select(Attempt.id).where(Attempt.id == Result.attempt_id, in_statistics_attempts())
    return or_(Result.attempt_id.is_(None), allowed.exists())


@dataclass
class ResultView:
    result: Result
    percentile: float | None
    trait_percentiles: dict[str, float | None]
    answered: int
    total: int
    #: The norm group's scores (other results of this test version), for the chart: empty below MIN_NORM_GROUP.
    norm_scores: list[float] = field(default_factory=list)
    #: Per trait, the norm group's lower quartile, median and upper quartile; absent below MIN_NORM_GROUP.
    trait_norms: dict[str, tuple[float, float, float]] = field(default_factory=dict)


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    """Lower quartile, median and upper quartile (the middle half of a group lies between the first and last)."""
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def describe_result(attempt: Attempt, result: Result) -> ResultView:
    """The result with its percentiles against the other results of the same test version."""
    others = select(Result).where(Result.test_id == result.test_id, Result.id != result.id, in_statistics_results())
    percentile = None
    trait_percentiles: dict[str, float | None] = {}
    trait_norms: dict[str, tuple[float, float, float]] = {}
    norm_scores: list[float] = []
    if attempt.test.kind == TestKind.PERSONALITY:
        prior = [row.trait_scores for row in db.session.scalars(others)]
        for trait, value in result.trait_scores.items():
            group = [p[trait] for p in prior if trait in p]
            trait_percentiles[trait] = scoring.percentile(value, group)
            if len(group) >= scoring.MIN_NORM_GROUP:
                trait_norms[trait] = _quartiles(group)
    else:
        prior = db.session.execute(
            select(Result.raw_score, Result.max_score).where(
                Result.test_id == result.test_id, Result.id != result.id, in_statistics_results()
            )
        ).all()
        # Compared as shares of each result's maximum: a correction may set questions aside for one attempt.
        percentile = scoring.percentile(
            scoring.share(result.raw_score, result.max_score),
            [scoring.share(raw, maximum) for raw, maximum in prior],
        )
        if len(prior) >= scoring.MIN_NORM_GROUP:
            norm_scores = [
                raw if maximum == result.max_score else scoring.share(raw, maximum) * result.max_score
                for raw, maximum in prior
            ]
    return ResultView(
        result=result,
        percentile=percentile,
        trait_percentiles=trait_percentiles,
        answered=len(saved_answers(attempt)),
        total=len(attempt.test.items),
        norm_scores=norm_scores,
        trait_norms=trait_norms,
    )


def email_language(member) -> str:
    """The language of an e-mail about tests: the member's when tests are written in it, else French."""
    return member.locale if member.locale in ("fr", "en") else "fr"


def _queue_result_email(attempt: Attempt, result: Result) -> None:
    user = attempt.candidate
    lang = email_language(user)
    queue_member_email(
        user,
        "assessments/email/result",
        _l("Your test result"),
        locale=lang,
        test_title=attempt.test.title.get(lang) or "",
        result=result,
        trait_names={trait: (attempt.test.traits.get(trait) or {}).get(lang, trait) for trait in result.trait_scores},
        trait_descriptions={
            trait: trait_level_description(attempt.test, trait, value, lang)
            for trait, value in result.trait_scores.items()
        },
        link=absolute_url("assessments.result", lang_code=lang, public_id=attempt.public_id),
    )

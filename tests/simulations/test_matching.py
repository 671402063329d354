"""Matching as a pure function, on a data set of 200+ interviewers whose best answers are known."""

import random
from datetime import UTC, datetime, time, timedelta

import pytest

from app.simulations import matching
from app.simulations.matching import InterviewerSpec, RequestSpec, Slot, Window

# Tuesday 2026-12-01, 18:00–21:00 in Paris (UTC+1): 17:00–20:00 UTC.
TUESDAY_EVENING = Window(datetime(2026, 12, 1, 17, tzinfo=UTC), datetime(2026, 12, 1, 20, tzinfo=UTC))
THURSDAY_MORNING = Window(datetime(2026, 12, 3, 8, tzinfo=UTC), datetime(2026, 12, 3, 10, tzinfo=UTC))
REQUEST = RequestSpec(
    candidate_id=1,
    mode="video",
    interview_type="case",
    sector="consulting",
    company_type="consulting_firm",
    language="fr",
    windows=(TUESDAY_EVENING, THURSDAY_MORNING),
)
EVENINGS = (Slot(1, time(18), time(22)),)  # Tuesday evenings, Paris time


def interviewer(user_id, **changes) -> InterviewerSpec:
    values = {
        "user_id": user_id,
        "is_accepting": True,
        "languages": frozenset({"fr", "en"}),
        "modes": frozenset({"video", "phone"}),
        "interview_types": frozenset({"case"}),
        "sectors": frozenset({"consulting"}),
        "company_types": frozenset({"consulting_firm"}),
        "timezone": "Europe/Paris",
        "slots": EVENINGS,
        "weekly_capacity": 4,
        "load": 0,
    }
    values.update(changes)
    return InterviewerSpec(**values)


def noise(count: int, seed: int = 7) -> list[InterviewerSpec]:
    """Interviewers that each miss something the request needs (a weaker fit or a hard rule)."""
    rng = random.Random(seed)
    people = []
    for index in range(count):
        flaw = index % 6
        changes = {
            0: {"interview_types": frozenset({rng.choice(["technical", "group", "behavioural"])})},
            1: {"sectors": frozenset({"energy"}), "company_types": frozenset({"startup"})},
            2: {"slots": (Slot(4, time(9), time(11)),)},  # Fridays only
            3: {"languages": frozenset({"en"})},  # cannot run it in French
            4: {"modes": frozenset({"in_person"}), "city": "Lyon"},
            5: {"load": 3},  # nearly full this week
        }[flaw]
        people.append(interviewer(1000 + index, **changes))
    rng.shuffle(people)
    return people


def test_the_perfect_fit_wins_among_200():
    perfect = interviewer(42, experience={("case", "consulting_firm"): 12})
    people = [*noise(200), perfect]
    ranked = matching.best(REQUEST, people)
    assert ranked[0].user_id == 42
    assert {reason.code for reason in ranked[0].reasons} >= {"type", "sector", "company_type", "free"}


def test_hard_rules_exclude_whatever_the_score():
    excluded = [
        interviewer(1),  # the candidate themself
        interviewer(2, is_restricted=True),
        interviewer(3, is_accepting=False),
        interviewer(4, languages=frozenset({"en"})),
        interviewer(5, modes=frozenset({"phone"})),
        interviewer(6, load=4),  # full week
    ]
    assert matching.rank(REQUEST, excluded) == []


def test_face_to_face_needs_the_same_city():
    request = RequestSpec(**{**REQUEST.__dict__, "mode": "in_person", "city": "Saint-Étienne"})
    people = [
        interviewer(10, modes=frozenset({"in_person"}), city="saint etienne"),
        interviewer(11, modes=frozenset({"in_person"}), city="Lyon"),
    ]
    assert [match.user_id for match in matching.rank(request, people)] == [10]


def test_load_spreads_requests_between_equal_interviewers():
    people = [interviewer(20, load=2), interviewer(21, load=0), interviewer(22, load=1)]
    assert [match.user_id for match in matching.rank(REQUEST, people)] == [21, 22, 20]


def test_availability_is_read_in_the_interviewers_time_zone():
    # 18:00–22:00 in New York on Tuesday is 23:00–03:00 UTC: it misses the Paris evening window.
    new_yorker = interviewer(30, timezone="America/New_York")
    parisian = interviewer(31)
    assert matching.free_windows(parisian, REQUEST.windows) == (TUESDAY_EVENING,)
    assert matching.free_windows(new_yorker, REQUEST.windows) == ()
    assert [match.user_id for match in matching.rank(REQUEST, [new_yorker, parisian])] == [31, 30]


def test_experience_breaks_ties_and_is_explained():
    seasoned = interviewer(40, experience={("case", "consulting_firm"): 12})
    newcomer = interviewer(41)
    ranked = matching.rank(REQUEST, [newcomer, seasoned])
    assert [match.user_id for match in ranked] == [40, 41]
    type_reason = next(reason for reason in ranked[0].reasons if reason.code == "type")
    assert type_reason.values["count"] == 12


def test_no_good_fit_gives_suggestions_instead_of_a_poor_match():
    request = RequestSpec(**{**REQUEST.__dict__, "mode": "in_person", "city": "Brest"})
    people = [
        interviewer(50),
        interviewer(51, languages=frozenset({"en"}), modes=frozenset({"in_person"}), city="Brest"),
    ]
    assert matching.best(request, people) == []
    suggestions = matching.widening_suggestions(request, people)
    assert "mode_video" in suggestions  # interviewer 50 runs it by video
    assert "other_language" in suggestions  # interviewer 51 meets in Brest, in English
    english = RequestSpec(**{**request.__dict__, "language": "en"})
    assert [match.user_id for match in matching.best(english, people)] == [51]


def test_other_language_is_suggested_when_it_would_help():
    people = [interviewer(60, languages=frozenset({"en"}))]
    assert matching.best(REQUEST, people) == []
    assert "other_language" in matching.widening_suggestions(REQUEST, people)


def test_more_windows_is_suggested_when_nobody_is_free():
    people = [interviewer(70, slots=(Slot(6, time(9), time(10)),))]
    assert "more_windows" in matching.widening_suggestions(REQUEST, people)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ranking_is_deterministic_and_best_few_are_good(seed):
    people = noise(240, seed=seed)
    first = matching.rank(REQUEST, people)
    second = matching.rank(REQUEST, list(reversed(people)))
    assert [m.user_id for m in first] == [m.user_id for m in second]
    assert all(match.is_good for match in matching.best(REQUEST, people))
    assert len(matching.best(REQUEST, people)) <= matching.BEST_FEW


def test_window_must_overlap_an_hour():
    short = interviewer(80, slots=(Slot(1, time(20, 30), time(22)),))  # only 30 minutes of the window
    assert matching.free_windows(short, [TUESDAY_EVENING]) == ()
    assert TUESDAY_EVENING.end - TUESDAY_EVENING.start == timedelta(hours=3)

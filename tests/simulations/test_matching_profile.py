"""Matching that reads the candidate's profile, and the mismatch named when nobody fits (pure, no app)."""

from dataclasses import replace
from datetime import time

import pytest

from app.simulations import matching
from app.simulations.matching import Mismatch, ProfileSpec, Slot
from tests.simulations.test_matching import REQUEST, interviewer

PROFILE = ProfileSpec(
    sectors=("luxury", "consulting"),
    company_types=("large_company",),
    employers=("Société Générale", "Danone"),
    skills=("Python", "R", "SQL"),
    schools=("HEC Paris",),
    fields=("Finance",),
)
WITH_PROFILE = replace(REQUEST, profile=PROFILE)


def reasons_of(match, code):
    return [reason.values for reason in match.reasons if reason.code == code]


def test_a_target_sector_of_the_profile_lifts_an_interviewer_above_one_without_it():
    plain = interviewer(10)
    luxury = interviewer(11, sectors=frozenset({"consulting", "luxury"}))
    assert [match.user_id for match in matching.rank(WITH_PROFILE, [plain, luxury])] == [11, 10]
    # Without the profile they tie, and the lower id comes first.
    assert [match.user_id for match in matching.rank(REQUEST, [plain, luxury])] == [10, 11]
    best = matching.rank(WITH_PROFILE, [plain, luxury])[0]
    assert reasons_of(best, "sector") == [
        {"sector": "consulting", "source": "request"},
        {"sector": "luxury", "source": "profile"},  # consulting is already the request's: counted once
    ]


def test_a_target_kind_of_company_counts_and_says_it_comes_from_the_profile():
    match = matching.score(WITH_PROFILE, interviewer(12, company_types=frozenset({"consulting_firm", "large_company"})))
    assert {"company_type": "large_company", "source": "profile"} in reasons_of(match, "company_type")
    assert match.score == match.fit + matching.WEIGHT_PROFILE_COMPANY_TYPE


def test_with_any_sector_requested_the_profile_sectors_decide():
    request = replace(WITH_PROFILE, sector="")
    energy = interviewer(13, sectors=frozenset({"energy"}))
    luxury = interviewer(14, sectors=frozenset({"luxury"}))
    assert [match.user_id for match in matching.rank(request, [energy, luxury])] == [14, 13]


def test_an_employer_of_the_experience_is_matched_without_case_or_accents():
    now = matching.score(WITH_PROFILE, interviewer(20, current_employer="danone"))
    before = matching.score(WITH_PROFILE, interviewer(21, former_employers=frozenset({"SOCIETE GENERALE", "Axa"})))
    assert reasons_of(now, "employer") == [{"employer": "Danone", "current": True, "source": "experience"}]
    assert reasons_of(before, "employer") == [
        {"employer": "Société Générale", "current": False, "source": "experience"}
    ]
    assert matching.score(WITH_PROFILE, interviewer(22, current_employer="Danone Nutricia")).score == now.fit


@pytest.mark.parametrize(
    ("about", "mention"),
    [
        ("Ancien de HEC Paris, je fais passer des cas.", {"term": "HEC Paris", "source": "school"}),
        ("Data scientist: python et statistiques.", {"term": "Python", "source": "skill"}),
        ("Vingt ans en finance de marché.", {"term": "Finance", "source": "field"}),
        ("Basé à Rennes, j'aime l'audit et c'est tout.", None),  # "R" is one letter: never looked for
        ("Expert PostgreSQL.", None),  # whole words only: "SQL" is not "PostgreSQL"
    ],
)
def test_skills_schools_and_fields_count_when_the_interviewer_mentions_them(about, mention):
    match = matching.score(WITH_PROFILE, interviewer(30, about=matching.plain_text(about)))
    assert reasons_of(match, "mention") == ([mention] if mention else [])
    assert match.score - match.fit == (matching.WEIGHT_PROFILE_MENTION if mention else 0)


def test_the_request_outweighs_everything_the_profile_adds():
    profile_weights = (
        matching.WEIGHT_PROFILE_SECTOR
        + matching.WEIGHT_PROFILE_COMPANY_TYPE
        + matching.WEIGHT_PROFILE_EMPLOYER
        + matching.WEIGHT_PROFILE_MENTION
    )
    assert profile_weights < min(matching.WEIGHT_SECTOR, matching.WEIGHT_COMPANY_TYPE)
    fits_the_request = interviewer(40)
    fits_the_profile = interviewer(
        41,
        sectors=frozenset({"luxury"}),  # not the request's consulting
        company_types=frozenset({"consulting_firm", "large_company"}),
        current_employer="Danone",
        about=matching.plain_text("Python, HEC Paris"),
    )
    ranked = matching.rank(WITH_PROFILE, [fits_the_profile, fits_the_request])
    assert [match.user_id for match in ranked] == [40, 41]
    assert ranked[1].score - ranked[1].fit == profile_weights


def test_the_profile_never_makes_a_poor_fit_good():
    # Not free in the windows and half booked: 40 + 20 + 20 - 13 = 67 points, just under GOOD_FIT.
    poor = interviewer(
        50,
        slots=(Slot(6, time(9), time(10)),),
        load=2,
        sectors=frozenset({"consulting", "luxury"}),
        company_types=frozenset({"consulting_firm", "large_company"}),
        current_employer="Danone",
    )
    match = matching.score(WITH_PROFILE, poor)
    assert match.fit < matching.GOOD_FIT <= match.score  # the profile would lift it over, were it counted
    assert not match.is_good
    assert matching.best(WITH_PROFILE, [poor]) == []


def test_an_empty_profile_changes_nothing():
    people = [interviewer(60), interviewer(61, sectors=frozenset({"luxury"})), interviewer(62, load=2)]
    assert matching.rank(replace(REQUEST, profile=ProfileSpec()), people) == matching.rank(REQUEST, people)
    assert all(match.score == match.fit for match in matching.rank(REQUEST, people))


# --- why nobody fits ---------------------------------------------------------------------------------

IN_BREST = replace(REQUEST, mode="in_person", city="Brest")


@pytest.mark.parametrize(
    ("request_spec", "changes", "code"),
    [
        (REQUEST, {"languages": frozenset({"en"})}, "language"),
        (REQUEST, {"modes": frozenset({"phone"})}, "mode"),
        (IN_BREST, {"modes": frozenset({"in_person"}), "city": "Lyon"}, "city"),
        (REQUEST, {"load": 4}, "full"),
        (REQUEST, {"interview_types": frozenset({"technical"})}, "type"),
        (REQUEST, {"sectors": frozenset({"energy"})}, "sector"),
        (REQUEST, {"company_types": frozenset({"startup"})}, "company_type"),
        (REQUEST, {"slots": (Slot(6, time(9), time(10)),)}, "time"),
    ],
)
def test_each_mismatch_is_named_where_it_stops_everyone(request_spec, changes, code):
    people = [interviewer(70 + number, **changes) for number in range(3)]
    found = matching.mismatches(request_spec, people)
    assert found == [Mismatch(code, 3, 3)]
    assert matching.main_mismatch(found) == Mismatch(code, 3, 3)


def test_the_mismatches_follow_the_interviewers_left_after_each_criterion():
    people = [
        interviewer(80, languages=frozenset({"en"})),
        interviewer(81, languages=frozenset({"de"})),
        interviewer(82, interview_types=frozenset({"group"})),
        interviewer(83, sectors=frozenset({"energy"})),
        interviewer(84, sectors=frozenset({"energy"}), interview_types=frozenset({"technical"})),
        interviewer(1),  # the candidate herself
        interviewer(85, is_restricted=True),
        interviewer(86, is_accepting=False),
    ]
    found = matching.mismatches(REQUEST, people)
    assert found == [Mismatch("language", 2, 5), Mismatch("type", 2, 3), Mismatch("sector", 1, 1)]
    assert [mismatch.left for mismatch in found] == [3, 1, 0]
    assert matching.main_mismatch(found).code == "sector"  # what stops the last one left


def test_nobody_open_to_requests_is_its_own_mismatch():
    assert matching.mismatches(REQUEST, [interviewer(1), interviewer(90, is_accepting=False)]) == [
        Mismatch("nobody", 0, 0)
    ]


def test_when_some_fit_the_criterion_that_leaves_out_most_is_the_main_one():
    people = [interviewer(91), interviewer(92, languages=frozenset({"en"})), interviewer(93, modes=frozenset())]
    people += [interviewer(94, languages=frozenset({"de"}))]
    found = matching.mismatches(REQUEST, people)
    assert found == [Mismatch("language", 2, 4), Mismatch("mode", 1, 2)]
    assert matching.main_mismatch(found) == Mismatch("language", 2, 4)


def test_the_widening_suggestions_stay_beside_the_mismatch():
    people = [interviewer(95, languages=frozenset({"en"}))]
    assert matching.main_mismatch(matching.mismatches(WITH_PROFILE, people)).code == "language"
    assert "other_language" in matching.widening_suggestions(WITH_PROFILE, people)


def test_an_interviewer_who_does_not_run_the_type_is_never_a_good_fit():
    # Sector, kind of company and time add up to GOOD_FIT without the type: not enough to propose a case interview.
    other_type = interviewer(96, interview_types=frozenset({"technical"}))
    match = matching.score(REQUEST, other_type)
    assert match.fit >= matching.GOOD_FIT and not match.is_good
    assert matching.best(REQUEST, [other_type]) == []
    assert matching.main_mismatch(matching.mismatches(REQUEST, [other_type])).code == "type"


def test_more_windows_is_suggested_only_to_reach_someone_who_could_take_the_request():
    nobody_in_brest = [interviewer(97)]  # video and phone only
    assert "more_windows" not in matching.widening_suggestions(IN_BREST, nobody_in_brest)
    busy_in_brest = [interviewer(98, modes=frozenset({"in_person"}), city="Brest", slots=(Slot(6, time(9), time(10)),))]
    assert "more_windows" in matching.widening_suggestions(IN_BREST, busy_in_brest)

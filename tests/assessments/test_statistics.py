"""Authors' statistics: the pure functions against hand-computed cases, then the page of a test version
(thresholds, figures, benchmark, ratings, access) and what stays after a member's erasure."""

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from app.assessments import statistics
from app.assessments.feedback import rate_test
from app.assessments.models import Answer, Attempt, Result, Test, TestFeedback
from app.auth.models import Role, User
from app.extensions import db
from tests.assessments.populate import PERSONALITY, make_test, take_many
from tests.auth.test_two_step import sign_in_admin_with_two_step
from tests.conftest import shown, signed_in

# --- pure functions -----------------------------------------------------------------------------------


def test_share_correct_is_the_mean_item_score():
    # 3 right out of 4: 3/4 = 0.75. Partial credit 0.5 and 1 and 0: 1.5/3 = 0.5.
    assert statistics.share_correct([1, 0, 1, 1]) == 0.75
    assert statistics.share_correct([0.5, 1, 0]) == 0.5
    assert statistics.share_correct([]) is None


def test_point_biserial_by_hand():
    item, totals = [1, 1, 0, 0, 1], [9, 7, 5, 3, 6]
    # Totals: mean 30/5 = 6; deviations 3, 1, -1, -3, 0; squares 9+1+1+9+0 = 20; population sd sqrt(20/5) = 2.
    # Right: mean (9+7+6)/3 = 22/3; wrong: mean (5+3)/2 = 4; p = 3/5, q = 2/5.
    # r = (22/3 - 4) / 2 × sqrt(0.6 × 0.4) = (10/3) / 2 × 0.489898 = 0.816497 (= sqrt(2/3)).
    assert statistics.point_biserial(item, totals) == pytest.approx(0.816497, abs=1e-6)
    # Good students failing the item: (2.5 - ...) the sign turns. Item 0,0,1,1 against 4,3,2,1:
    # totals mean 2.5, sd sqrt((2.25+0.25+0.25+2.25)/4) = sqrt(1.25); right mean 1.5, wrong mean 3.5, p = q = 0.5:
    # r = (1.5 - 3.5) / 1.118034 × 0.5 = -0.894427.
    assert statistics.point_biserial([0, 0, 1, 1], [4, 3, 2, 1]) == pytest.approx(-0.894427, abs=1e-6)


@pytest.mark.parametrize(
    ("item", "totals"),
    [
        ([1, 1, 1], [3, 2, 1]),  # everybody right: the item does not vary
        ([0, 0, 0], [3, 2, 1]),  # nobody right
        ([0.1, 0.1, 0.1], [3, 2, 1]),  # a float mean would leave tiny deviations: still "no variation"
        ([1, 0, 1], [2, 2, 2]),  # the totals do not vary
        ([1], [3]),  # one attempt
        ([], []),
    ],
)
def test_point_biserial_without_variation_is_none(item, totals):
    assert statistics.point_biserial(item, totals) is None


def test_point_biserial_needs_pairs():
    with pytest.raises(ValueError):
        statistics.point_biserial([1, 0], [1, 2, 3])


def test_median_and_deciles_by_hand():
    assert statistics.median([12, 3, 7]) == 7
    assert statistics.median([4, 10, 2, 8]) == 6  # sorted 2 4 8 10: (4 + 8) / 2
    assert statistics.median([]) is None
    # 0, 10, ..., 100 (11 values): the k-th decile is the value at position k × (11 - 1) / 10 = k, i.e. 10 k.
    assert statistics.deciles(range(0, 101, 10)) == pytest.approx([10, 20, 30, 40, 50, 60, 70, 80, 90])
    # 1, 2, 3, 4: position k × 3 / 10; 10th: 1 + 0.3 × (2 - 1) = 1.3; 50th: 2 + 0.5 = 2.5; 90th: 3 + 0.7 = 3.7.
    cuts = statistics.deciles([4, 1, 3, 2])
    assert (cuts[0], cuts[4], cuts[8]) == pytest.approx((1.3, 2.5, 3.7))
    assert statistics.deciles([50]) is None


def item(**fields):
    base = {"id": 1, "type": "single", "options": [], "key": None, "tolerance": 0.0, "points": 1}
    base.update(trait=None, is_reverse=False)
    return SimpleNamespace(**{**base, **fields})


def shares(bars):
    return [(bar.key, bar.count, round(bar.share, 4), bar.is_key) for bar in bars]


def test_option_distribution_of_each_kind():
    single = item(type="single", options=["A", "B", "C"], key=[1])
    # 6 attempts: B three times, A once, C once, one blank: 3/6 = 0.5, 1/6 = 0.1667.
    assert shares(statistics.option_distribution(single, [1, 1, 0, None, 2, 1], 6)) == [
        (0, 1, 0.1667, False),
        (1, 3, 0.5, True),
        (2, 1, 0.1667, False),
        ("none", 1, 0.1667, False),
    ]
    multiple = item(type="multiple", options=["A", "B", "C"], key=[0, 2])
    # 4 attempts; each option counts the attempts that ticked it, so the shares add up to more than 1.
    assert shares(statistics.option_distribution(multiple, [[0, 2], [0], [1, 2], None], 4)) == [
        (0, 2, 0.5, True),
        (1, 1, 0.25, False),
        (2, 2, 0.5, True),
        ("none", 1, 0.25, False),
    ]
    numeric = item(type="numeric", key=92, tolerance=0.5)
    # |92.5 - 92| = 0.5 is within; |93 - 92| = 1 is not.
    assert shares(statistics.option_distribution(numeric, [92, 92.5, 93, None], 4)) == [
        ("within", 2, 0.5, True),
        ("outside", 1, 0.25, False),
        ("none", 1, 0.25, False),
    ]
    agreement = item(type="agreement", trait="calm")
    assert shares(statistics.option_distribution(agreement, [5, 4, 4, None], 4)) == [
        (1, 0, 0.0, False),
        (2, 0, 0.0, False),
        (3, 0, 0.0, False),
        (4, 2, 0.5, False),
        (5, 1, 0.25, False),
        ("none", 1, 0.25, False),
    ]


def test_item_statistics_by_hand():
    first = item(id=1, type="single", options=["A", "B"], key=[1])
    second = item(id=2, type="numeric", key=10, tolerance=0)
    responses = {
        # attempt: {item id: (value, seconds)}
        101: {1: (1, 20.0), 2: (10, 30.0)},  # total 2
        102: {1: (1, 40.0), 2: (11, None)},  # total 1 (an unknown time is left out)
        103: {1: (0, None)},  # total 0
        104: {},  # submitted blank: total 0
    }
    first_stats, second_stats = statistics.item_statistics([first, second], responses)
    # Item 1: right 2 of 4 = 0.5. Totals 2,1,0,0: mean 0.75; deviations 1.25, 0.25, -0.75, -0.75;
    # squares 1.5625+0.0625+0.5625+0.5625 = 2.75; sd sqrt(2.75/4) = 0.829156. Right mean 1.5, wrong mean 0;
    # r = 1.5 / 0.829156 × sqrt(0.25) = 0.904534.
    assert first_stats.share_correct == 0.5
    assert first_stats.discrimination == pytest.approx(0.904534, abs=1e-6)
    assert first_stats.median_seconds == 30.0 and first_stats.timed_answers == 2  # median of 20 and 40
    # Item 2: right 1 of 4 = 0.25. Right mean 2, wrong mean 1/3; p = 0.25, q = 0.75:
    # r = (2 - 0.3333) / 0.829156 × sqrt(0.1875) = 0.870388.
    assert second_stats.share_correct == 0.25
    assert second_stats.discrimination == pytest.approx(0.870388, abs=1e-6)
    assert second_stats.median_seconds == 30.0 and second_stats.timed_answers == 1
    assert [bar.count for bar in second_stats.bars] == [1, 1, 2]  # within, outside, no answer


def test_agreement_items_have_no_share_correct_but_a_trait_correlation():
    calm = item(id=1, type="agreement", trait="calm")
    panic = item(id=2, type="agreement", trait="calm", is_reverse=True)
    responses = {1: {1: (5, None), 2: (1, None)}, 2: {1: (3, None), 2: (3, None)}, 3: {1: (1, None), 2: (4, None)}}
    # Trait means: (5 + (6-1))/2 = 5, (3 + 3)/2 = 3, (1 + (6-4))/2 = 1.5. Item 1 keyed 5, 3, 1 against 5, 3, 1.5:
    # deviations (2, 0, -2) and (1.8333, -0.1667, -1.6667): r = 7 / sqrt(8 × 6.1667) = 0.996616.
    rows = statistics.item_statistics([calm, panic], responses)
    assert rows[0].share_correct is None
    assert rows[0].discrimination == pytest.approx(0.996616, abs=1e-6)
    assert rows[0].median_seconds is None


def test_benchmark_and_ratings_by_hand():
    bench = statistics.benchmark([0.0, 50.0, None, 100.0], [{}, {}, {}, {}])
    # 4 results, 3 with a percentage: 0, 50, 100: median 50, 10th percentile at position 0.2 → 10.
    assert bench.count == 4 and bench.median == 50 and bench.deciles[0] == pytest.approx(10)
    traits = statistics.benchmark([None] * 3, [{"calm": 4.0, "bold": 2.0}, {"calm": 3.0}, {"calm": 2.5}])
    assert traits.traits == {"bold": (2.0, 1), "calm": (3.17, 3)}  # (4 + 3 + 2.5) / 3 = 3.1667
    summary = statistics.summarise_ratings([(5, "Great"), (4, ""), (3, "  "), (5, "clear"), (1, "Bad timer")])
    # 5 + 4 + 3 + 5 + 1 = 18; 18 / 5 = 3.6. Blank comments are left out; the order is alphabetical.
    assert summary.count == 5 and summary.average == 3.6
    assert summary.distribution == [(5, 2), (4, 1), (3, 1), (2, 0), (1, 1)]
    assert summary.comments == ["Bad timer", "clear", "Great"]
    assert statistics.summarise_ratings([]).average is None


# --- the page -----------------------------------------------------------------------------------------

#: 12 all right (total 3), 12 with only the single choice right (total 1), 6 all wrong or blank (total 0).
GROUP_A = {0: "1", 1: ["0", "2"], 2: "92"}
GROUP_B = {0: "1", 1: ["0"], 2: "100"}
GROUP_C = {0: "0"}
THIRTY = [GROUP_A] * 12 + [GROUP_B] * 12 + [GROUP_C] * 6


def seconds(number, position):
    """Item 0: 10 + n seconds (10..39); item 1: unknown; item 2: 30 seconds for group A only."""
    if position == 0:
        return 10.0 + number
    if position == 2 and number < 12:
        return 30.0
    return None


@pytest.fixture
def author(app, make_user):
    user_id = make_user("author@example.com", roles=(Role.TEST_AUTHOR,), first_name="Élise", last_name="Moreau")
    return SimpleNamespace(id=user_id, client=signed_in(app, "author@example.com", lang="en"))


def stats_url(public_id, lang="en"):
    return f"/{lang}/tests/authoring/{public_id}/statistics"


def item_section(page: str, number: int) -> str:
    return page.split(f'id="item-{number}"')[1].split("</section>")[0]


def squash(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_below_30_attempts_the_page_says_how_many_and_waits(app, author):
    test_id = make_test(app, author.id)
    take_many(app, test_id, THIRTY[:29], seconds=seconds)
    page = shown(author.client.get(stats_url(test_id)))
    assert "29 submitted attempts so far. Question statistics appear once at least 30 attempts are submitted." in page
    assert "29 results so far. The benchmark appears once at least 30 results exist." in page
    assert "Share correct" not in page and 'id="item-1"' not in page


def test_at_30_attempts_each_item_shows_its_figures(app, author):
    test_id = make_test(app, author.id)
    take_many(app, test_id, THIRTY, seconds=seconds)
    response = author.client.get(stats_url(test_id))
    assert response.status_code == 200
    page = shown(response)
    assert "Based on 30 submitted attempts." in page
    single = squash(item_section(page, 1))
    # 24 of 30 right = 80%. Point-biserial: totals mean 48/30 = 1.6, sd sqrt(120/30 - 1.6²) = 1.2; right mean 2,
    # wrong mean 0, p = 0.8: (2 - 0) / 1.2 × sqrt(0.8 × 0.2) = 0.67. Times 10..39 s: median (24 + 25) / 2 = 24.5.
    assert "Share correct 80%" in single and "Discrimination 0.67" in single and "Median time 24.5 s" in single
    assert "Option A 6 20%" in single and "Option B correct 24 80%" in single and "Option C 0 0%" in single
    multiple = squash(item_section(page, 2))
    # 12 right = 40%; right mean 3, wrong mean 12/18: (3 - 0.6667) / 1.2 × sqrt(0.4 × 0.6) = 0.95. Time unknown.
    assert "Share correct 40%" in multiple and "Discrimination 0.95" in multiple and "Median time Unknown" in multiple
    assert "First correct 24 80%" in multiple and "Third correct 12 40%" in multiple and "No answer 6 20%" in multiple
    numeric = squash(item_section(page, 3))
    assert "Share correct 40%" in numeric and "Median time 30 s" in numeric
    assert "Within the tolerance correct 12 40%" in numeric and "Outside the tolerance 12 40%" in numeric
    # Benchmark: percentages 6 × 0, 12 × 33.3, 12 × 100. 20th percentile at position 0.2 × 29 = 5.8, between
    # the 6th (0) and 7th (33.3) values: 0.8 × 33.3 = 26.64 → 26.6%; 90th at 26.1: 100%.
    bench = squash(page.split('id="benchmark-title"')[1].split("</section>")[0])
    assert "From 30 results of this version" in bench
    assert "10th percentile 0%" in bench and "20th percentile 26.6%" in bench and "90th percentile 100%" in bench


def test_the_benchmark_counts_anonymised_results(app, author):
    test_id = make_test(app, author.id)
    take_many(app, test_id, THIRTY[:28])
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == test_id))
        for percentage in (100.0, 0.0):  # results whose attempt was erased: no attempt, still in the norm group
            db.session.add(Result(test_id=test.id, raw_score=0, max_score=3, percentage=percentage))
        db.session.commit()
    page = shown(author.client.get(stats_url(test_id)))
    assert "From 30 results of this version" in page
    assert "28 submitted attempts so far" in page  # item statistics need the answers, which erasure deletes


def test_personality_benchmark_shows_trait_means(app, author):
    test_id = make_test(app, author.id, PERSONALITY)
    # 15 answer 5 and 1 (calm: (5 + 5) / 2 = 5); 15 answer 2 and 4 (calm: (2 + 2) / 2 = 2). Mean (15×5 + 15×2)/30.
    take_many(app, test_id, [{0: "5", 1: "1"}] * 15 + [{0: "2", 1: "4"}] * 15)
    page = squash(shown(author.client.get(stats_url(test_id))))
    assert "Calm 3.50 30" in page
    assert "Share correct Not applicable" in page and "Discrimination 1.00" in page
    assert "5 – Strongly agree 15 50%" in page


def rate(app, attempt_ids, ratings_and_comments):
    with app.app_context():
        for public_id, (rating, comment) in zip(attempt_ids, ratings_and_comments, strict=False):
            rate_test(db.session.scalar(select(Attempt).where(Attempt.public_id == public_id)), rating, comment)
        db.session.commit()


def test_ratings_appear_from_5_without_names_or_dates(app, author):
    test_id = make_test(app, author.id)
    attempts = take_many(app, test_id, THIRTY[:5])
    rate(app, attempts[:4], [(5, "Clear questions"), (4, ""), (4, "a bit long"), (2, "Timer too short")])
    page = shown(author.client.get(stats_url(test_id)))
    assert "4 ratings so far. Ratings and comments appear once at least 5 exist." in page
    assert "Clear questions" not in page
    rate(app, attempts[4:], [(5, "Loved it")])
    page = shown(author.client.get(stats_url(test_id)))
    # 5 + 4 + 4 + 2 + 5 = 20; 20 / 5 = 4.0.
    assert "Average rating: 4.0/5 from 5 ratings." in page
    ratings = squash(page.split('id="ratings-title"')[1].split("</section>")[0])
    assert "5/5 2 4/5 2 3/5 0 2/5 1 1/5 0" in ratings
    assert "a bit long Clear questions Loved it Timer too short" in ratings  # alphabetical, not by date
    with app.app_context():
        day = db.session.scalar(select(TestFeedback.created_dt)).date()
    assert day.isoformat() not in page and "TakerLast0" not in page


@pytest.mark.promise("recipients-test-authors")
def test_authors_see_only_aggregates_never_an_answer_or_a_name(app, author):
    test_id = make_test(app, author.id)
    odd = {0: "2", 1: ["1"], 2: "4817.25"}  # one candidate's unusual answers
    attempts = take_many(app, test_id, [odd] + THIRTY[1:], seconds=seconds)
    rate(app, attempts[:5], [(3, "Question two was unclear")] + [(4, "")] * 4)
    with app.app_context():
        results = db.session.scalars(select(Result.public_id)).all()
    page = shown(author.client.get(stats_url(test_id)))
    assert "Based on 30 submitted attempts." in page and "Question two was unclear" in page
    for number in range(30):
        assert f"taker{number}@example.com" not in page
        assert f"TakerFirst{number}" not in page and f"TakerLast{number}" not in page
    assert "4817" not in page  # a numeric answer shows only as within or outside the tolerance
    assert not any(public_id in page for public_id in attempts + results)
    # The only figures per option are counts over 30 attempts: the unusual choice is one of many.
    assert "Option C 1 3.3%" in squash(item_section(page, 1))


def test_who_may_see_the_statistics(app, author, make_user):
    test_id = make_test(app, author.id)
    make_user("other-author@example.com", roles=(Role.TEST_AUTHOR,))
    make_user("candidate@example.com")
    other_author = signed_in(app, "other-author@example.com")
    candidate = signed_in(app, "candidate@example.com")
    admin = sign_in_admin_with_two_step(app, make_user)
    assert author.client.get(stats_url(test_id)).status_code == 200
    assert other_author.get(stats_url(test_id)).status_code == 404
    assert candidate.get(stats_url(test_id)).status_code == 403
    assert admin.get(stats_url(test_id)).status_code == 200
    assert author.client.get(stats_url("0" * 32)).status_code == 404
    visitor = app.test_client().get(stats_url(test_id))
    assert visitor.status_code == 302 and "/login" in visitor.headers["Location"]


def test_an_admin_without_two_step_is_sent_to_set_it_up(app, author, make_user):
    test_id = make_test(app, author.id)
    make_user("plain-admin@example.com", roles=(Role.ADMIN,))
    response = signed_in(app, "plain-admin@example.com").get(stats_url(test_id))
    assert response.status_code == 302 and "two-step" in response.headers["Location"]


def test_the_page_in_french(app, author):
    test_id = make_test(app, author.id)
    take_many(app, test_id, THIRTY, seconds=seconds)
    page = squash(shown(author.client.get(stats_url(test_id, lang="fr"))))
    # Babel formats numbers and percentages the French way; the text is French once the catalog is merged.
    assert "Choix B" in page and "0,67" in page and "24,5 s" in page and "26,6" in page
    assert "Statistiques : Raisonnement exemple (version 1)" in page


@pytest.mark.promise("retention-anonymised-aggregates")
def test_erasure_keeps_the_aggregates_and_removes_the_link(app, author):
    from app.privacy.erasure import start_erasure

    test_id = make_test(app, author.id)
    attempts = take_many(app, test_id, THIRTY + [GROUP_A], seconds=seconds)
    rate(app, attempts[:5], [(1, "I am Taker Zero, call me")] + [(5, "")] * 4)
    before = squash(shown(author.client.get(stats_url(test_id))))
    assert "From 31 results" in before and "Average rating: 4.2/5 from 5 ratings." in before  # (1 + 4×5) / 5
    with app.app_context():
        leaving = db.session.scalar(select(User).where(User.email == "taker0@example.com"))
        leaving_id = leaving.id
        attempt_id = db.session.scalar(select(Attempt.id).where(Attempt.public_id == attempts[0]))
        result_id = db.session.scalar(select(Result.id).where(Result.attempt_id == attempt_id))
        job = start_erasure(leaving)
        db.session.commit()
        assert job.status == "done"
    after = squash(shown(author.client.get(stats_url(test_id))))
    # The benchmark and the ratings keep their counts and values...
    assert "From 31 results" in after and "Average rating: 4.2/5 from 5 ratings." in after
    assert "10th percentile 0%" in after and "90th percentile 100%" in after
    # ...but nothing links them to the member any more, and the comment that named them is gone.
    assert "call me" not in after
    with app.app_context():
        assert db.session.get(User, leaving_id) is None
        assert db.session.get(Result, result_id).attempt_id is None
        assert db.session.scalar(select(func.count(Result.id))) == 31
        assert db.session.scalar(select(func.count(Attempt.id)).where(Attempt.candidate_id == leaving_id)) == 0
        assert db.session.scalar(select(func.count(Answer.id)).where(Answer.attempt_id == attempt_id)) == 0
        feedback = db.session.scalars(select(TestFeedback).where(TestFeedback.rating == 1)).one()
        assert feedback.attempt_id is None and feedback.comment == ""
        assert db.session.scalar(select(func.count(TestFeedback.id))) == 5


def test_members_who_object_to_statistics_or_restrict_leave_the_aggregates(app, author):
    """The policy lets a member object to aggregated statistics: their results and answers stop counting."""
    from app.privacy.consents import object_to
    from app.privacy.models import ObjectionTopic
    from app.privacy.services import restrict_processing

    test_id = make_test(app, author.id)
    take_many(app, test_id, THIRTY)
    assert "Based on 30 submitted attempts." in shown(author.client.get(stats_url(test_id)))
    with app.app_context():
        object_to(
            db.session.scalar(select(User).where(User.email == "taker0@example.com")),
            ObjectionTopic.STATISTICS,
            "Je ne veux pas figurer dans les statistiques.",
        )
        restrict_processing(db.session.scalar(select(User).where(User.email == "taker1@example.com")))
        db.session.commit()
        test = db.session.scalar(select(Test).where(Test.public_id == test_id))
        assert statistics.submitted_attempt_count(test) == 28
        assert statistics.benchmark_of(test).count == 28
    page = shown(author.client.get(stats_url(test_id)))
    assert "28 submitted attempts so far" in page

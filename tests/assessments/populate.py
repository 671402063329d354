"""Helpers for the statistics and feedback tests: a small authored test, and many submitted attempts made
through the services in one app context (no HTTP session per candidate)."""

from sqlalchemy import select

from app.assessments import services
from app.assessments.bank import import_test
from app.assessments.models import Attempt, Test
from app.auth.models import User
from app.extensions import db


def _text(en, fr):
    return {"en": en, "fr": fr}


#: Item 0: single choice, B is right. Item 1: multiple choice, A and C. Item 2: numeric, 92 ± 0.5.
SAMPLE = {
    "format": 1,
    "slug": "stats-sample",
    "kind": "aptitude",
    "title": _text("Sample reasoning", "Raisonnement exemple"),
    "instructions": _text("Answer.", "Répondez."),
    "time_limit_minutes": 20,
    "sections": [
        {
            "title": _text("Part 1", "Partie 1"),
            "items": [
                {
                    "type": "single",
                    "prompt": _text("Pick B", "Choisissez B"),
                    "options": [
                        _text("Option A", "Choix A"),
                        _text("Option B", "Choix B"),
                        _text("Option C", "Choix C"),
                    ],
                    "answer": [1],
                },
                {
                    "type": "multiple",
                    "prompt": _text("Pick A and C", "Choisissez A et C"),
                    "options": [_text("First", "Premier"), _text("Second", "Deuxième"), _text("Third", "Troisième")],
                    "answer": [0, 2],
                },
                {
                    "type": "numeric",
                    "prompt": _text("How much is 46 × 2?", "Combien font 46 × 2 ?"),
                    "answer": 92,
                    "tolerance": 0.5,
                },
            ],
        }
    ],
}

PERSONALITY = {
    "format": 1,
    "slug": "stats-traits",
    "kind": "personality",
    "title": _text("Sample traits", "Traits exemple"),
    "instructions": _text("Answer.", "Répondez."),
    "time_limit_minutes": 10,
    "traits": {"calm": _text("Calm", "Calme")},
    "sections": [
        {
            "title": _text("Part 1", "Partie 1"),
            "items": [
                {"type": "agreement", "prompt": _text("I stay calm", "Je reste calme"), "trait": "calm"},
                {
                    "type": "agreement",
                    "prompt": _text("I panic", "Je panique"),
                    "trait": "calm",
                    "reverse": True,
                },
            ],
        }
    ],
}


def make_test(app, author_id=None, data=SAMPLE) -> str:
    """Import `data` as a published test by the member `author_id`; returns its public id."""
    with app.app_context():
        author = db.session.get(User, author_id) if author_id else None
        test = import_test(data, author=author)
        db.session.commit()
        return test.public_id


def take_many(app, test_public_id, sheets, *, seconds=None, prefix="taker") -> list[str]:
    """One new member per sheet takes and submits the test; returns the attempts' public ids.

    :param sheets: one {item position: raw answer} per candidate.
    :param seconds: seconds(candidate number, item position) -> the time to store, or None (unknown).
    """
    ids = []
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == test_public_id))
        for number, sheet in enumerate(sheets):
            user = User(
                email=f"{prefix}{number}@example.com",
                first_name=f"{prefix.title()}First{number}",
                last_name=f"{prefix.title()}Last{number}",
                password_hash="not-a-real-hash",
                locale="en",
            )
            db.session.add(user)
            db.session.flush()
            attempt, _created = services.start_practice(user, test)
            for position, raw in sheet.items():
                took = seconds(number, position) if seconds is not None else None
                services.save_answer(attempt, test.items[position], raw, seconds=took)
            services.submit(attempt)
            ids.append(attempt.public_id)
        db.session.commit()
    return ids


def submitted_attempt(app, user_id, test_public_id, sheet=None) -> str:
    """A submitted attempt of the member `user_id`; returns its public id."""
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == test_public_id))
        attempt, _created = services.start_practice(db.session.get(User, user_id), test)
        for position, raw in (sheet or {}).items():
            services.save_answer(attempt, test.items[position], raw)
        services.submit(attempt)
        db.session.commit()
        return attempt.public_id


def open_attempt(app, user_id, test_public_id) -> str:
    with app.app_context():
        test = db.session.scalar(select(Test).where(Test.public_id == test_public_id))
        attempt, _created = services.start_practice(db.session.get(User, user_id), test)
        db.session.commit()
        return attempt.public_id


def attempt_id_of(app, public_id) -> int:
    with app.app_context():
        return db.session.scalar(select(Attempt.id).where(Attempt.public_id == public_id))

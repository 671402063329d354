"""Import and export of tests in the documented JSON format (bank/README.md), and the starter bank.

A file is validated whole first: a bad file gives every error, each with its item number, and imports nothing.
"""

from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.assessments.models import Item, ItemKind, Section, Test, TestKind
from app.assessments.scoring import ITEM_TYPES
from app.core.errors import DomainError
from app.core.input_guard import JSONRefused, parse_json
from app.core.timeutil import utcnow
from app.extensions import db

BANK_DIR = Path(__file__).parent / "bank"
LANGUAGES = ("fr", "en")
FORMAT_VERSION = 1


class BankError(DomainError):
    """A test file that cannot be imported; `errors` lists every problem found (lazy strings)."""

    def __init__(self, errors: list):
        super().__init__("; ".join(str(error) for error in errors), errors=errors)


def _is_text(value) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
    )


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _item_errors(item, number: int) -> list:
    errors = []

    def error(message):
        errors.append(_l("Item %(number)d: %(message)s", number=number, message=message))

    if not isinstance(item, dict):
        error(_l("an item must be an object."))
        return errors
    kind = item.get("type")
    if kind not in ITEM_TYPES:
        error(_l("unknown type %(type)r.", type=str(kind)))
        return errors
    if not _is_text(item.get("prompt")):
        error(_l("the prompt must be given in French and English."))
    if kind in (ItemKind.SINGLE, ItemKind.MULTIPLE):
        options = item.get("options")
        if not isinstance(options, list) or len(options) < 2 or not all(_is_text(option) for option in options):
            error(_l("give at least two options, each in French and English."))
            return errors
        answer = item.get("answer")
        if (
            not isinstance(answer, list)
            or not answer
            or not all(
                isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(options) for index in answer
            )
        ):
            error(_l("the answer must list the numbers of the correct options, counting from 0."))
        elif kind == ItemKind.SINGLE and len(answer) != 1:
            error(_l("a single-choice item has exactly one correct option."))
    elif kind == ItemKind.NUMERIC:
        if not _is_number(item.get("answer")):
            error(_l("the answer must be a number."))
        if not _is_number(item.get("tolerance", 0)) or item.get("tolerance", 0) < 0:
            error(_l("the tolerance must be a number, 0 or more."))
    elif kind == ItemKind.AGREEMENT:
        if not isinstance(item.get("trait"), str) or not item["trait"].strip():
            error(_l("an agreement item needs the trait it measures."))
        if not isinstance(item.get("reverse", False), bool):
            error(_l("reverse must be true or false."))
    points = item.get("points", 1)
    if not isinstance(points, int) or isinstance(points, bool) or points < 0:
        error(_l("points must be a whole number, 0 or more."))
    return errors


TRAIT_LEVELS = ("low", "medium", "high")


def _level_errors(traits: dict) -> list:
    """Level descriptions are optional per trait; when given, every level exists in both languages."""
    errors = []
    for trait, texts in traits.items():
        levels = texts.get("levels")
        if levels is None:
            continue
        if not isinstance(levels, dict) or not all(_is_text(levels.get(level)) for level in TRAIT_LEVELS):
            errors.append(
                _l(
                    "Trait %(trait)s: the level descriptions must give low, medium and high, each in French and "
                    "English.",
                    trait=str(trait),
                )
            )
    return errors


def validate(data) -> list:
    """Every problem of a test file, with item numbers counted from 1 across the whole test."""
    if not isinstance(data, dict):
        return [_l("The file must hold one test (a JSON object).")]
    errors = []
    if data.get("format") != FORMAT_VERSION:
        errors.append(_l('Unknown format: expected "format": %(version)d.', version=FORMAT_VERSION))
    if not isinstance(data.get("slug"), str) or not data["slug"].strip() or len(data["slug"]) > 80:
        errors.append(_l("The slug must be a short name (80 characters at most)."))
    if data.get("kind") not in TestKind._value2member_map_:
        errors.append(_l("The kind must be aptitude, personality or skills."))
    if not _is_text(data.get("title")):
        errors.append(_l("The title must be given in French and English."))
    if not _is_text(data.get("instructions")):
        errors.append(_l("The instructions must be given in French and English."))
    limit = data.get("time_limit_minutes")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 240:
        errors.append(_l("The time limit must be a whole number of minutes between 1 and 240."))
    traits = data.get("traits", {})
    if not isinstance(traits, dict) or not all(_is_text(name) for name in traits.values()):
        errors.append(_l("Trait names must be given in French and English."))
    else:
        errors.extend(_level_errors(traits))
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        errors.append(_l("A test needs at least one section."))
        return errors
    number = 0
    for index, section in enumerate(sections, start=1):
        if not isinstance(section, dict) or not _is_text(section.get("title")):
            errors.append(_l("Section %(number)d: the title must be given in French and English.", number=index))
        items = section.get("items") if isinstance(section, dict) else None
        if not isinstance(items, list) or not items:
            errors.append(_l("Section %(number)d has no items.", number=index))
            continue
        for item in items:
            number += 1
            errors.extend(_item_errors(item, number))
    return errors


def import_test(data, *, author=None, publish: bool = True) -> Test:
    """Create a new version of the test in `data` (flushed); BankError lists every problem and adds nothing."""
    errors = validate(data)
    if errors:
        raise BankError(errors)
    latest = db.session.scalar(select(Test.version).where(Test.slug == data["slug"]).order_by(Test.version.desc()))
    test = Test(
        slug=data["slug"],
        version=(latest or 0) + 1,
        kind=data["kind"],
        title={lang: data["title"][lang] for lang in LANGUAGES},
        instructions={lang: data["instructions"][lang] for lang in LANGUAGES},
        time_limit_minutes=data["time_limit_minutes"],
        traits=data.get("traits") or {},
        author_id=getattr(author, "id", None),
        published_dt=utcnow() if publish else None,
    )
    db.session.add(test)
    for section_position, section_data in enumerate(data["sections"]):
        section = Section(test=test, position=section_position, title=section_data["title"])
        db.session.add(section)
        for position, item_data in enumerate(section_data["items"]):
            kind = item_data["type"]
            key = item_data.get("answer")
            db.session.add(
                Item(
                    test=test,
                    section=section,
                    section_position=section_position,
                    position=position,
                    type=kind,
                    prompt=item_data["prompt"],
                    options=item_data.get("options", []),
                    key=sorted(key) if kind == ItemKind.MULTIPLE else key,
                    tolerance=float(item_data.get("tolerance", 0)),
                    points=item_data.get("points", 1),
                    trait=item_data.get("trait"),
                    is_reverse=bool(item_data.get("reverse", False)),
                )
            )
    db.session.flush()
    return test


def export_test(test: Test) -> dict:
    """The test version in the import format (an import of it makes an identical new version)."""
    sections = []
    for section in test.sections:
        items = []
        for item in (item for item in test.items if item.section_id == section.id):
            row = {"type": item.type, "prompt": item.prompt}
            if item.type in (ItemKind.SINGLE, ItemKind.MULTIPLE):
                row.update(options=item.options, answer=item.key)
            elif item.type == ItemKind.NUMERIC:
                row.update(answer=item.key, tolerance=item.tolerance)
            elif item.type == ItemKind.AGREEMENT:
                row.update(trait=item.trait, reverse=item.is_reverse)
            if item.points != 1:
                row["points"] = item.points
            items.append(row)
        sections.append({"title": section.title, "items": items})
    return {
        "format": FORMAT_VERSION,
        "slug": test.slug,
        "kind": test.kind,
        "title": test.title,
        "instructions": test.instructions,
        "time_limit_minutes": test.time_limit_minutes,
        **({"traits": test.traits} if test.traits else {}),
        "sections": sections,
    }


def parse(text: str | bytes):
    """The JSON of an uploaded file, or BankError."""
    try:
        return parse_json(text, max_bytes=None)  # the size is the caller's: files and the shipped bank differ
    except JSONRefused as error:
        raise BankError([error.message]) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BankError(
            [_l("The file is not valid JSON (line %(line)s).", line=getattr(error, "lineno", "?"))]
        ) from None


def load_bank() -> list[Test]:
    """Import the starter bank's tests that are not in the database yet (by slug); flushed, not committed."""
    created = []
    for path in sorted(BANK_DIR.glob("*.json")):
        data = parse(path.read_text(encoding="utf-8"))
        if db.session.scalar(select(Test.id).where(Test.slug == data.get("slug")).limit(1)) is not None:
            continue
        created.append(import_test(data))
    return created

"""Authoring tests: an author's versions, drafts with their sections and items, publication, new versions,
import and export of files in the bank format (bank/README.md).

A published version never changes: every change goes through `ensure_draft`, which raises. Services flush,
never commit; views commit once.
"""

import json
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, true
from sqlalchemy.exc import IntegrityError

from app.assessments import bank
from app.assessments.models import Item, ItemKind, Section, Test, TestKind
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db

#: The largest test file an author may upload.
MAX_FILE_BYTES = 1024 * 1024
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TRAIT_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DIRECTIONS = ("up", "down")

PUBLISHED_NEVER_CHANGES = _l("This version is published: it can no longer change. Make a new version to edit the test.")
SLUG_FORMAT = _l("Use lowercase letters, digits and hyphens only, such as numerical-reasoning.")
SLUG_TAKEN = _l("Another author already uses this short name. Choose another one.")


class AuthoringError(DomainError):
    """A change to a test that cannot be made; `errors` lists several problems."""


@dataclass
class TestSettings:
    """What an author sets on a test version (the slug only when creating it)."""

    kind: str
    title: dict
    instructions: dict
    time_limit_minutes: int
    traits: dict = field(default_factory=dict)
    slug: str = ""


@dataclass
class ItemContent:
    """What an author sets on an item; `key` is option indexes (from 0) or a number."""

    type: str
    prompt: dict
    options: list = field(default_factory=list)
    key: list | float | int | None = None
    tolerance: float = 0.0
    points: int = 1
    trait: str | None = None
    is_reverse: bool = False


@dataclass
class TestFamily:
    """The versions of one slug, newest first, with their item counts."""

    slug: str
    versions: list[Test]
    item_counts: dict[int, int]


# --- reading ------------------------------------------------------------------------------------------


def _visible_to(user):
    """The tests `user` may manage: every test for an admin, their own for an author."""
    return true() if user.is_admin else Test.author_id == user.id


def authored_tests(user) -> list[TestFamily]:
    """The tests `user` manages, grouped by slug, with two queries whatever their number."""
    tests = db.session.scalars(select(Test).where(_visible_to(user)).order_by(Test.slug, Test.version.desc())).all()
    counts = dict(
        db.session.execute(
            select(Item.test_id, func.count(Item.id))
            .where(Item.test_id.in_([test.id for test in tests]))
            .group_by(Item.test_id)
        ).all()
    )
    families: dict[str, TestFamily] = {}
    for test in tests:
        family = families.setdefault(test.slug, TestFamily(test.slug, [], counts))
        family.versions.append(test)
    return list(families.values())


def find_test(user, public_id: str) -> Test | None:
    """The test version if `user` may manage it, else None (the view answers 404)."""
    return db.session.scalar(select(Test).where(Test.public_id == public_id, _visible_to(user)))


def find_item(user, public_id: str) -> Item | None:
    """The item if `user` may manage its test, else None."""
    return db.session.scalar(
        select(Item).join(Test, Item.test_id == Test.id).where(Item.public_id == public_id, _visible_to(user))
    )


def find_section(test: Test, section_id: int) -> Section | None:
    return next((section for section in test.sections if section.id == section_id), None)


def numbered_items(test: Test) -> dict[int, int]:
    """{item id: number}, counted from 1 across the whole test, as the file errors count them."""
    return {item.id: number for number, item in enumerate(test.items, start=1)}


def publication_errors(test: Test) -> list:
    """Everything that stops this version from being published (both languages complete, keys, traits)."""
    errors = list(bank.validate(bank.export_test(test)))
    numbers = numbered_items(test)
    for item in test.items:
        if item.type == ItemKind.AGREEMENT and item.trait and item.trait not in (test.traits or {}):
            message = _l("the trait %(trait)s is not one of the test's traits.", trait=item.trait)
            errors.append(_l("Item %(number)d: %(message)s", number=numbers[item.id], message=message))
    if test.kind == TestKind.PERSONALITY and not test.traits:
        errors.append(_l("A personality test needs at least one trait."))
    return errors


# --- tests --------------------------------------------------------------------------------------------


def ensure_draft(test: Test) -> None:
    """Refuse any change to a published version."""
    if test.is_published:
        raise AuthoringError(PUBLISHED_NEVER_CHANGES)


def _slug_author_id(slug: str, user) -> int | None:
    """The author who owns `slug` (None for a new slug); refused when it is someone else's and `user` is
    no admin. An admin's new version stays with the test's author."""
    authors = set(db.session.scalars(select(Test.author_id).where(Test.slug == slug)))
    if not authors:
        return user.id
    if authors != {user.id} and not user.is_admin:
        raise AuthoringError(SLUG_TAKEN, field="slug")
    latest = db.session.scalar(select(Test).where(Test.slug == slug).order_by(Test.version.desc()).limit(1))
    return latest.author_id


def _next_version(slug: str) -> int:
    latest = db.session.scalar(select(func.max(Test.version)).where(Test.slug == slug))
    return (latest or 0) + 1


def create_test(user, settings: TestSettings) -> Test:
    """A new draft: version 1 of a new slug, or the next version of one of the author's own slugs."""
    if not SLUG_PATTERN.match(settings.slug or "") or len(settings.slug) > 80:
        raise AuthoringError(SLUG_FORMAT, field="slug")
    test = Test(
        slug=settings.slug,
        version=_next_version(settings.slug),
        author_id=_slug_author_id(settings.slug, user),
    )
    _apply_settings(test, settings)
    db.session.add(test)
    db.session.flush()
    return test


def _apply_settings(test: Test, settings: TestSettings) -> None:
    test.kind = settings.kind
    test.title = dict(settings.title)
    test.instructions = dict(settings.instructions)
    test.time_limit_minutes = settings.time_limit_minutes
    test.traits = {key: dict(names) for key, names in settings.traits.items()}


def update_test(test: Test, settings: TestSettings) -> None:
    """Change a draft's settings; a trait that items still measure cannot go."""
    ensure_draft(test)
    numbers = numbered_items(test)
    for trait in sorted(set(test.traits or {}) - set(settings.traits)):
        users = [str(numbers[item.id]) for item in test.items if item.trait == trait]
        if users:
            raise AuthoringError(
                _l(
                    "Items %(numbers)s measure the trait %(trait)s: keep it, or change those items first.",
                    numbers=", ".join(users),
                    trait=trait,
                ),
                field="traits",
            )
    _apply_settings(test, settings)
    db.session.flush()


def publish(test: Test) -> None:
    """Publish a complete draft; AuthoringError lists every problem otherwise."""
    ensure_draft(test)
    errors = publication_errors(test)
    if errors:
        raise AuthoringError(_l("This version cannot be published yet."), errors=errors)
    test.published_dt = utcnow()
    db.session.flush()


NEW_VERSION_TAKEN = _l(
    "Someone created a new version of this test at the same moment. Open the list of tests and continue from it."
)


def new_version(test: Test) -> Test:
    """A draft copy of `test` as the next version of its slug, owned by the same author."""
    copy = Test(
        slug=test.slug,
        version=_next_version(test.slug),
        kind=test.kind,
        title=dict(test.title),
        instructions=dict(test.instructions),
        time_limit_minutes=test.time_limit_minutes,
        traits={key: dict(names) for key, names in (test.traits or {}).items()},
        author_id=test.author_id,
    )
    try:
        with db.session.begin_nested():  # (slug, version) is unique: a second author may have been quicker
            db.session.add(copy)
    except IntegrityError:
        raise AuthoringError(NEW_VERSION_TAKEN) from None
    for source in test.sections:
        section = Section(test=copy, position=source.position, title=dict(source.title))
        db.session.add(section)
        for item in (item for item in test.items if item.section_id == source.id):
            db.session.add(
                Item(
                    test=copy,
                    section=section,
                    section_position=source.position,
                    position=item.position,
                    type=item.type,
                    prompt=dict(item.prompt),
                    options=[dict(option) for option in item.options or []],
                    key=list(item.key) if isinstance(item.key, list) else item.key,
                    tolerance=item.tolerance,
                    points=item.points,
                    trait=item.trait,
                    is_reverse=item.is_reverse,
                )
            )
    db.session.flush()
    return copy


# --- sections -----------------------------------------------------------------------------------------


def add_section(test: Test, title: dict) -> Section:
    ensure_draft(test)
    section = Section(test=test, position=len(test.sections), title=dict(title))
    db.session.add(section)
    db.session.flush()
    return section


def rename_section(section: Section, title: dict) -> None:
    ensure_draft(section.test)
    section.title = dict(title)
    db.session.flush()


def _items_of(section: Section) -> list[Item]:
    return sorted((item for item in section.test.items if item.section_id == section.id), key=lambda i: i.position)


def delete_section(section: Section) -> None:
    """Delete an empty section: items are never deleted along with it by mistake."""
    test = section.test
    ensure_draft(test)
    if _items_of(section):
        raise AuthoringError(_l("This section still has items: delete or move them first."))
    test.sections.remove(section)
    db.session.delete(section)
    _renumber_sections(test)


def _renumber_sections(test: Test) -> None:
    for position, section in enumerate(sorted(test.sections, key=lambda s: s.position)):
        section.position = position
        for item in test.items:
            if item.section_id == section.id:
                item.section_position = position
    db.session.flush()


def move_section(section: Section, direction: str) -> None:
    """Swap the section with its neighbour; nothing happens at either end."""
    test = section.test
    ensure_draft(test)
    ordered = sorted(test.sections, key=lambda s: s.position)
    index = ordered.index(section)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index].position, ordered[other].position = other, index
        _renumber_sections(test)


# --- items --------------------------------------------------------------------------------------------


def _check_content(test: Test, content: ItemContent) -> None:
    if content.type not in ItemKind._value2member_map_:
        raise AuthoringError(_l("Choose a type of item."), field="type")
    if content.type == ItemKind.AGREEMENT and content.trait not in (test.traits or {}):
        raise AuthoringError(_l("Choose one of the test's traits."), field="trait")


def _apply_content(item: Item, content: ItemContent) -> None:
    item.type = content.type
    item.prompt = dict(content.prompt)
    is_choice = content.type in (ItemKind.SINGLE, ItemKind.MULTIPLE)
    item.options = [dict(option) for option in content.options] if is_choice else []
    item.key = sorted(content.key) if is_choice else (content.key if content.type == ItemKind.NUMERIC else None)
    item.tolerance = float(content.tolerance) if content.type == ItemKind.NUMERIC else 0.0
    item.points = content.points
    item.trait = content.trait if content.type == ItemKind.AGREEMENT else None
    item.is_reverse = bool(content.is_reverse) if content.type == ItemKind.AGREEMENT else False


def add_item(section: Section, content: ItemContent) -> Item:
    """Add an item at the end of `section`."""
    test = section.test
    ensure_draft(test)
    _check_content(test, content)
    item = Item(test=test, section=section, section_position=section.position, position=len(_items_of(section)))
    _apply_content(item, content)
    db.session.add(item)
    db.session.flush()
    return item


def update_item(item: Item, content: ItemContent) -> None:
    ensure_draft(item.test)
    _check_content(item.test, content)
    _apply_content(item, content)
    db.session.flush()


def delete_item(item: Item) -> None:
    section = item.section
    ensure_draft(item.test)
    item.test.items.remove(item)
    db.session.delete(item)
    for position, row in enumerate(_items_of(section)):
        row.position = position
    db.session.flush()


def move_item(item: Item, direction: str) -> None:
    """Move the item one place in the test; past the edge of its section, it goes to the neighbouring one."""
    test = item.test
    ensure_draft(test)
    siblings = _items_of(item.section)
    index = siblings.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        neighbour = siblings[other]
        item.position, neighbour.position = neighbour.position, item.position
        db.session.flush()
        return
    sections = sorted(test.sections, key=lambda s: s.position)
    target_index = sections.index(item.section) + (-1 if direction == "up" else 1)
    if not 0 <= target_index < len(sections):
        return
    target = sections[target_index]
    target_items = _items_of(target)
    if direction == "up":
        position = len(target_items)
    else:
        for row in target_items:
            row.position += 1
        position = 0
    item.section, item.section_position, item.position = target, target.position, position
    for new_position, row in enumerate(row for row in siblings if row is not item):
        row.position = new_position
    db.session.flush()


# --- files --------------------------------------------------------------------------------------------


def read_file(data: bytes):
    """The test in an uploaded file: at most 1 MB of UTF-8 JSON, else AuthoringError listing why."""
    if len(data) > MAX_FILE_BYTES:
        raise AuthoringError(_l("The file is too large: a test file has at most 1 MB."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AuthoringError(_l("The file is not encoded in UTF-8.")) from None
    try:
        return bank.parse(text)
    except bank.BankError as error:
        raise AuthoringError(error.errors[0], errors=error.errors) from None


def import_file(user, data: bytes) -> Test:
    """A new draft from a test file; a bad file imports nothing and AuthoringError lists every problem."""
    content = read_file(data)
    errors = bank.validate(content)
    slug = content.get("slug") if isinstance(content, dict) else None
    if isinstance(slug, str) and slug and not SLUG_PATTERN.match(slug):
        errors.append(SLUG_FORMAT)
    if errors:
        raise AuthoringError(_l("The file was not imported."), errors=errors)
    author_id = _slug_author_id(slug, user)
    test = bank.import_test(content, publish=False)
    test.author_id = author_id
    db.session.flush()
    return test


def export_file(test: Test) -> str:
    """The version as a file in the documented format."""
    return json.dumps(bank.export_test(test), ensure_ascii=False, indent=2) + "\n"

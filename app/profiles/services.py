"""Profiles: entries, goals, visibility, files and the completeness indicator. Flush, never commit."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, func, select

from app.core import prebuilt, storage
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.profiles.models import (
    AvailabilitySlot,
    CandidateProfile,
    EducationEntry,
    ExperienceEntry,
    FileKind,
    InterviewerProfile,
    SpokenLanguage,
    UploadedFile,
)
from app.profiles.uploads import CheckedFile

MAX_ENTRIES = 30
MAX_SKILLS = 30


class ProfileError(DomainError):
    """A refusal about a profile, its entries or its availability."""


# --- candidate profile -------------------------------------------------------------------------------


def candidate_profile(user) -> CandidateProfile:
    """The member's profile, created empty the first time."""
    profile = db.session.scalar(select(CandidateProfile).where(CandidateProfile.user_id == user.id))
    if profile is None:
        profile = CandidateProfile(
            user_id=user.id, skills=[], target_sectors=[], target_company_types=[], target_roles=[], visibility={}
        )
        db.session.add(profile)
        db.session.flush()
    return profile


def empty_profile() -> CandidateProfile:
    """A blank profile to show for a member who has none; never added to the session."""
    return CandidateProfile(
        headline="", skills=[], target_sectors=[], target_company_types=[], target_roles=[], visibility={}
    )


def find_candidate_profile(user_id: int) -> CandidateProfile | None:
    return db.session.scalar(select(CandidateProfile).where(CandidateProfile.user_id == user_id))


def split_list(text: str, *, limit: int, item_length: int) -> list[str]:
    """Items typed one per line or separated by commas; blanks and repeats dropped, order kept."""
    items: list[str] = []
    for raw in (text or "").replace("\n", ",").split(","):
        item = " ".join(raw.split())
        if item and item.casefold() not in {existing.casefold() for existing in items}:
            if len(item) > item_length:
                raise ProfileError(_l("Each item must have at most %(count)d characters.", count=item_length))
            items.append(item)
    if len(items) > limit:
        raise ProfileError(_l("Give at most %(count)d items.", count=limit))
    return items


def update_goals(profile: CandidateProfile, *, headline, skills, sectors, company_types, roles) -> None:
    profile.headline = headline.strip()
    profile.skills = skills
    profile.target_sectors = list(sectors)
    profile.target_company_types = list(company_types)
    profile.target_roles = roles


def set_visibility(profile: CandidateProfile, choices: dict[str, str]) -> None:
    profile.visibility = dict(choices)


def entries(model, user) -> list:
    return _entries_of(model, user.id)


def _entries_of(model, user_id: int) -> list:
    return list(db.session.scalars(select(model).where(model.user_id == user_id).order_by(model.position, model.id)))


def add_entry(model, user, **values):
    """Add an education or experience entry at the end of the member's list."""
    count = db.session.scalar(select(func.count(model.id)).where(model.user_id == user.id))
    if count >= MAX_ENTRIES:
        raise ProfileError(_l("You can add at most %(count)d entries here.", count=MAX_ENTRIES))
    highest = db.session.scalar(select(func.max(model.position)).where(model.user_id == user.id))
    entry = model(user_id=user.id, position=(highest or 0) + 1, **values)
    db.session.add(entry)
    return entry


def update_entry(entry, **values) -> None:
    for name, value in values.items():
        setattr(entry, name, value)


def move_entry(entry, direction: int) -> None:
    """Swap the entry with its neighbour above (-1) or below (+1)."""
    siblings = _entries_of(type(entry), entry.user_id)
    for position, sibling in enumerate(siblings):
        sibling.position = position
    index = next(i for i, sibling in enumerate(siblings) if sibling.id == entry.id)
    other = index + direction
    if 0 <= other < len(siblings):
        siblings[index].position, siblings[other].position = other, index


def add_language(user, language: str, level: str) -> SpokenLanguage:
    existing = db.session.scalar(
        select(SpokenLanguage).where(SpokenLanguage.user_id == user.id, SpokenLanguage.language == language)
    )
    if existing is not None:
        existing.level = level
        return existing
    spoken = SpokenLanguage(user_id=user.id, language=language, level=level)
    db.session.add(spoken)
    return spoken


def spoken_languages(user) -> list[SpokenLanguage]:
    return list(
        db.session.scalars(select(SpokenLanguage).where(SpokenLanguage.user_id == user.id).order_by(SpokenLanguage.id))
    )


# --- files -------------------------------------------------------------------------------------------


@dataclass
class FileChange:
    """Storage names to remove once the database change is committed, or to undo if it is not."""

    added: str | None = None
    removed: list[str] = field(default_factory=list)

    def after_commit(self) -> None:
        for name in self.removed:
            storage.delete(name)

    def after_rollback(self) -> None:
        if self.added:
            storage.delete(self.added)


def uploaded_file(user_id: int, kind: FileKind) -> UploadedFile | None:
    return db.session.scalar(
        select(UploadedFile).where(UploadedFile.user_id == user_id, UploadedFile.kind == kind.value)
    )


def replace_file(user, kind: FileKind, checked: CheckedFile, label: str) -> FileChange:
    """Store the new file (encrypted) and point the member's photo or CV at it; the old one goes after commit."""
    change = FileChange(added=storage.store(checked.data))
    row = uploaded_file(user.id, kind)
    if row is None:
        row = UploadedFile(user_id=user.id, kind=kind.value)
        db.session.add(row)
    else:
        change.removed.append(row.storage_name)
    row.storage_name = change.added
    row.label = label
    row.content_type = checked.content_type
    row.size = len(checked.data)
    row.uploaded_dt = utcnow()
    db.session.flush()
    return change


def delete_file(user, kind: FileKind) -> FileChange:
    row = uploaded_file(user.id, kind)
    change = FileChange()
    if row is not None:
        change.removed.append(row.storage_name)
        db.session.delete(row)
    return change


def read_file(row: UploadedFile) -> bytes:
    return storage.read(row.storage_name)


# --- interviewer profile -----------------------------------------------------------------------------


def interviewer_profile(user) -> InterviewerProfile:
    profile = db.session.scalar(select(InterviewerProfile).where(InterviewerProfile.user_id == user.id))
    if profile is None:
        profile = InterviewerProfile(
            user_id=user.id,
            former_employers=[],
            sectors=[],
            company_types=[],
            interview_types=[],
            modes=[],
            languages=[],
        )
        db.session.add(profile)
        db.session.flush()
    return profile


def availability(user) -> list[AvailabilitySlot]:
    return list(
        db.session.scalars(
            select(AvailabilitySlot)
            .where(AvailabilitySlot.user_id == user.id)
            .order_by(AvailabilitySlot.weekday, AvailabilitySlot.start_time)
        )
    )


def add_slot(user, weekday: int, start, end) -> AvailabilitySlot:
    for slot in availability(user):
        if slot.weekday == weekday and start < slot.end_time and slot.start_time < end:
            raise ProfileError(_l("This slot overlaps one you already have on that day."), "start_time")
    if len(availability(user)) >= 40:
        raise ProfileError(_l("You can add at most %(count)d slots.", count=40))
    slot = AvailabilitySlot(user_id=user.id, weekday=weekday, start_time=start, end_time=end)
    db.session.add(slot)
    return slot


# --- completeness ------------------------------------------------------------------------------------


@dataclass
class Completeness:
    done: int
    total: int
    missing: list

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100


@dataclass(frozen=True)
class PartsPresent:
    """Which of the profile's other parts the member has: all completeness needs to know of them."""

    education: bool
    experience: bool
    languages: bool
    cv: bool
    photo: bool


def _any_row(model, *where):
    return select(model.id).where(model.user_id == bindparam("user_id"), *where).exists()


_PARTS_PRESENT = select(
    _any_row(EducationEntry),
    _any_row(ExperienceEntry),
    _any_row(SpokenLanguage),
    _any_row(UploadedFile, UploadedFile.kind == FileKind.CV.value),
    _any_row(UploadedFile, UploadedFile.kind == FileKind.PHOTO.value),
)


def parts_present(user_id: int) -> PartsPresent:
    """One statement of EXISTS tests, for a page that shows none of these parts."""
    return PartsPresent(*(bool(value) for value in prebuilt.one(_PARTS_PRESENT, user_id=user_id)))


#: What `completeness` reads of the profile, beside the EXISTS tests: the home page's one statement about it.
_COMPLETENESS_COLUMNS = (
    CandidateProfile.headline,
    CandidateProfile.skills,
    CandidateProfile.target_sectors,
    CandidateProfile.target_company_types,
    CandidateProfile.target_roles,
)
_PROFILE_AND_PARTS = select(*_COMPLETENESS_COLUMNS, *_PARTS_PRESENT.selected_columns).where(
    CandidateProfile.user_id == bindparam("user_id")
)


def completeness_of(user_id: int) -> Completeness | None:
    """The member's profile completeness, None when she has no profile yet, from one statement of plain
    columns (the home page shows only this: loading the profile as an object cost more than the rest)."""
    found = prebuilt.rows(_PROFILE_AND_PARTS, user_id=user_id)
    if not found:
        return None
    row = found[0]
    parts = PartsPresent(*(bool(value) for value in row[len(_COMPLETENESS_COLUMNS) :]))
    return completeness(row, parts)


def completeness(profile, parts: PartsPresent) -> Completeness:
    """What the profile has, and what is still missing for good matching, in the order that matters most.
    `profile`: a CandidateProfile, or a row of its `_COMPLETENESS_COLUMNS`."""
    checks = [
        (
            bool(profile.target_sectors and profile.target_company_types),
            _l("Choose the sectors and kinds of company you aim at: matching relies on them most."),
        ),
        (bool(profile.target_roles), _l("Name the roles you are preparing for.")),
        (parts.education, _l("Add your education.")),
        (parts.experience, _l("Add an experience (an internship counts).")),
        (len(profile.skills) >= 3, _l("List at least three skills.")),
        (parts.languages, _l("Say which languages you speak, so that we find an interviewer in yours.")),
        (bool(profile.headline), _l("Write a headline that sums up your goal.")),
        (parts.cv, _l("Upload your CV, so that your interviewer can prepare.")),
        (parts.photo, _l("Add a photo (optional, but it helps your interviewer).")),
    ]
    return Completeness(
        done=sum(ok for ok, _ in checks), total=len(checks), missing=[text for ok, text in checks if not ok]
    )


def years_choices() -> range:
    this_year = date.today().year
    return range(this_year + 8, 1949, -1)

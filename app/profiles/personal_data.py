"""Personal data that profiles store: the candidate profile and its entries, the interviewer profile and
availability, and the uploaded photo and CV (encrypted files)."""

from babel.dates import get_day_names
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from app.core import prebuilt, storage
from app.core.personal_data import erases_rows, member_rows, member_table_entry
from app.core.registry import LegalBasis, PersonalDataEntry, register
from app.core.values import labels_of, language_name, record_labels
from app.extensions import db
from app.profiles.choices import CompanyType, InterviewType, LanguageLevel, Mode, Section, Sector, Visibility
from app.profiles.models import (
    AvailabilitySlot,
    CandidateProfile,
    EducationEntry,
    ExperienceEntry,
    InterviewerProfile,
    SpokenLanguage,
    UploadedFile,
)

RECIPIENTS = (
    _l("Interviewers you invite for an interview request, and the one who accepts it (the sections you share)"),
    _l("Employers that assigned you a test (the sections you share), unless you restrict processing"),
)
UNTIL_ERASED = _l("As long as your account exists; you can delete it at any time")


def _month(value):
    return value.strftime("%Y-%m") if value else None


def _spoken(rows: list[dict]) -> list[str]:
    """The languages as the dashboard writes them: "English, Advanced (C1)"."""
    level = labels_of(LanguageLevel)
    return [f"{language_name(row['language'])}, {level(row['level'])}" for row in rows]


#: Built once (app.core.prebuilt): the privacy dashboard reads both on every view.
_PROFILE_EXPORT = select(
    CandidateProfile.headline,
    CandidateProfile.skills,
    CandidateProfile.target_sectors,
    CandidateProfile.target_company_types,
    CandidateProfile.target_roles,
    CandidateProfile.visibility,
).where(CandidateProfile.user_id == bindparam("member_id"))
_SPOKEN_EXPORT = (
    select(SpokenLanguage.language, SpokenLanguage.level)
    .where(SpokenLanguage.user_id == bindparam("member_id"))
    .order_by(SpokenLanguage.id)
)


def export_candidate_profile(user) -> dict:
    found = prebuilt.rows(_PROFILE_EXPORT, member_id=user.id)
    if not found:
        return {}
    spoken = prebuilt.rows(_SPOKEN_EXPORT, member_id=user.id)
    return found[0]._asdict() | {"languages": [{"language": row.language, "level": row.level} for row in spoken]}


register(
    PersonalDataEntry(
        key="candidate_profile",
        category=_l("Profile: headline, skills, languages, goals, and who sees each section"),
        purpose=_l("Finding interviewers suited to your profile and goal; showing your profile to them"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=RECIPIENTS,
        retention=UNTIL_ERASED,
        tables=("candidate_profile", "spoken_language"),
        export=export_candidate_profile,
        erase=erases_rows(SpokenLanguage, CandidateProfile),
        order=20,
        extra={
            "edit_endpoint": "profiles.profile",
            # How the dashboard writes the stored codes (app.core.values).
            "words": {
                "target_sectors": labels_of(Sector),
                "target_company_types": labels_of(CompanyType),
                "visibility": record_labels(Section, Visibility),
                "languages": _spoken,
            },
            "labels": {
                "headline": _l("Headline"),
                "skills": _l("Skills"),
                "target_sectors": _l("Sectors you aim at"),
                "target_company_types": _l("Kinds of company you aim at"),
                "target_roles": _l("Roles you are preparing for"),
                "visibility": _l("Who sees each section"),
                "languages": _l("Languages"),
            },
        },
    )
)


def _education_row(row: EducationEntry) -> dict:
    return {
        "school": row.school,
        "degree": row.degree,
        "field": row.field,
        "start_year": row.start_year,
        "end_year": row.end_year,
        "grade": row.grade,
    }


register(
    member_table_entry(
        EducationEntry,
        to_row=_education_row,
        order_by=(EducationEntry.position, EducationEntry.id),  # as the member ordered them
        key="education",
        extra={"edit_endpoint": "profiles.profile"},
        category=_l("Education"),
        purpose=_l("Finding interviewers suited to your profile and goal; showing your profile to them"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=RECIPIENTS,
        retention=UNTIL_ERASED,
        order=21,
    )
)


def _experience_row(row: ExperienceEntry) -> dict:
    return {
        "employer": row.employer,
        "title": row.title,
        "start": _month(row.start_month),
        "end": _month(row.end_month),
        "description": row.description,
    }


register(
    member_table_entry(
        ExperienceEntry,
        to_row=_experience_row,
        order_by=(ExperienceEntry.position, ExperienceEntry.id),
        key="experience",
        extra={"edit_endpoint": "profiles.profile"},
        category=_l("Work experience"),
        purpose=_l("Finding interviewers suited to your profile and goal; showing your profile to them"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=RECIPIENTS,
        retention=UNTIL_ERASED,
        order=22,
    )
)


def _uploads(user) -> list[UploadedFile]:
    return list(member_rows(UploadedFile, user))


def _upload_row(row: UploadedFile) -> dict:
    return {
        "kind": row.kind,
        "name": row.label,
        "type": row.content_type,
        "size": row.size,
        "uploaded": row.uploaded_dt.isoformat(),
    }


def upload_files(user):
    """The photo and CV, decrypted, for the export."""
    for row in _uploads(user):
        extension = {"image/jpeg": "jpg", "application/pdf": "pdf"}.get(row.content_type, "docx")
        yield f"{row.kind}.{extension}", storage.read(row.storage_name)


def erase_uploads(user) -> int:
    rows = _uploads(user)
    for row in rows:
        storage.delete(row.storage_name)
        db.session.delete(row)
    return len(rows)


register(
    member_table_entry(
        UploadedFile,
        to_row=_upload_row,
        key="uploads",
        # With labels, the dashboard lists the files: their name, size and when they came.
        extra={
            "edit_endpoint": "profiles.profile",
            "labels": {"name": _l("File"), "size": _l("Size"), "uploaded": _l("Uploaded")},
        },
        category=_l("Your photo and CV (stored encrypted)"),
        purpose=_l("Letting your interviewer prepare; showing your photo to the people you work with"),
        legal_basis=LegalBasis.CONSENT,
        recipients=RECIPIENTS,
        retention=UNTIL_ERASED,
        files=upload_files,
        erase=erase_uploads,
        order=23,
    )
)


def _weekly(slots: list[dict]) -> list[str]:
    """The weekly availability as the dashboard writes it: "Tuesday, 18:00–22:00" in the reader's language."""
    days = get_day_names("wide", locale=get_locale())
    return [f"{days[slot['weekday']].capitalize()}, {slot['from']}–{slot['to']}" for slot in slots]


def export_interviewer_profile(user) -> dict:
    profile = db.session.scalar(select(InterviewerProfile).where(InterviewerProfile.user_id == user.id))
    if profile is None:
        return {}
    return {
        "bio": profile.bio,
        "current_employer": profile.current_employer,
        "former_employers": profile.former_employers,
        "sectors": profile.sectors,
        "company_types": profile.company_types,
        "interview_types": profile.interview_types,
        "modes": profile.modes,
        "city": profile.city,
        "languages": profile.languages,
        "weekly_capacity": profile.weekly_capacity,
        "accepting_requests": profile.is_accepting,
        "availability": [
            {
                "weekday": slot.weekday,
                "from": slot.start_time.isoformat("minutes"),
                "to": slot.end_time.isoformat("minutes"),
            }
            for slot in member_rows(AvailabilitySlot, user)
        ],
    }


register(
    PersonalDataEntry(
        key="interviewer_profile",
        category=_l("Interviewer profile: background, expertise, languages, availability"),
        purpose=_l("Proposing you to candidates whose request fits your expertise and availability"),
        legal_basis=LegalBasis.CONTRACT,
        recipients=(_l("Candidates whose requests you are matched with"),),
        retention=UNTIL_ERASED,
        tables=("interviewer_profile", "availability_slot"),
        export=export_interviewer_profile,
        erase=erases_rows(AvailabilitySlot, InterviewerProfile),
        order=30,
        extra={
            "edit_endpoint": "profiles.interviewer_profile",
            "words": {
                "sectors": labels_of(Sector),
                "company_types": labels_of(CompanyType),
                "interview_types": labels_of(InterviewType),
                "modes": labels_of(Mode),
                "availability": _weekly,
            },
            "labels": {
                "bio": _l("About you"),
                "current_employer": _l("Current employer"),
                "former_employers": _l("Former employers"),
                "sectors": _l("Sectors you know"),
                "company_types": _l("Kinds of company you know"),
                "interview_types": _l("Interviews you run"),
                "modes": _l("How you run them"),
                "city": _l("City for face-to-face interviews"),
                "languages": _l("Languages you interview in"),
                "weekly_capacity": _l("Sessions you accept per week"),
                "accepting_requests": _l("I am accepting new requests"),
                "availability": _l("Weekly availability"),
            },
        },
    )
)

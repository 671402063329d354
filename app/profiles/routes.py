"""Profile pages: the candidate's own profile and its sections, uploads, the interviewer profile,
and another member's profile and files for those allowed to see them."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.permissions import role_required
from app.core.access_log import AccessedData, record_access
from app.core.errors import found_or_404
from app.core.forms import commit_or_show_refusal
from app.core.security import form_checks_csrf
from app.core.storage import clean_label
from app.extensions import db
from app.profiles import services
from app.profiles.access import viewing_reason
from app.profiles.blueprint import bp
from app.profiles.choices import Section
from app.profiles.forms import (
    CvForm,
    DeleteForm,
    EducationForm,
    ExperienceForm,
    GoalsForm,
    InterviewerProfileForm,
    LanguageForm,
    PhotoForm,
    SlotForm,
    visibility_form_class,
)
from app.profiles.models import AvailabilitySlot, EducationEntry, ExperienceEntry, FileKind, SpokenLanguage
from app.profiles.uploads import UploadRejected, check_cv, clean_photo

ENTRY_KINDS = {
    "education": (EducationEntry, EducationForm, ("school", "degree", "field", "start_year", "end_year", "grade")),
    "experience": (ExperienceEntry, ExperienceForm, ("employer", "title", "start_month", "end_month", "description")),
}


def _own_entry_or_404(model, public_id: str):
    return db.first_or_404(select(model).where(model.public_id == public_id, model.user_id == current_user.id))


def _render_profile(**forms):
    user = current_user
    profile = services.candidate_profile(user)
    parts = {
        "education": services.entries(EducationEntry, user),
        "experience": services.entries(ExperienceEntry, user),
        "languages": services.spoken_languages(user),
        "cv": services.uploaded_file(user.id, FileKind.CV),
        "photo": services.uploaded_file(user.id, FileKind.PHOTO),
    }
    present = services.PartsPresent(**{name: bool(value) for name, value in parts.items()})
    context = {
        "profile": profile,
        **parts,
        "completeness": services.completeness(profile, present),
        "language_form": forms.get("language_form") or LanguageForm(),
        "photo_form": forms.get("photo_form") or PhotoForm(),
        "cv_form": forms.get("cv_form") or CvForm(visibility=profile.visibility_of(Section.CV).value),
        "action_form": DeleteForm(),
        "Section": Section,
    }
    return render_template("profiles/profile.html", **context), forms.get("status", 200)


@bp.route("/profile")
@role_required(Role.CANDIDATE)
def profile():
    """The member's own profile, with what is missing for good matching."""
    page = _render_profile()
    db.session.commit()  # the profile row is created on first visit
    return page


@bp.route("/profile/goals", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def edit_goals():
    """Headline, skills, and the sectors, companies and roles the member aims at."""
    profile = services.candidate_profile(current_user)
    form = GoalsForm()
    if request.method == "GET":
        form.headline.data = profile.headline
        form.skills.data = ", ".join(profile.skills)
        form.target_sectors.data = profile.target_sectors
        form.target_company_types.data = profile.target_company_types
        form.target_roles.data = ", ".join(profile.target_roles)
    if form.validate_on_submit():
        try:
            skills = services.split_list(form.skills.data, limit=services.MAX_SKILLS, item_length=60)
        except services.ProfileError as error:
            form.skills.errors = [str(error.message)]
        try:
            roles = services.split_list(form.target_roles.data, limit=10, item_length=100)
        except services.ProfileError as error:
            form.target_roles.errors = [str(error.message)]
        if not (form.skills.errors or form.target_roles.errors):
            services.update_goals(
                profile,
                headline=form.headline.data or "",
                skills=skills,
                sectors=form.target_sectors.data,
                company_types=form.target_company_types.data,
                roles=roles,
            )
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("profiles.profile"))
    db.session.rollback()
    return render_template("profiles/edit_goals.html", form=form)


@bp.route("/profile/<any(education, experience):kind>/new", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def add_entry(kind: str):
    """Add an education or experience entry."""
    model, form_class, fields = ENTRY_KINDS.get(kind) or abort(404)
    form = form_class()
    if form.validate_on_submit() and commit_or_show_refusal(
        form,
        lambda: services.add_entry(model, current_user, **_entry_values(form, fields)),
        services.ProfileError,
        rollback=False,
    ):
        flash(_("The entry is added."), "success")
        return redirect(url_for("profiles.profile", _anchor=kind))
    return render_template("profiles/edit_entry.html", form=form, kind=kind, entry=None)


@bp.route("/profile/<any(education, experience):kind>/<public_id>/edit", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def edit_entry(kind: str, public_id: str):
    """Change one of the member's own entries; another member's entry is not found."""
    model, form_class, fields = ENTRY_KINDS.get(kind) or abort(404)
    entry = _own_entry_or_404(model, public_id)
    form = form_class(obj=entry)
    if form.validate_on_submit():
        services.update_entry(entry, **_entry_values(form, fields))
        db.session.commit()
        flash(_("The entry is saved."), "success")
        return redirect(url_for("profiles.profile", _anchor=kind))
    return render_template("profiles/edit_entry.html", form=form, kind=kind, entry=entry)


def _entry_values(form, fields) -> dict:
    values = {name: getattr(form, name).data for name in fields}
    return {name: (value.strip() if isinstance(value, str) else value) for name, value in values.items()}


@bp.route("/profile/<any(education, experience):kind>/<public_id>/delete", methods=["POST"])
@role_required(Role.CANDIDATE)
def delete_entry(kind: str, public_id: str):
    """Delete one of the member's own entries."""
    model = (ENTRY_KINDS.get(kind) or abort(404))[0]
    db.session.delete(_own_entry_or_404(model, public_id))
    db.session.commit()
    flash(_("The entry is deleted."), "success")
    return redirect(url_for("profiles.profile", _anchor=kind))


@bp.route("/profile/<any(education, experience):kind>/<public_id>/move/<direction>", methods=["POST"])
@role_required(Role.CANDIDATE)
def move_entry(kind: str, public_id: str, direction: str):
    """Move an entry up or down the member's list."""
    model = (ENTRY_KINDS.get(kind) or abort(404))[0]
    if direction not in {"up", "down"}:
        abort(404)
    services.move_entry(_own_entry_or_404(model, public_id), -1 if direction == "up" else 1)
    db.session.commit()
    return redirect(url_for("profiles.profile", _anchor=kind))


@bp.route("/profile/languages", methods=["POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def add_language():
    """Add a spoken language, or change its level."""
    form = LanguageForm()
    if not form.validate_on_submit():
        return _render_profile(language_form=form, status=400)
    services.add_language(current_user, form.language.data, form.level.data)
    db.session.commit()
    flash(_("Your languages are saved."), "success")
    return redirect(url_for("profiles.profile", _anchor="languages"))


@bp.route("/profile/languages/<public_id>/delete", methods=["POST"])
@role_required(Role.CANDIDATE)
def delete_language(public_id: str):
    db.session.delete(_own_entry_or_404(SpokenLanguage, public_id))
    db.session.commit()
    flash(_("The language is removed."), "success")
    return redirect(url_for("profiles.profile", _anchor="languages"))


@bp.route("/profile/visibility", methods=["GET", "POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def edit_visibility():
    """Choose, section by section, who sees the profile."""
    profile = services.candidate_profile(current_user)
    form = visibility_form_class()()
    if request.method == "GET":
        for section in Section:
            getattr(form, section.value).data = profile.visibility_of(section).value
    if form.validate_on_submit():
        services.set_visibility(profile, {section.value: getattr(form, section.value).data for section in Section})
        db.session.commit()
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("profiles.profile"))
    db.session.rollback()
    return render_template("profiles/visibility.html", form=form, Section=Section)


# --- photo and CV ------------------------------------------------------------------------------------


def _save_upload(kind: FileKind, checked, label: str, visibility: str | None = None) -> None:
    """Commit the new file; the old one is removed from disk only once the change is safe."""
    change = services.replace_file(current_user, kind, checked, label)
    if visibility is not None:
        profile = services.candidate_profile(current_user)
        profile.visibility = {**profile.visibility, Section.CV.value: visibility}
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        change.after_rollback()
        raise
    change.after_commit()


@bp.route("/profile/photo", methods=["POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def upload_photo():
    """Upload or replace the photo: decoded, re-encoded without metadata, resized."""
    form = PhotoForm()
    if form.validate_on_submit():
        try:
            checked = clean_photo(form.photo.data.read())
        except UploadRejected as error:
            form.photo.errors = [str(error.message)]
        else:
            _save_upload(FileKind.PHOTO, checked, clean_label(form.photo.data.filename, "photo.jpg"))
            flash(_("Your photo is saved."), "success")
            return redirect(url_for("profiles.profile", _anchor="files"))
    return _render_profile(photo_form=form, status=400)


@bp.route("/profile/cv", methods=["POST"])
@role_required(Role.CANDIDATE)
@form_checks_csrf
def upload_cv():
    """Upload or replace the CV, checked by its content and stored encrypted."""
    form = CvForm()
    if form.validate_on_submit():
        try:
            checked = check_cv(form.cv.data.read())
        except UploadRejected as error:
            form.cv.errors = [str(error.message)]
        else:
            label = clean_label(form.cv.data.filename, f"cv.{checked.extension}")
            _save_upload(FileKind.CV, checked, label, visibility=form.visibility.data)
            flash(_("Your CV is saved."), "success")
            return redirect(url_for("profiles.profile", _anchor="files"))
    return _render_profile(cv_form=form, status=400)


@bp.route("/profile/<any(photo, cv):kind>/delete", methods=["POST"])
@role_required(Role.CANDIDATE)
def delete_upload(kind: str):
    """Delete the photo or CV: the row goes, then the file leaves the disk."""
    change = services.delete_file(current_user, FileKind(kind))
    db.session.commit()
    change.after_commit()
    flash(_("The file is deleted."), "success")
    return redirect(url_for("profiles.profile", _anchor="files"))


def _allowed_reason_or_404(member: User):
    """The owner, or someone with a reason to see this member's data; anyone else gets 404."""
    if member.id == current_user.id:
        return None
    return found_or_404(viewing_reason(current_user, member))


@bp.route("/members/<public_id>/files/<any(photo, cv):kind>")
@login_required
def download_file(public_id: str, kind: str):
    """A member's photo or CV, for those allowed to see it; each view by someone else is logged."""
    member = db.first_or_404(select(User).where(User.public_id == public_id))
    reason = _allowed_reason_or_404(member)
    file_kind = FileKind(kind)
    section = Section.PHOTO if file_kind == FileKind.PHOTO else Section.CV
    row = services.uploaded_file(member.id, file_kind)
    profile = services.find_candidate_profile(member.id)
    if row is None or (reason and reason.value != "admin_review" and profile and not profile.is_shared(section)):
        abort(404)
    data = services.read_file(row)
    if reason:
        record_access(owner_id=member.id, viewer=current_user, what=AccessedData(kind), why=reason)
        db.session.commit()
    extension = "jpg" if file_kind == FileKind.PHOTO else row.label.rsplit(".", 1)[-1].lower()
    filename = f"{kind}-{member.public_id[:8]}.{extension if extension in {'jpg', 'pdf', 'docx'} else 'bin'}"
    return Response(
        data,
        mimetype=row.content_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "X-Content-Type-Options": "nosniff"},
    )


@bp.route("/members/<public_id>/profile")
@login_required
def view_member(public_id: str):
    """Another member's profile as they chose to share it; the view is logged for them."""
    member = db.first_or_404(select(User).where(User.public_id == public_id))
    if member.id == current_user.id:
        return redirect(url_for("profiles.profile"))
    reason = _allowed_reason_or_404(member)
    profile = services.find_candidate_profile(member.id) or services.empty_profile()  # viewing creates nothing
    is_admin_view = reason.value == "admin_review"

    def shown(section):
        return is_admin_view or profile.is_shared(section)

    record_access(owner_id=member.id, viewer=current_user, what=AccessedData.PROFILE, why=reason)
    page = render_template(
        "profiles/view.html",
        member=member,
        profile=profile,
        shown=shown,
        Section=Section,
        reason=reason,
        education=services.entries(EducationEntry, member) if shown(Section.EDUCATION) else [],
        experience=services.entries(ExperienceEntry, member) if shown(Section.EXPERIENCE) else [],
        languages=services.spoken_languages(member) if shown(Section.LANGUAGES) else [],
        photo=services.uploaded_file(member.id, FileKind.PHOTO) if shown(Section.PHOTO) else None,
        cv=services.uploaded_file(member.id, FileKind.CV) if shown(Section.CV) else None,
    )
    db.session.commit()
    return page


# --- interviewer profile -----------------------------------------------------------------------------


@bp.route("/interviewer-profile", methods=["GET", "POST"])
@role_required(Role.INTERVIEWER)
@form_checks_csrf
def interviewer_profile():
    """What the interviewer offers and when; matching reads it."""
    profile = services.interviewer_profile(current_user)
    form = InterviewerProfileForm(obj=profile)
    if request.method == "GET":
        form.former_employers.data = ", ".join(profile.former_employers)
    if form.validate_on_submit():
        try:
            former = services.split_list(form.former_employers.data, limit=20, item_length=160)
        except services.ProfileError as error:
            form.former_employers.errors = [str(error.message)]
        else:
            for name in ("bio", "current_employer", "city"):
                setattr(profile, name, (getattr(form, name).data or "").strip())
            for name in ("sectors", "company_types", "interview_types", "modes", "languages"):
                setattr(profile, name, list(getattr(form, name).data or []))
            profile.former_employers = former
            profile.weekly_capacity = form.weekly_capacity.data
            profile.is_accepting = form.is_accepting.data
            db.session.commit()
            flash(_("Your interviewer profile is saved."), "success")
            return redirect(url_for("profiles.interviewer_profile"))
    page = render_template(
        "profiles/interviewer.html",
        form=form,
        slot_form=SlotForm(),
        slots=services.availability(current_user),
        action_form=DeleteForm(),
    )
    db.session.commit()
    return page


@bp.route("/interviewer-profile/slots", methods=["POST"])
@role_required(Role.INTERVIEWER)
@form_checks_csrf
def add_slot():
    """Add a weekly availability slot, in the interviewer's time zone."""
    form = SlotForm()
    if form.validate_on_submit():
        try:
            services.add_slot(current_user, form.weekday.data, form.start_time.data, form.end_time.data)
        except services.ProfileError as error:
            form.start_time.errors = [str(error.message)]
        else:
            db.session.commit()
            flash(_("The slot is added."), "success")
            return redirect(url_for("profiles.interviewer_profile", _anchor="availability"))
    profile = services.interviewer_profile(current_user)
    return (
        render_template(
            "profiles/interviewer.html",
            form=InterviewerProfileForm(obj=profile, formdata=None),
            slot_form=form,
            slots=services.availability(current_user),
            action_form=DeleteForm(),
        ),
        400,
    )


@bp.route("/interviewer-profile/slots/<public_id>/delete", methods=["POST"])
@role_required(Role.INTERVIEWER)
def delete_slot(public_id: str):
    db.session.delete(_own_entry_or_404(AvailabilitySlot, public_id))
    db.session.commit()
    flash(_("The slot is removed."), "success")
    return redirect(url_for("profiles.interviewer_profile", _anchor="availability"))

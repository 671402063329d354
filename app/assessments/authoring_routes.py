"""Authoring pages: test authors write, preview, publish, import and export their tests; admins manage all.

Every object is loaded through `authoring.find_*`, so another author's test or item answers 404. A published
version never changes: its edit routes send the author to its preview with a message.
"""

from functools import wraps

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.utils import secure_filename

from app.assessments import authoring
from app.assessments.authoring import AuthoringError
from app.assessments.authoring_forms import (
    ActionForm,
    EditTestForm,
    ImportForm,
    ItemForm,
    SectionForm,
    TestForm,
    format_number,
    item_type_labels,
)
from app.assessments.blueprint import bp
from app.assessments.forms import agreement_choices
from app.assessments.models import ItemKind, localised
from app.auth.models import Role
from app.auth.permissions import admin_required, role_required
from app.core.errors import found_or_404
from app.core.forms import commit_or_show_refusal, flash_domain_error, show_domain_error
from app.core.i18n import current_language
from app.core.security import form_checks_csrf
from app.extensions import db, limiter

LANGUAGES = ("fr", "en")


def author_required(view):
    """Test authors; admins too, with their two-step verification checked as on every admin page."""
    as_admin = admin_required(view)

    @wraps(view)
    @role_required(Role.TEST_AUTHOR, Role.ADMIN)
    def wrapped(*args, **kwargs):
        if current_user.has_role(Role.TEST_AUTHOR):
            return view(*args, **kwargs)
        return as_admin(*args, **kwargs)

    return wrapped


def _leave_if_published(test) -> None:
    """A published version is read-only: say so and show its preview instead."""
    if test.is_published:
        flash(str(authoring.PUBLISHED_NEVER_CHANGES), "error")
        abort(redirect(url_for("assessments.preview_test", public_id=test.public_id)))


def _draft_or_404(public_id: str):
    test = found_or_404(authoring.find_test(current_user, public_id))
    _leave_if_published(test)
    return test


def _draft_item_or_404(public_id: str):
    item = found_or_404(authoring.find_item(current_user, public_id))
    _leave_if_published(item.test)
    return item


def _direction_or_404(direction: str) -> str:
    if direction not in authoring.DIRECTIONS:
        abort(404)
    return direction


def _refused(error: AuthoringError, test):
    """A service refused a change (the page was stale): nothing changed; back to the test with the reason."""
    flash_domain_error(error)
    target = "assessments.preview_test" if test.is_published else "assessments.edit_test"
    return redirect(url_for(target, public_id=test.public_id))


# --- list, create, import -----------------------------------------------------------------------------


@bp.route("/authoring/")
@author_required
def authoring_index():
    """The member's tests (all tests for an admin), each slug with its versions."""
    return render_template(
        "assessments/authoring/index.html",
        families=authoring.authored_tests(current_user),
        action_form=ActionForm(),
    )


@bp.route("/authoring/new", methods=["GET", "POST"])
@author_required
@form_checks_csrf
def create_test():
    """A new test, or a new draft version of one of the author's tests (same short name)."""
    form = TestForm()
    if form.validate_on_submit():
        try:
            test = authoring.create_test(current_user, form.settings())
        except AuthoringError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Version %(version)d of the test is created as a draft.", version=test.version), "success")
            return redirect(url_for("assessments.edit_test", public_id=test.public_id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("assessments/authoring/new.html", form=form), status


@bp.route("/authoring/import", methods=["GET", "POST"])
@author_required
@limiter.limit("30 per hour", methods=["POST"])
@form_checks_csrf
def import_test_file():
    """Upload a test file: a bad file lists every problem and imports nothing; a good one makes a draft."""
    form = ImportForm()
    problems = []
    if form.validate_on_submit():
        data = form.file.data.read(authoring.MAX_FILE_BYTES + 1)
        try:
            test = authoring.import_file(current_user, data)
        except AuthoringError as error:
            db.session.rollback()
            problems = [str(problem) for problem in error.errors] or [str(error.message)]
        else:
            db.session.commit()
            flash(_("The file is imported as a draft (version %(version)d).", version=test.version), "success")
            return redirect(url_for("assessments.edit_test", public_id=test.public_id))
    status = 400 if request.method == "POST" else 200
    return render_template("assessments/authoring/import.html", form=form, problems=problems), status


# --- one version --------------------------------------------------------------------------------------


def _render_edit(test, *, form=None, section_forms=None, new_section_form=None, status=200):
    numbers = authoring.numbered_items(test)
    section_forms = section_forms or {}
    for section in test.sections:
        if section.id not in section_forms:
            section_forms[section.id] = SectionForm(
                prefix=f"section-{section.id}",
                formdata=None,
                data={"title_fr": section.title.get("fr", ""), "title_en": section.title.get("en", "")},
            )
    if form is None:
        form = EditTestForm(formdata=None)
        form.fill_from(test)
    return (
        render_template(
            "assessments/authoring/edit.html",
            test=test,
            form=form,
            section_forms=section_forms,
            new_section_form=new_section_form or SectionForm(prefix="new-section", formdata=None),
            action_form=ActionForm(),
            items_by_section={
                section.id: [(numbers[item.id], item) for item in test.items if item.section_id == section.id]
                for section in test.sections
            },
            type_labels=item_type_labels(),
            problems=[str(problem) for problem in authoring.publication_errors(test)],
        ),
        status,
    )


@bp.route("/authoring/<public_id>/edit", methods=["GET", "POST"])
@author_required
@form_checks_csrf
def edit_test(public_id: str):
    """A draft: its settings, sections and items, and what is still missing before it can be published."""
    test = _draft_or_404(public_id)
    if request.method == "GET":
        return _render_edit(test)
    form = EditTestForm()
    if form.validate_on_submit() and commit_or_show_refusal(
        form, lambda: authoring.update_test(test, form.settings()), AuthoringError
    ):
        flash(_("The test settings are saved."), "success")
        return redirect(url_for("assessments.edit_test", public_id=public_id))
    return _render_edit(test, form=form, status=400)


@bp.route("/authoring/<public_id>/sections", methods=["POST"])
@author_required
@form_checks_csrf
def add_section(public_id: str):
    """Add a section at the end of the draft."""
    test = _draft_or_404(public_id)
    form = SectionForm(prefix="new-section")
    if not form.validate_on_submit():
        return _render_edit(test, new_section_form=form, status=400)
    try:
        authoring.add_section(test, form.title())
    except AuthoringError as error:
        return _refused(error, test)
    db.session.commit()
    flash(_("The section is added."), "success")
    return redirect(url_for("assessments.edit_test", public_id=public_id))


@bp.route("/authoring/<public_id>/sections/<int:section_id>", methods=["POST"])
@author_required
@form_checks_csrf
def rename_section(public_id: str, section_id: int):
    """Change a section's titles."""
    test = _draft_or_404(public_id)
    section = found_or_404(authoring.find_section(test, section_id))
    form = SectionForm(prefix=f"section-{section.id}")
    if not form.validate_on_submit():
        return _render_edit(test, section_forms={section.id: form}, status=400)
    try:
        authoring.rename_section(section, form.title())
    except AuthoringError as error:
        return _refused(error, test)
    db.session.commit()
    flash(_("The section is saved."), "success")
    return redirect(url_for("assessments.edit_test", public_id=public_id))


@bp.route("/authoring/<public_id>/sections/<int:section_id>/delete", methods=["POST"])
@author_required
def delete_section(public_id: str, section_id: int):
    """Delete an empty section."""
    test = _draft_or_404(public_id)
    section = found_or_404(authoring.find_section(test, section_id))
    try:
        authoring.delete_section(section)
    except AuthoringError as error:
        return _refused(error, test)
    db.session.commit()
    flash(_("The section is deleted."), "success")
    return redirect(url_for("assessments.edit_test", public_id=public_id))


@bp.route("/authoring/<public_id>/sections/<int:section_id>/move/<direction>", methods=["POST"])
@author_required
def move_section(public_id: str, section_id: int, direction: str):
    """Move a section one place up or down."""
    test = _draft_or_404(public_id)
    section = found_or_404(authoring.find_section(test, section_id))
    try:
        authoring.move_section(section, _direction_or_404(direction))
    except AuthoringError as error:
        return _refused(error, test)
    db.session.commit()
    return redirect(url_for("assessments.edit_test", public_id=public_id, _anchor=f"section-{section.id}"))


def _item_form(test, item_type: str, *, item=None) -> ItemForm:
    if request.method == "POST":
        return ItemForm(item_type, test.traits, current_language())
    form = ItemForm(item_type, test.traits, current_language(), formdata=None)
    if item is not None:
        form.fill_from(item)
    return form


def _render_item(test, form, *, section, item=None, number=None, status=200):
    return (
        render_template(
            "assessments/authoring/item.html",
            test=test,
            form=form,
            section=section,
            item=item,
            number=number,
            type_label=item_type_labels()[form.item_type],
        ),
        status,
    )


@bp.route("/authoring/<public_id>/sections/<int:section_id>/items/new", methods=["GET", "POST"])
@author_required
@form_checks_csrf
def add_item(public_id: str, section_id: int):
    """Add an item of the type chosen (?type=single, multiple, numeric or agreement) to a section."""
    test = _draft_or_404(public_id)
    section = found_or_404(authoring.find_section(test, section_id))
    item_type = request.args.get("type", "")
    if item_type not in ItemKind._value2member_map_:
        abort(404)
    form = _item_form(test, item_type)
    if form.validate_on_submit():
        try:
            item = authoring.add_item(section, form.content())
        except AuthoringError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The item is added."), "success")
            return redirect(url_for("assessments.edit_test", public_id=public_id, _anchor=f"item-{item.public_id}"))
    return _render_item(test, form, section=section, status=400 if request.method == "POST" else 200)


@bp.route("/authoring/items/<public_id>", methods=["GET", "POST"])
@author_required
@form_checks_csrf
def edit_item(public_id: str):
    """Change an item of a draft; its type stays (delete it and add another to change the type)."""
    item = _draft_item_or_404(public_id)
    test = item.test
    form = _item_form(test, item.type, item=item)
    if form.validate_on_submit() and commit_or_show_refusal(
        form, lambda: authoring.update_item(item, form.content()), AuthoringError
    ):
        flash(_("The item is saved."), "success")
        return redirect(url_for("assessments.edit_test", public_id=test.public_id, _anchor=f"item-{public_id}"))
    number = authoring.numbered_items(test)[item.id]
    status = 400 if request.method == "POST" else 200
    return _render_item(test, form, section=item.section, item=item, number=number, status=status)


@bp.route("/authoring/items/<public_id>/delete", methods=["POST"])
@author_required
def delete_item(public_id: str):
    """Delete an item of a draft."""
    item = _draft_item_or_404(public_id)
    test = item.test
    try:
        authoring.delete_item(item)
    except AuthoringError as error:
        return _refused(error, test)
    db.session.commit()
    flash(_("The item is deleted."), "success")
    return redirect(url_for("assessments.edit_test", public_id=test.public_id))


@bp.route("/authoring/items/<public_id>/move/<direction>", methods=["POST"])
@author_required
def move_item(public_id: str, direction: str):
    """Move an item one place up or down (into the neighbouring section at the edge of its own)."""
    item = _draft_item_or_404(public_id)
    test = item.test
    try:
        authoring.move_item(item, _direction_or_404(direction))
    except AuthoringError as error:
        return _refused(error, test)
    db.session.commit()
    return redirect(url_for("assessments.edit_test", public_id=test.public_id, _anchor=f"item-{public_id}"))


@bp.route("/authoring/<public_id>/publish", methods=["POST"])
@author_required
def publish_test(public_id: str):
    """Publish a complete draft; an incomplete one stays a draft and its edit page lists the problems."""
    test = _draft_or_404(public_id)
    try:
        authoring.publish(test)
    except AuthoringError as error:
        db.session.rollback()
        return _render_edit(test, status=400) if error.errors else _refused(error, test)
    db.session.commit()
    flash(_("Version %(version)d is published. It can no longer change.", version=test.version), "success")
    return redirect(url_for("assessments.preview_test", public_id=public_id))


@bp.route("/authoring/<public_id>/new-version", methods=["POST"])
@author_required
def new_test_version(public_id: str):
    """Copy a version into a new draft (the next version number, the same short name)."""
    test = found_or_404(authoring.find_test(current_user, public_id))
    try:
        copy = authoring.new_version(test)
    except AuthoringError as error:
        return _refused(error, test)
    db.session.commit()
    flash(_("Version %(version)d is created as a draft.", version=copy.version), "success")
    return redirect(url_for("assessments.edit_test", public_id=copy.public_id))


def _preview_language(test, lang: str) -> dict:
    """The strings a candidate reads in `lang`, the test's content and the page's own words alike."""
    with force_locale(lang):
        return {
            "code": lang,
            "name": {"fr": "Français", "en": "English"}[lang],
            "time_allowed": _("Time allowed: %(minutes)d minutes.", minutes=test.time_limit_minutes),
            "agreement": [str(choice.label) for choice in agreement_choices()],
            "title": localised(test.title, lang),
            "instructions": localised(test.instructions, lang),
            "sections": [
                {
                    "title": section.title.get(lang, ""),
                    "items": [item for item in test.items if item.section_id == section.id],
                }
                for section in test.sections
            ],
        }


@bp.route("/authoring/<public_id>/preview")
@author_required
def preview_test(public_id: str):
    """The version as candidates see it, in French and in English, with the correct answers marked."""
    test = found_or_404(authoring.find_test(current_user, public_id))
    lang = current_language()
    return render_template(
        "assessments/authoring/preview.html",
        test=test,
        languages=[_preview_language(test, code) for code in LANGUAGES],
        numbers=authoring.numbered_items(test),
        trait_names={key: names.get(lang) or key for key, names in (test.traits or {}).items()},
        format_number=format_number,
        action_form=ActionForm(),
    )


@bp.route("/authoring/<public_id>/export")
@author_required
def export_test_file(public_id: str):
    """The version as a JSON file in the documented format."""
    test = found_or_404(authoring.find_test(current_user, public_id))
    filename = secure_filename(f"{test.slug}-v{test.version}.json") or "test.json"
    return Response(
        authoring.export_file(test),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

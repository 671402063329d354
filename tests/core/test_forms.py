"""The portal's base form: every form derives from it, it renders hidden inputs, submit buttons and selects by
the portal's rules, and Flask-WTF's own FlaskForm is left as the library made it."""

import importlib
import pkgutil

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

import app as app_package
from app.core.forms import PortalForm


def _subclasses(cls) -> set[type]:
    found = set()
    for subclass in cls.__subclasses__():
        found |= {subclass, *_subclasses(subclass)}
    return found


def test_every_form_of_the_portal_derives_from_portal_form(app):
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)
    ours = {form for form in _subclasses(FlaskForm) if form.__module__.startswith("app.")}
    assert len(ours) > 50
    assert {f"{form.__module__}.{form.__qualname__}" for form in ours if not issubclass(form, PortalForm)} == set()


class Sample(PortalForm):
    token = HiddenField()
    name = StringField("Name")
    answered = SelectField(
        "Kind", choices=[SelectChoice("a", "A"), SelectChoice("b", "B")], validators=[DataRequired()]
    )
    unanswered = SelectField(
        "Other", choices=[SelectChoice("", "—"), SelectChoice("b", "B")], validators=[DataRequired()]
    )
    submit = SubmitField("Send")


class Plain(FlaskForm):
    token = HiddenField()
    submit = SubmitField("Send")


def test_hidden_inputs_and_buttons_have_no_id_unless_one_is_given(app):
    with app.test_request_context("/en/"):
        form = Sample(formdata=None)
        assert "id=" not in form.token() and "id=" not in form.submit()
        assert 'id="send"' in form.submit(id="send")
        assert 'id="name"' in form.name()


def test_a_required_select_whose_first_option_is_a_value_is_not_marked_required(app):
    with app.test_request_context("/en/"):
        form = Sample(formdata=None)
        assert "required" not in form.answered()
        assert "required" in form.unanswered()
        assert "required" in form.answered(required=True)


def test_flask_wtfs_own_form_is_left_as_the_library_made_it(app):
    with app.test_request_context("/en/"):
        form = Plain(formdata=None)
        assert 'id="token"' in form.token() and 'id="submit"' in form.submit()
    assert FlaskForm.validate_on_submit.__module__ == "flask_wtf.form"
    assert "render_field" not in vars(FlaskForm.Meta)

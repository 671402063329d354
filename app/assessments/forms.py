"""Forms of the assessment pages. A test page's form is built from its items, in the page's language."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.assessments.models import ItemKind, localised


class StartForm(FlaskForm):
    submit = SubmitField(_l("Start the test"))


class SubmitAttemptForm(FlaskForm):
    submit = SubmitField(_l("Submit my answers"))


class PageForm(FlaskForm):
    """Base of a test page: the navigation buttons; the item fields are added by `page_form_class`."""

    previous = SubmitField(_l("Previous page"))
    next = SubmitField(_l("Save and continue"))
    finish = SubmitField(_l("Save and submit"))


def agreement_choices():
    return [
        SelectChoice("1", _l("1 – Strongly disagree")),
        SelectChoice("2", _l("2 – Disagree")),
        SelectChoice("3", _l("3 – Neither agree nor disagree")),
        SelectChoice("4", _l("4 – Agree")),
        SelectChoice("5", _l("5 – Strongly agree")),
    ]


def field_name(item) -> str:
    return f"item_{item.public_id}"


def page_form_class(items, lang: str) -> type[PageForm]:
    """A PageForm subclass with one optional field per item (an unanswered question is allowed)."""

    class Form(PageForm):
        pass

    for item in items:
        label = localised(item.prompt, lang)
        options = [SelectChoice(str(index), localised(option, lang)) for index, option in enumerate(item.options or [])]
        if item.type == ItemKind.SINGLE:
            field = RadioField(label, choices=options, validators=[Optional()], validate_choice=False)
        elif item.type == ItemKind.MULTIPLE:
            field = SelectMultipleField(
                label,
                choices=options,
                validators=[Optional()],
                option_widget=CheckboxInput(),
                widget=ListWidget(prefix_label=False),
                validate_choice=False,
            )
        elif item.type == ItemKind.NUMERIC:
            field = StringField(
                label, validators=[Optional()], render_kw={"inputmode": "decimal", "autocomplete": "off"}
            )
        else:
            field = RadioField(label, choices=agreement_choices(), validators=[Optional()], validate_choice=False)
        setattr(Form, field_name(item), field)
    return Form

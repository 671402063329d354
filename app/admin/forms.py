"""Admin forms."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from app.auth.models import Role
from app.core.forms import PortalForm, at_most, required


def role_choices() -> list[SelectChoice]:
    return Role.choices()


class RoleForm(PortalForm):
    role = SelectField(_l("Role"), choices=role_choices)
    submit = SubmitField(_l("Grant this role"))


class RemoveRoleForm(PortalForm):
    submit = SubmitField(_l("Remove"))


class SuspendForm(PortalForm):
    reason = TextAreaField(
        _l("Reason, shown to the member when they try to sign in"),
        validators=[required(), at_most(500)],
    )
    submit = SubmitField(_l("Suspend the account"))


class ReinstateForm(PortalForm):
    submit = SubmitField(_l("Reinstate the account"))


class SearchForm(PortalForm):
    class Meta:
        csrf = False  # a search changes nothing

    q = StringField(_l("Name, e-mail, phone or username"), validators=[Length(max=200)])


class SendAgainForm(PortalForm):
    submit = SubmitField(_l("Send again"))


class SendAllAgainForm(PortalForm):
    submit = SubmitField(_l("Send every failed e-mail again"))

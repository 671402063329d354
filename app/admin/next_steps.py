"""What an operator has to do next about the portal itself, for the home page: e-mails that could not be sent."""

from flask import url_for
from flask_babel import ngettext

from app.admin import services
from app.core.next_steps import NextStep, counted


def admin_steps(member) -> list[NextStep]:
    failed = services.count_failed_mail()
    return counted(
        ngettext("%(num)d e-mail could not be sent", "%(num)d e-mails could not be sent", failed),
        url_for("admin.failed_mail"),
        failed,
        detail=ngettext(
            "Members wait for it: fix the cause, then send it again.",
            "Members wait for them: fix the cause, then send them again.",
            failed,
        ),
        is_urgent=True,
    )

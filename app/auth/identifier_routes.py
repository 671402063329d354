"""Phone number and username as identifiers: the reset code page, and adding, changing and removing them."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth import services, sms_codes
from app.auth.blueprint import bp
from app.auth.forms import ChangePhoneForm, ChangeUsernameForm, PasswordConfirmForm, PhoneCodeForm, clean
from app.core.forms import show_domain_error
from app.core.security import form_checks_csrf
from app.extensions import db, limiter


@bp.app_template_filter("phone")
def phone_filter(phone: str | None) -> str:
    """An E.164 number written for people (+33 6 12 34 56 78)."""
    return services.display_phone(phone)


def _code_minutes() -> int:
    return int(current_app.config["PHONE_CODE_MAX_AGE"].total_seconds() // 60)


# --- password reset by SMS -------------------------------------------------------------------------


def _reset_number_key() -> str:
    return "reset-code:" + sms_codes.number_key(sms_codes.pending_reset_phone())


@bp.route("/password/reset/code", methods=["GET", "POST"])
@limiter.limit(sms_codes.config_limit("PHONE_CODE_ENTRY_LIMIT"), methods=["POST"])
@limiter.limit(sms_codes.config_limit("PHONE_CODE_ENTRY_LIMIT"), methods=["POST"], key_func=_reset_number_key)
@form_checks_csrf
def reset_code():
    """Type the code sent by SMS; a correct one leads to the page where the new password is chosen."""
    phone = sms_codes.pending_reset_phone()
    if phone is None:
        sms_codes.forget_phone_reset()
        flash(_("Your code has expired. Ask for a new one."), "warning")
        return redirect(url_for("auth.forgot_password"))
    form = PhoneCodeForm()
    if form.validate_on_submit():
        try:
            token = services.redeem_reset_code(phone, form.code.data)
        except services.WrongCode as error:
            db.session.commit()  # the wrong try counts
            show_domain_error(form, error, rollback=False)
        else:
            db.session.commit()
            sms_codes.forget_phone_reset()
            return redirect(url_for("auth.reset_password", token=token))
    return render_template("auth/reset_code.html", form=form, phone=phone, minutes=_code_minutes())


# --- phone number on the account -------------------------------------------------------------------


def _phone_page(change_form=None, remove_form=None):
    """The phone page: the number and its state, the change form, and the remove form."""
    return render_template(
        "auth/change_phone.html",
        form=change_form or ChangePhoneForm(formdata=None),
        remove_form=remove_form or PasswordConfirmForm(prefix="remove", formdata=None),
        verify_form=PasswordConfirmForm(prefix="verify", formdata=None),
        pending=services.pending_phone(current_user),
    )


@bp.route("/account/phone", methods=["GET", "POST"])
@sms_codes.to_number_in_form
@sms_codes.per_account
@login_required
@form_checks_csrf
def change_phone():
    """Add or change the mobile phone number, given the current password: a code goes to the new number,
    which replaces the old one only once the code is typed back."""
    form = ChangePhoneForm()
    if form.validate_on_submit():
        try:
            services.check_current_password(current_user, form.current_password.data)
            services.send_phone_verification(current_user, form.phone.clean)
        except services.AuthError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            return redirect(url_for("auth.confirm_phone"))
    return _phone_page(change_form=form)


@bp.route("/account/phone/verify", methods=["POST"])
@sms_codes.to_own_number
@sms_codes.per_account
@login_required
def send_phone_code():
    """Send a code to the member's own number, not verified yet."""
    if current_user.phone and not current_user.is_phone_verified:
        services.send_phone_verification(current_user, current_user.phone)
        db.session.commit()
        return redirect(url_for("auth.confirm_phone"))
    return redirect(url_for("auth.change_phone"))


@bp.route("/account/phone/confirm", methods=["GET", "POST"])
@limiter.limit(sms_codes.config_limit("PHONE_CODE_ENTRY_LIMIT"), methods=["POST"])
@login_required
@form_checks_csrf
def confirm_phone():
    """Type the code sent to the new number; the number is then the account's, verified."""
    pending = services.pending_phone(current_user)
    if pending is None:
        flash(_("No code is waiting: ask for a new one."), "warning")
        return redirect(url_for("auth.change_phone"))
    form = PhoneCodeForm()
    if form.validate_on_submit():
        try:
            services.confirm_phone(current_user, form.code.data)
        except services.WrongCode as error:
            db.session.commit()  # the wrong try counts
            show_domain_error(form, error, rollback=False)
        except services.AuthError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(
                _("Your mobile phone number is verified: %(phone)s.", phone=services.display_phone(pending)), "success"
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/confirm_phone.html", form=form, phone=pending, minutes=_code_minutes())


@bp.route("/account/phone/remove", methods=["POST"])
@login_required
def remove_phone():
    """Take the number off the account, given the current password; never the last verified way in."""
    form = PasswordConfirmForm(prefix="remove")
    if form.validate_on_submit():
        try:
            services.check_current_password(current_user, form.current_password.data)
            services.remove_phone(current_user)
        except services.AuthError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Your mobile phone number is removed."), "success")
            return redirect(url_for("auth.account"))
    return _phone_page(remove_form=form)


# --- username --------------------------------------------------------------------------------------


@bp.route("/account/username", methods=["GET", "POST"])
@login_required
@form_checks_csrf
def change_username():
    """Choose, change or remove the username, given the current password."""
    form = ChangeUsernameForm(data={"username": current_user.username} if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.check_current_password(current_user, form.current_password.data)
            changed = services.change_username(current_user, clean(form.username))
        except services.AuthError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            if changed:
                message = _("Your username is saved.") if current_user.username else _("Your username is removed.")
                flash(message, "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_username.html", form=form)

"""Register, verify, sign in and out, two-step verification, password reset, and the account pages."""

from datetime import datetime, timedelta

import qrcode
import qrcode.image.svg
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from app.auth import limits, services, sms_codes
from app.auth.blueprint import bp
from app.auth.forms import (
    AccountForm,
    ChangeEmailForm,
    ChangePasswordForm,
    EnableTwoStepForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    PasswordConfirmForm,
    RegistrationForm,
    TwoStepForm,
    clean,
)
from app.auth.member import SignedInMember
from app.auth.models import EndReason, User, new_token
from app.core.audit import EventKind, record_event
from app.core.errors import found_or_404
from app.core.forms import flash_domain_error, show_domain_error
from app.core.i18n import current_language
from app.core.ratelimit import form_kept_when_limited
from app.core.security import form_checks_csrf, safe_next
from app.core.timeutil import utcnow
from app.extensions import db, limiter, login_manager
from app.privacy import services as privacy_services

TWO_STEP_WINDOW = timedelta(minutes=5)


@login_manager.user_loader
def load_user(token: str) -> SignedInMember | None:
    return services.load_session(token)


def _limit(name: str):
    return lambda: current_app.config[name]


# --- registration ------------------------------------------------------------------------------------


@bp.route("/register", methods=["GET", "POST"])
@form_kept_when_limited
@limiter.limit(_limit("REGISTRATION_LIMIT"), methods=["POST"])
@form_checks_csrf
def register():
    """Create an account; the answer never says whether the address already had one."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegistrationForm()
    policy = privacy_services.current_policy()
    if form.validate_on_submit():
        data = services.Registration(
            first_name=form.first_name.data,
            last_name=form.last_name.data,
            email=clean(form.email),
            phone=clean(form.phone),
            username=clean(form.username),
            company=form.company.data,
            password=form.password.data,
            locale=current_language(),
        )
        try:
            user = services.register_user(data)
            privacy_services.record_acceptance(user, policy)
        except services.DuplicateEmail as duplicate:
            db.session.rollback()
            services.send_registration_attempt_notice(duplicate.user, current_language())
            db.session.commit()
            return redirect(url_for("auth.check_email"))
        except services.AuthError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            if user.email:
                return redirect(url_for("auth.check_email"))
            _sign_in(user, remember=False, mfa_verified=False)
            flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form, policy=policy)


@bp.route("/register/check-email")
def check_email():
    """Where registration always lands when an address was given."""
    hours = int(current_app.config["EMAIL_VERIFICATION_MAX_AGE"].total_seconds() // 3600)
    return render_template("auth/check_email.html", hours=hours)


@bp.route("/verify-email/<token>")
def verify_email(token: str):
    """Follow the link from the verification e-mail; it signs the member in on this device."""
    try:
        user = services.verify_email(token)
    except services.AuthError as error:
        db.session.rollback()
        return render_template("auth/link_problem.html", message=error.message), 400
    db.session.commit()
    if not (current_user.is_authenticated or user.has_totp or user.is_suspended):
        _sign_in(user, remember=False, mfa_verified=False)  # clears the session, so flash after it
    flash(_("Thank you: your e-mail address is verified."), "success")
    return redirect(url_for("main.dashboard" if current_user.is_authenticated else "auth.login"))


@bp.route("/verify-email/resend", methods=["POST"])
@limiter.limit(_limit("PASSWORD_RESET_LIMIT"))
@login_required
def resend_verification():
    """Send the verification link again to the signed-in member's address."""
    if current_user.email and not current_user.is_email_verified:
        services.send_verification_email(current_user)
        db.session.commit()
    flash(_("We sent a new link to %(email)s.", email=current_user.email or "-"), "info")
    return redirect(url_for("main.dashboard"))


# --- sign-in -----------------------------------------------------------------------------------------


def _sign_in(user: User, *, remember: bool, mfa_verified: bool) -> None:
    """A fresh session identifier for this device, then Flask-Login's cookie naming it."""
    session.clear()
    services.start_session(user, remember=remember, mfa_verified=mfa_verified)
    db.session.commit()
    login_user(user, remember=remember)


@bp.route("/login", methods=["GET", "POST"])
@limits.sign_in_limits
@form_checks_csrf
def login():
    """Sign in with e-mail, phone or username; members with two-step verification go on to the code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    next_url = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.identifier.data, form.password.data)
        except services.AccountSuspended as error:
            db.session.commit()
            show_domain_error(form, error, rollback=False)
            return render_template("auth/login.html", form=form), 403
        db.session.commit()
        if user is None:
            limits.count_as_failure()
            form.form_errors.append(_("The identifier or the password is not correct."))
            return render_template("auth/login.html", form=form), 401
        if user.has_totp:
            session["two_step"] = {
                "id": new_token(),  # names its count of wrong codes on the server (auth.limits)
                "user": user.public_id,
                "remember": form.remember.data,
                "next": next_url,
                "at": utcnow().isoformat(),
            }
            return redirect(url_for("auth.two_step"))
        _sign_in(user, remember=form.remember.data, mfa_verified=False)
        return redirect(next_url or url_for("main.dashboard"))
    return render_template("auth/login.html", form=form)


def _pending_two_step_user() -> User | None:
    pending = session.get("two_step")
    if not pending or not pending.get("id") or utcnow() - datetime.fromisoformat(pending["at"]) > TWO_STEP_WINDOW:
        return None
    return db.session.scalar(db.select(User).where(User.public_id == pending["user"]))


def _cancel_two_step(user: User | None = None):
    """Too many wrong codes: this pending sign-in is over (on every device holding it); she starts over."""
    pending = session.pop("two_step", None) or {}
    if user is not None and limits.first_to_report(pending.get("id", "")):
        services.send_two_step_attempts_notice(user, current_app.config["TWO_STEP_CODES_PER_SIGN_IN"])
        db.session.commit()
    flash(_("Too many wrong codes: this sign-in is cancelled. Sign in again from the start."), "error")
    return redirect(url_for("auth.login"))


@bp.route("/login/two-step", methods=["GET", "POST"])
@limits.two_step_limits
@form_checks_csrf
def two_step():
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = _pending_two_step_user()
    if user is None:
        session.pop("two_step", None)
        flash(_("Your sign-in took too long. Please sign in again."), "warning")
        return redirect(url_for("auth.login"))
    pending_id = session["two_step"]["id"]
    if limits.sign_in_ended(pending_id):
        return _cancel_two_step(user)
    form = TwoStepForm()
    if form.validate_on_submit():
        if not limits.take_code_attempt(pending_id):  # counted before the check: simultaneous tries too
            return _cancel_two_step(user)
        if services.verify_second_factor(user, form.code.data):
            pending = session.pop("two_step")
            _sign_in(user, remember=pending["remember"], mfa_verified=True)
            return redirect(safe_next(pending.get("next")) or url_for("main.dashboard"))
        limits.count_as_failure()
        record_event(EventKind.LOGIN_FAILURE, user_id=user.id, reason="wrong_second_factor")
        db.session.commit()
        if limits.sign_in_ended(pending_id):
            return _cancel_two_step(user)
        form.code.errors = [_("This code is not correct. Try the newest code from your app.")]
    return render_template("auth/two_step.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out: the server-side session ends, so its cookie is worthless even if copied."""
    services.end_session(current_user.current_session, EndReason.LOGOUT)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.home"))


# --- password reset ----------------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@form_kept_when_limited
@limiter.limit(_limit("PASSWORD_RESET_LIMIT"), methods=["POST"])
@limits.per_reset_target
@sms_codes.to_number_in_form
@form_checks_csrf
def forgot_password():
    """Ask for a reset link by e-mail or a code by SMS; the answer is the same whether or not the address
    or number has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if form.channel == "phone":
            services.request_password_reset_by_phone(form.identifier.clean, current_language())
            db.session.commit()
            sms_codes.remember_phone_reset(form.identifier.clean)
            return redirect(url_for("auth.reset_code"))
        services.request_password_reset(form.identifier.clean, current_language())
        db.session.commit()
        return render_template("auth/reset_sent.html", email=form.identifier.clean)
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@form_checks_csrf
def reset_password(token: str):
    """Choose a new password from a single-use link; every session of the member ends."""
    try:
        user, channel = services.read_reset_token(token)
    except services.AuthError as error:
        return render_template("auth/link_problem.html", message=error.message, offer_reset=True), 400
    form = NewPasswordForm()
    form.member = user
    if form.validate_on_submit():
        services.reset_password(user, form.password.data, channel)
        db.session.commit()
        flash(_("Your password is changed. Sign in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)


# --- account settings --------------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
@form_checks_csrf
def account():
    """Names, company, language and time zone."""
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        current_user.first_name = form.first_name.data.strip()
        current_user.last_name = form.last_name.data.strip()
        current_user.company = (form.company.data or "").strip() or None
        current_user.locale = form.locale.data
        current_user.timezone = form.timezone.data
        db.session.commit()
        with force_locale(current_user.locale):
            flash(_("Your settings are saved."), "success")
        return redirect(url_for("auth.account", lang_code=current_user.locale))
    return render_template("auth/account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@form_checks_csrf
def change_password():
    """A new password, given the current one; the member's other devices are signed out."""
    form = ChangePasswordForm()
    form.member = current_user
    if form.validate_on_submit():
        try:
            services.check_current_password(current_user, form.current_password.data)
        except services.AuthError as error:
            show_domain_error(form, error, rollback=False)
        else:
            ended = services.change_password(current_user, form.password.data)
            db.session.commit()
            flash(
                ngettext(
                    "Your password is changed. %(num)d other session signed out.",
                    "Your password is changed. %(num)d other sessions signed out.",
                    ended,
                ),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account/email", methods=["GET", "POST"])
@login_required
@form_checks_csrf
def change_email():
    """A new address, given the current password; it must be verified again."""
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.check_current_password(current_user, form.current_password.data)
            services.change_email(current_user, form.email.clean)
        except services.AuthError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("We sent a link to %(email)s to confirm it.", email=form.email.clean), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_email.html", form=form)


@bp.route("/account/sessions")
@login_required
def sessions():
    """Every device signed in to the account, each of which can be signed out."""
    return render_template("auth/sessions.html", open_sessions=services.open_sessions(current_user))


@bp.route("/account/sessions/<public_id>/end", methods=["POST"])
@login_required
def end_session(public_id: str):
    """Sign one device out (from this page or the privacy dashboard); another member's session is 404."""
    user_session = found_or_404(services.find_open_session(current_user, public_id))
    is_this_device = user_session.id == current_user.current_session.id
    services.end_session(user_session, EndReason.ENDED_BY_MEMBER)
    db.session.commit()
    if is_this_device:
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
        return redirect(url_for("main.home"))
    flash(_("That session is ended."), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("auth.sessions"))


# --- two-step verification settings ------------------------------------------------------------------


def _qr_svg(data: str) -> Markup:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg = image.to_string(encoding="unicode")
    return Markup(svg)  # noqa: S704 (generated here from our own URI, no member text)


@bp.route("/account/two-step")
@login_required
def two_step_settings():
    """Whether two-step verification is on, and how to turn it on or off."""
    return render_template(
        "auth/two_step_settings.html",
        disable_form=PasswordConfirmForm(),
        codes_form=PasswordConfirmForm(prefix="codes"),
        unused_codes=services.unused_recovery_code_count(current_user) if current_user.has_totp else 0,
    )


@bp.route("/account/two-step/setup", methods=["GET", "POST"])
@login_required
@form_checks_csrf
def two_step_setup():
    """Show a new secret as a QR code, then turn two-step on when the member types a matching code."""
    if current_user.has_totp:
        return redirect(url_for("auth.two_step_settings"))
    form = EnableTwoStepForm()
    secret = session.get("totp_setup_secret")
    if secret is None or request.method == "GET":
        secret = session["totp_setup_secret"] = services.new_totp_secret()
    if form.validate_on_submit():
        try:
            codes = services.enable_totp(current_user, secret, form.code.data)
        except services.AuthError as error:
            show_domain_error(form, error, rollback=False)
        else:
            current_user.current_session.is_mfa_verified = True
            db.session.commit()
            session.pop("totp_setup_secret", None)
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = services.totp_provisioning_uri(current_user, secret)
    return render_template("auth/two_step_setup.html", form=form, secret=secret, qr=_qr_svg(uri))


@bp.route("/account/two-step/disable", methods=["POST"])
@login_required
def two_step_disable():
    """Turn two-step off, given the current password (administrators cannot)."""
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            services.check_current_password(current_user, form.current_password.data)
            services.disable_totp(current_user)
        except services.AuthError as error:
            flash_domain_error(error)
        else:
            db.session.commit()
            flash(_("Two-step verification is off."), "success")
    else:
        flash(_("Type your current password to confirm."), "error")
    return redirect(url_for("auth.two_step_settings"))


@bp.route("/account/two-step/recovery-codes", methods=["POST"])
@login_required
def two_step_new_codes():
    """Replace the recovery codes, given the current password."""
    form = PasswordConfirmForm(prefix="codes")
    if current_user.has_totp and form.validate_on_submit():
        try:
            services.check_current_password(current_user, form.current_password.data)
        except services.AuthError as error:
            flash_domain_error(error, rollback=False)
        else:
            codes = services.replace_recovery_codes(current_user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes)
    else:
        flash(_("Type your current password to confirm."), "error")
    return redirect(url_for("auth.two_step_settings"))

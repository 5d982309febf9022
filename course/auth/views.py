"""Registration, sign-in and sign-out, password links and the account page."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from course.auth.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    SetPasswordForm,
    TimeZoneForm,
)
from course.auth.services import authenticate, end_sessions, recent_resets, set_new_password, user_for_session
from course.core.accounts import AccountError, check_password, create_user, find_user_by_email
from course.core.audit import record_event
from course.core.i18n import chosen_language, remember_locale, visitor_choice
from course.core.mail import mail_configured, send_reset_link
from course.core.password_links import find_usable_token, new_password_token, use_token
from course.core.security import safe_next
from course.core.settings import academy_name
from course.core.timezones import academy_time_zone, time_zone_choices, user_time_zone
from course.extensions import db, limiter
from course.models import User

bp = Blueprint("auth", __name__)

RESET_LINK_LIFETIME = timedelta(hours=1)
RESET_EMAILS_PER_HOUR = 3  # per account, whoever asks: "forgot password" cannot be used to flood an inbox
# Per address, POSTs only; generous enough for a classroom behind one NAT address (lockout is per account).
auth_limit = limiter.limit(
    lambda: current_app.config.get("AUTH_RATE_LIMIT", "20/minute;200/hour"), methods=["POST"],
    error_message=lambda: _("Too many attempts from your address. Please wait a few minutes and try again."))


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the session names a user and the session version it was made for."""
    return user_for_session(db.session, user_id)


def start_session(user: User, remember: bool = False, language: str | None = None) -> None:
    """Sign `user` in on a fresh session: nothing from before sign-in carries over (session fixation), except
    the interface language a visitor chose, which the account keeps from now on (or `language`, if given)."""
    language = visitor_choice() or language
    session.clear()
    login_user(user, remember=remember)
    if language:
        remember_locale(user, language)


@bp.route("/register", methods=["GET", "POST"])
@auth_limit
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = create_user(db.session, email=form.email.data, name=form.name.data, password=form.password.data)
        except AccountError as exc:  # registered at the same moment by another request
            form.email.errors.append(str(exc))
            return render_template("auth/register.html", form=form), 409
        start_session(user, language=chosen_language())  # the language they registered in
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("learn.dashboard"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@auth_limit
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        target = safe_next(request.args.get("next"))
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=form.remember.data)
            return redirect(target)
        # The failed-attempt count and the audit of the refusal must survive this 422, which otherwise rolls back.
        db.session.commit()
        form.form_errors.append(_("That email and password do not match an active account. "
                                  "After several failed attempts, sign-in pauses for a few minutes."))
    return render_template("auth/login.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/logout")
@login_required
def logout():
    end_sessions(db.session, current_user)  # the old session cookie and any remember-me cookie stop working
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@auth_limit
def forgot_password():
    if not mail_configured():
        return render_template("auth/forgot_password.html", form=None)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = find_user_by_email(db.session, form.email.data)
        if user is not None and user.active and recent_resets(db.session, user) < RESET_EMAILS_PER_HOUR:
            _send_reset(user)
        flash(_("If an active account uses that address, we have sent it a link to choose a new password. "
                "The link works once, within an hour."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


def _send_reset(user: User) -> None:
    token, row = new_password_token(user.id, purpose="reset")
    row.expires_at = row.created_at + RESET_LINK_LIFETIME
    db.session.add(row)
    db.session.flush()
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("auth.set_password", token=token)
    try:
        send_reset_link(user.email, user.name, link, academy_name(db.session))
    except OSError:  # smtplib errors are OSErrors: the visitor sees the same message either way
        current_app.logger.exception("Could not send a password-reset email")


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@auth_limit
def set_password(token: str):
    row = find_usable_token(db.session, token)
    if row is None:
        abort(404, _("This link has expired or was already used. Ask your trainer or an admin for a new one."))
    user, form = db.session.get(User, row.user_id), SetPasswordForm()
    form.context_words = (user.email, user.name)
    if form.validate_on_submit():
        if not use_token(db.session, row):
            abort(409, _("This link was just used. Sign in with the password you set."))
        user = set_new_password(db.session, user, form.password.data, via=row.purpose)
        start_session(user)
        flash(_("Your password is set. Welcome, %(name)s.", name=user.name), "success")
        return redirect(url_for("learn.dashboard"))
    return render_template("auth/set_password.html", form=form, purpose=row.purpose), 422 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
@auth_limit
def account():
    form = ChangePasswordForm()
    form.context_words = (current_user.email, current_user.name)
    if form.validate_on_submit():
        if check_password(current_user, form.current.data):
            user = set_new_password(db.session, current_user._get_current_object(), form.password.data)
            start_session(user)
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("auth.account"))
        form.current.errors.append(_("That is not your current password."))
    return account_page(form=form)


def account_page(form: ChangePasswordForm | None = None, zone_form: TimeZoneForm | None = None):
    """The account page: name and email, the time zone, and the password change (422 if a form has errors)."""
    form = form or ChangePasswordForm(formdata=None)
    zone_form = zone_form or TimeZoneForm(formdata=None, time_zone=current_user.time_zone or "")
    zone_form.time_zone.choices = time_zone_choices(
        _("The academy's time zone (%(zone)s)", zone=academy_time_zone(db.session)))
    status = 422 if form.errors or zone_form.errors else 200
    return render_template("account/index.html", form=form, zone_form=zone_form), status


@bp.post("/account/time-zone")
@login_required
def time_zone():
    form = TimeZoneForm()
    if not form.validate_on_submit():
        return account_page(zone_form=form)
    zone = form.time_zone.data or None
    if current_user.time_zone != zone:
        current_user.time_zone = zone
        record_event(db.session, current_user, "account.time_zone_changed", "user", current_user.id,
                     time_zone=zone)
        db.session.flush()
    flash(_("Your time zone is saved. Times are now shown in %(zone)s.",
            zone=user_time_zone(db.session, current_user)), "success")
    return redirect(url_for("auth.account"))

"""Registration, sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from course.audit import record_event
from course.auth.forms import LoginForm, RegisterForm, SetPasswordForm
from course.auth.services import authenticate, create_user, hash_password
from course.auth.tokens import find_usable_token, use_token
from course.extensions import db
from course.models import User

bp = Blueprint("auth", __name__)


def load_user(user_id: str) -> User | None:
    """Flask-Login loader: the session names a user and the session version it was made for."""
    ident, _sep, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = db.session.scalar(select(User).where(User.id == int(ident)))
    if user is None or user.session_version != int(version):
        return None
    return user


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in; anything pointing off the site goes home instead."""
    if not target or "\\" in target:
        return url_for("learn.dashboard")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("learn.dashboard")
    return target


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.dashboard"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = create_user(db.session, email=form.email.data, name=form.name.data, password=form.password.data)
        login_user(user)
        flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
        return redirect(url_for("learn.dashboard"))
    return render_template("auth/register.html", form=form), 422 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        form.form_errors.append(_("That email and password do not match an active account."))
    return render_template("auth/login.html", form=form), 422 if form.errors or form.form_errors else 200


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    row = find_usable_token(db.session, token)
    if row is None:
        abort(404, _("This link has expired or was already used. Ask your trainer or an admin for a new one."))
    form = SetPasswordForm()
    if form.validate_on_submit():
        if not use_token(db.session, row):
            abort(409, _("This link was just used. Sign in with the password you set."))
        user = db.session.get(User, row.user_id)
        user.password_hash = hash_password(form.password.data)
        user.session_version += 1  # any other session for this account stops working
        record_event(db.session, user, "user.password_set", "user", user.id, via=row.purpose)
        login_user(user)
        flash(_("Your password is set. Welcome, %(name)s.", name=user.name), "success")
        return redirect(url_for("learn.dashboard"))
    return render_template("auth/set_password.html", form=form), 422 if form.errors else 200

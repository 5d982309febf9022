"""Admin pages: users and roles, content versions, settings and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from course.admin.forms import AuditFilterForm, RoleForm, SettingsForm
from course.admin.services import (
    AdminError,
    activate_version,
    audit_actions,
    audit_events,
    change_role,
    content_versions,
    find_users,
    live_version,
    role_counts,
    set_active,
    user_overview,
)
from course.core.accounts import AccountError
from course.core.forms import ConfirmForm, IdentityForm
from course.core.identity import announce_correction, correct_identity
from course.core.pagination import page_number
from course.core.password_links import issue_password_link
from course.core.procedures import SLOTS, unfilled_slots
from course.core.roles import admin_required
from course.core.security import safe_next, safe_referrer
from course.core.settings import pinned_version, save_settings, stored_settings, unpin_version
from course.core.timezones import time_zone_choices
from course.extensions import db
from course.models import ContentVersion, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100


@bp.get("/")
@admin_required
def index():
    return render_template("admin/index.html", counts=role_counts(db.session), unfilled=unfilled_slots(db.session),
                           slots=SLOTS)


@bp.get("/users")
@admin_required
def users():
    q, role = request.args.get("q", "").strip()[:100], request.args.get("role", "")
    found = find_users(db.session, q, role, page_number(), PAGE_SIZE)
    return render_template("admin/users.html", users=found.items, more=found.has_more, page=found.number,
                           q=q, role=role, roles=[r.value for r in Role], form=ConfirmForm())


def back_to_users():
    """Back to the user list the admin came from (carried through the confirmation page), if on this site."""
    default = url_for("admin.users")
    return redirect(safe_next(request.form.get("next"), default) if "next" in request.form
                    else safe_referrer(default))


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.get("/users/<int:user_id>")
@admin_required
def user(user_id: int):
    return user_page(_user(user_id))


def user_page(user: User, form: IdentityForm | None = None, status: int = 200):
    """One person: who they are, their cohorts and certificates, and the correction of their name or email."""
    cohorts, certificates = user_overview(db.session, user)
    form = form or IdentityForm(formdata=None, name=user.name, email=user.email)
    return render_template("admin/user.html", user=user, cohorts=cohorts, certificates=certificates,
                           form=form), status


@bp.post("/users/<int:user_id>/identity")
@admin_required
def correct(user_id: int):
    user, form = _user(user_id), IdentityForm()
    if not form.validate_on_submit():
        return user_page(user, form, 422)
    try:
        changes, reissued = correct_identity(db.session, current_user, user, name=form.name.data,
                                             email=form.email.data, reason=form.reason.data)
    except AccountError as exc:
        form.form_errors.append(str(exc))
        return user_page(user, form, 409)
    announce_correction(changes, reissued)
    return redirect(url_for("admin.user", user_id=user.id))


@bp.get("/users/<int:user_id>/role")
@admin_required
def confirm_role(user_id: int):
    """Changing a role is confirmed on a page of its own, saying what it does (no JavaScript needed)."""
    user, role = _user(user_id), request.args.get("role", "")
    if role not in {r.value for r in Role}:
        abort(400, _("Choose one of the roles."))
    if role == user.role:
        return back_to_users()
    return render_template("admin/confirm_user.html", user=user, role=role, form=ConfirmForm(),
                           action=url_for("admin.set_role", user_id=user.id),
                           next=safe_referrer(url_for("admin.users")))


@bp.get("/users/<int:user_id>/active")
@admin_required
def confirm_active(user_id: int):
    """Deactivating or reactivating is confirmed the same way."""
    user = _user(user_id)
    return render_template("admin/confirm_user.html", user=user, role=None, form=ConfirmForm(),
                           action=url_for("admin.toggle_active", user_id=user.id),
                           next=safe_referrer(url_for("admin.users")))


@bp.post("/users/<int:user_id>/role")
@admin_required
def set_role(user_id: int):
    user, form = _user(user_id), RoleForm()
    if not form.validate_on_submit():
        abort(400, _("Choose one of the roles."))
    try:
        if change_role(db.session, current_user, user, Role(form.role.data)):
            flash(_("%(name)s is now %(role)s.", name=user.name, role=user.role), "success")
    except AdminError as exc:
        flash(str(exc), "warning")
    return back_to_users()


@bp.post("/users/<int:user_id>/active")
@admin_required
def toggle_active(user_id: int):
    user = _user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        if set_active(db.session, current_user, user, request.form.get("active") == "1"):
            flash(_("%(name)s can sign in again.", name=user.name) if user.active
                  else _("%(name)s is deactivated. Their records are kept.", name=user.name), "success")
    except AdminError as exc:
        flash(str(exc), "warning")
    return back_to_users()


@bp.post("/users/<int:user_id>/password-link")
@admin_required
def password_link(user_id: int):
    user = _user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = issue_password_link(db.session, current_user, user, days=2)
    flash(_("Password link for %(name)s (works once, for 48 hours; copy it now): %(link)s", name=user.name,
            link=url_for("auth.set_password", token=token, _external=True)), "success")
    return back_to_users()


@bp.get("/content")
@admin_required
def content():
    return render_template("admin/content.html", versions=content_versions(db.session), form=ConfirmForm(),
                           pinned=pinned_version(db.session))


@bp.post("/content/<int:version_id>/activate")
@admin_required
def activate(version_id: int):
    version = db.session.get(ContentVersion, version_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if activate_version(db.session, current_user, version):
        flash(_("Content version %(v)s is live and pinned: content sync will not replace it.",
                v=version.short_hash), "success")
    return redirect(url_for("admin.content"))


@bp.post("/content/follow")
@admin_required
def follow_new_content():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if unpin_version(db.session, current_user):
        flash(_("The live version is no longer pinned: the next content sync makes the content in modules/ live."),
              "success")
    return redirect(url_for("admin.content"))


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    live = live_version(db.session)
    form = SettingsForm(data=stored_settings(db.session))
    form.time_zone.choices = time_zone_choices(_("The default (%(zone)s)",
                                                 zone=current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    if form.validate_on_submit():
        values = {name: (float(field.data) if name == "credit_hours" and field.data is not None else field.data)
                  for name, field in form._fields.items() if name != "csrf_token"}
        values = {key: (None if value in ("", None) else value) for key, value in values.items()}
        if save_settings(db.session, current_user, values):
            flash(_("Settings saved. New certificates use them; issued ones keep what they recorded."), "success")
        return redirect(url_for("admin.settings"))
    return render_template("admin/settings.html", form=form, live=live), 422 if form.errors else 200


@bp.get("/audit")
@admin_required
def audit():
    form = AuditFilterForm(request.args)
    actions = audit_actions(db.session)
    form.action.choices = [SelectChoice("", _("Any action"))] + [SelectChoice(a, a) for a in actions]
    filters = ({"who": form.who.data or "", "action": form.action.data or "", "since": form.since.data,
                "until": form.until.data} if form.validate() else {})
    found = audit_events(db.session, page_number(), AUDIT_PAGE_SIZE, **filters)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("admin/audit.html", form=form, events=found.items, more=found.has_more, page=found.number,
                           args=args)

"""Admin pages: users and roles, content versions, settings and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms.fields.choices import SelectChoice

from course.admin.forms import AuditFilterForm, RoleForm, SettingsForm
from course.admin.services import AdminError, activate_version, change_role, set_active
from course.auth.roles import admin_required
from course.auth.tokens import issue_password_link
from course.extensions import db
from course.models import AuditEvent, ContentVersion, Module, Role, User
from course.settings import save_settings, stored_settings
from course.trainer.forms import ConfirmForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.get("/")
@admin_required
def index():
    counts = dict(db.session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all())
    return render_template("admin/index.html", counts=counts)


@bp.get("/users")
@admin_required
def users():
    query = select(User).order_by(User.name, User.id)
    q = request.args.get("q", "").strip()[:100]
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.name).like(like), func.lower(User.email).like(like)))
    role = request.args.get("role", "")
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = db.session.scalars(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template("admin/users.html", users=found[:PAGE_SIZE], more=len(found) > PAGE_SIZE, page=page,
                           q=q, role=role, roles=[r.value for r in Role], form=ConfirmForm())


def _user(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


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
    return redirect(request.referrer or url_for("admin.users"))


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
    return redirect(request.referrer or url_for("admin.users"))


@bp.post("/users/<int:user_id>/password-link")
@admin_required
def password_link(user_id: int):
    user = _user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = issue_password_link(db.session, current_user, user, days=2)
    flash(_("Password link for %(name)s (works once, for 48 hours; copy it now): %(link)s", name=user.name,
            link=url_for("auth.set_password", token=token, _external=True)), "success")
    return redirect(request.referrer or url_for("admin.users"))


@bp.get("/content")
@admin_required
def content():
    versions = db.session.execute(
        select(ContentVersion, func.count(Module.id)).outerjoin(Module, Module.version_id == ContentVersion.id)
        .group_by(ContentVersion.id).order_by(ContentVersion.synced_at.desc(), ContentVersion.id.desc())
    ).all()
    return render_template("admin/content.html", versions=versions, form=ConfirmForm())


@bp.post("/content/<int:version_id>/activate")
@admin_required
def activate(version_id: int):
    version = db.session.get(ContentVersion, version_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if activate_version(db.session, current_user, version):
        flash(_("Content version %(v)s is live.", v=version.short_hash), "success")
    return redirect(url_for("admin.content"))


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    live = db.session.scalar(select(ContentVersion).where(ContentVersion.is_live))
    form = SettingsForm(data=stored_settings(db.session))
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
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    form.action.choices = [SelectChoice("", _("Any action"))] + [SelectChoice(a, a) for a in actions]
    query = select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
    if form.validate():
        if form.who.data:
            query = query.where(func.lower(User.email).like(f"%{form.who.data.strip().lower()}%"))
        if form.action.data:
            query = query.where(AuditEvent.action == form.action.data)
        if form.since.data:
            query = query.where(AuditEvent.at >= datetime.combine(form.since.data, time.min, UTC))
        if form.until.data:
            query = query.where(AuditEvent.at <= datetime.combine(form.until.data, time.max, UTC))
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    events = db.session.execute(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                .offset((page - 1) * 100).limit(101)).all()
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("admin/audit.html", form=form, events=events[:100], more=len(events) > 100, page=page,
                           args=args)

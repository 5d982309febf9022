"""The admin page for LTI: the addresses to paste into a platform, registered platforms, scores waiting to send."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from course.core.forms import ConfirmForm
from course.core.roles import admin_required
from course.extensions import db
from course.lti.forms import PlatformForm
from course.lti.grades import waiting_scores
from course.lti.platforms import (
    PlatformError,
    all_platforms,
    public_url,
    register_platform,
    set_platform_active,
    tool_urls,
)
from course.models import LtiPlatform

bp = Blueprint("lti_admin", __name__, url_prefix="/admin/lti")


def _page(form: PlatformForm, status: int = 200):
    return render_template("lti/admin.html", form=form, platforms=all_platforms(db.session),
                           urls=tool_urls(public_url), waiting=waiting_scores(db.session),
                           confirm=ConfirmForm()), status


@bp.get("/")
@admin_required
def index():
    return _page(PlatformForm())


@bp.post("/")
@admin_required
def register():
    form = PlatformForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        platform, created = register_platform(db.session, form.fields(), current_user)
    except PlatformError as error:
        form.issuer.errors.append(str(error))
        return _page(form, 400)
    flash(_("Platform registered: %(name)s.", name=platform.name) if created
          else _("Platform updated: %(name)s.", name=platform.name), "success")
    return redirect(url_for("lti_admin.index"))


@bp.post("/<int:platform_id>/active")
@admin_required
def toggle(platform_id: int):
    platform = db.session.get(LtiPlatform, platform_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    set_platform_active(db.session, platform, not platform.active, current_user)
    flash(_("Launches from %(name)s are accepted again.", name=platform.name) if platform.active
          else _("Launches from %(name)s are paused.", name=platform.name), "success")
    return redirect(url_for("lti_admin.index"))

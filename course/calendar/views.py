"""The trainee's calendar: a secret feed URL they can make, replace or revoke, and a one-off .ics download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.calendar.feed import calendar_for, feed_owner, has_feed, new_feed_token, revoke_feed
from course.core.forms import ConfirmForm
from course.extensions import db, limiter

bp = Blueprint("calendar", __name__)


def _ics(data: bytes, download: bool) -> Response:
    headers = {"Content-Disposition": 'attachment; filename="training-dates.ics"'} if download else {}
    headers["Cache-Control"] = "private, no-store"
    return Response(data, content_type="text/calendar; charset=utf-8", headers=headers)


@bp.get("/calendar")
@login_required
def manage():
    return render_template("calendar/manage.html", form=ConfirmForm(), feed=has_feed(db.session, current_user),
                           url=None)


@bp.post("/calendar/url")
@login_required
def make_url():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = new_feed_token(db.session, current_user)
    db.session.commit()
    return render_template("calendar/manage.html", form=ConfirmForm(), feed=has_feed(db.session, current_user),
                           url=url_for("calendar.feed", token=token, _external=True))


@bp.post("/calendar/revoke")
@login_required
def revoke():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    revoke_feed(db.session, current_user)
    db.session.commit()
    flash(_("Your calendar address no longer works. Remove it from your calendar app."), "success")
    return redirect(url_for("calendar.manage"))


@bp.get("/calendar.ics")
@login_required
def download():
    return _ics(calendar_for(db.session, current_user), download=True)


@bp.get("/calendar/<token>.ics")
@limiter.limit("120/hour")  # a feed is polled a few times a day; tokens are 256-bit
def feed(token: str):
    owner = feed_owner(db.session, token)
    if owner is None:
        abort(404)
    return _ics(calendar_for(db.session, owner), download=False)

"""Admin page for the API's tokens: who holds one, what it may do, when it was last used; revoke at once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from course.core.api_tokens import TokenError, all_tokens, revoke_token
from course.core.forms import ConfirmForm
from course.core.roles import admin_required
from course.extensions import db

bp = Blueprint("admin_tokens", __name__, url_prefix="/admin/api-tokens")


@bp.get("/")
@admin_required
def index():
    return render_template("admin/api_tokens.html", tokens=all_tokens(db.session), form=ConfirmForm())


@bp.post("/<int:token_id>/revoke")
@admin_required
def revoke(token_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        token = revoke_token(db.session, current_user, token_id)
    except TokenError:
        abort(404)
    flash(_("Token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("admin_tokens.index"))

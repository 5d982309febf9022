"""Sign in with the academy's directory (OpenID Connect): the redirect out and the way back."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _

from course.auth.sso import SsoRefused, directory_client, directory_errors, directory_user
from course.auth.views import start_session
from course.core.errors import render_error
from course.core.security import safe_next
from course.database import writes_on_get
from course.extensions import db, limiter

bp = Blueprint("sso", __name__)
NEXT_KEY = "sso_next"


@bp.get("/login/sso")
@limiter.limit(lambda: current_app.config.get("AUTH_RATE_LIMIT", "20/minute;200/hour"))
def start():
    client = directory_client()
    if client is None:
        abort(404)
    refused, unreachable = directory_errors()
    session[NEXT_KEY] = safe_next(request.args.get("next"))
    try:
        return client.authorize_redirect(url_for("sso.callback", _external=True))
    except (*unreachable, *refused, ValueError):
        return render_error(502, _("The academy directory cannot be reached just now. Try again in a few minutes, "
                                   "or sign in with your password."))


@bp.get("/login/sso/callback")
@writes_on_get
def callback():
    client = directory_client()
    if client is None:
        abort(404)
    refused, unreachable = directory_errors()
    if request.args.get("error"):
        return render_error(400, _("The directory did not sign you in (%(why)s). You can try again.",
                                   why=request.args.get("error_description") or request.args["error"]))
    try:
        token = client.authorize_access_token()
        user = directory_user(db.session, client.server_metadata["issuer"], token["userinfo"])
    except refused:  # state, nonce, signature, audience or issuer did not check out
        return render_error(400, _("This sign-in could not be verified (it may be old or used already). "
                                   "Start again from the sign-in page."))
    except unreachable:
        return render_error(502, _("The academy directory cannot be reached just now. Try again in a few minutes."))
    except SsoRefused as exc:
        db.session.commit()  # keep the audit of the refusal
        return render_error(403, str(exc))
    target = session.get(NEXT_KEY) or url_for("learn.dashboard")
    start_session(user)
    flash(_("Signed in with %(name)s.", name=current_app.config.get("OIDC_NAME") or _("your academy directory")),
          "success")
    return redirect(target)

"""The LTI endpoints a platform calls: OIDC login, launch, deep-linking answer, hand-over, and the tool's JWKS.

Framing: only the launch's own pages (the hand-over and the deep-linking choice) may be shown inside the
platform's page, and only by that platform's origins (CSP frame-ancestors, no X-Frame-Options on them).
Every other page of Dignity keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY`.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, make_response, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import login_user

from course.core.audit import record_event
from course.core.security import allow_framing
from course.database import writes_on_get
from course.extensions import csrf, db
from course.lti.people import LaunchRefused
from course.lti.platforms import origin, platform_origins, registered_origins
from course.models import User

bp = Blueprint("lti", __name__, url_prefix="/lti")


def refusal(message: str):
    """The clear page for a refused launch (400, the reason in words, never a trace), in the lean layout.

    It is shown where the launch was, often inside a registered platform's frame, so those platforms may frame
    it (and only they): it holds no form or link that acts.
    """
    page = make_response(render_template("lti/refused.html", message=message), 400)
    return allow_framing(page, registered_origins(db.session))


def start_session(user: User) -> None:
    """Sign in on a fresh session (nothing from before carries over), audited."""
    session.clear()
    login_user(user)
    record_event(db.session, user, "lti.sign_in", "user", user.id)


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the platform's page starts it; the state cookie and the single-use nonce protect the launch
@writes_on_get  # stores the nonce
def login():
    # Imported here, not above: the LTI library (with PyJWT, requests and cryptography, ~15 MB) loads only in a
    # worker that serves an LTI request.
    from course.lti.launch import login_redirect

    try:
        return login_redirect(db.session)
    except LaunchRefused as error:
        return refusal(str(error))


@bp.post("/launch")
@csrf.exempt  # a cross-site form post by design: the signed id_token, the state and the nonce are its proof
def launch():
    # Imported here, not above: the LTI library (with PyJWT, requests and cryptography, ~15 MB) loads only in a
    # worker that serves an LTI request.
    from course.lti.deep_linking import placeable_modules
    from course.lti.launch import accept_launch, handover_token

    try:
        accepted = accept_launch(db.session)
    except LaunchRefused as error:
        return refusal(str(error))
    if accepted.deep_linking:
        page = render_template("lti/deep_link.html", launch_id=accepted.message.get_launch_id(),
                               modules=placeable_modules(db.session), roster=accepted.roster)
        return allow_framing(make_response(page), platform_origins(accepted.platform))
    if not accepted.in_frame:  # the platform opened a window of its own: sign in here and go straight there
        start_session(accepted.user)
        return redirect(accepted.destination)
    token = handover_token(db.session, accepted.user, accepted.destination)
    page = render_template("lti/launched.html", user=accepted.user, token=token, roster=accepted.roster)
    return allow_framing(make_response(page), platform_origins(accepted.platform))


@bp.get("/enter/<token>")
@writes_on_get  # uses up the token
def enter(token: str):
    """The hand-over: a one-time link from the framed launch page signs in at the top level, where cookies work."""
    # Imported here, not above: the LTI library (with PyJWT, requests and cryptography, ~15 MB) loads only in a
    # worker that serves an LTI request.
    from course.lti.storage import take_value

    handover = take_value(db.session, f"handover-{token[:64]}")
    user = db.session.get(User, handover["user_id"]) if handover else None
    if user is None or not user.active or user.session_version != handover["version"]:
        return refusal(_expired())
    start_session(user)
    return redirect(handover["next"])


def _expired() -> str:
    return _("This link was already used or has expired. Please open Dignity again from your course page.")


@bp.post("/deep-link")
@csrf.exempt  # inside the platform's frame no session cookie arrives; the unguessable launch id is the proof
def deep_link():
    # Imported here, not above: the LTI library (with PyJWT, requests and cryptography, ~15 MB) loads only in a
    # worker that serves an LTI request.
    from course.lti.deep_linking import deep_link_response

    chosen = request.form.getlist("module")
    try:
        return_url, token, origins = deep_link_response(db.session, request.form.get("launch_id", "")[:100], chosen)
    except LaunchRefused:
        return refusal(_expired())
    page = render_template("lti/deep_link_return.html", return_url=return_url, token=token, count=len(chosen))
    return allow_framing(make_response(page), origins, [o for o in [origin(return_url)] if o])


@bp.get("/jwks.json")
def jwks():
    """The tool's public keys: platforms fetch them to check our client assertions and deep-linking answers."""
    # Imported here, not above: the LTI library (with PyJWT, requests and cryptography, ~15 MB) loads only in a
    # worker that serves an LTI request.
    from course.lti.keys import tool_jwks

    response = jsonify(tool_jwks())
    response.cache_control.public, response.cache_control.max_age = True, 300
    return response

"""The OIDC login and the launch: validated by pylti1p3, then turned into an account, a cohort and a destination."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException, OIDCException
from sqlalchemy.orm import Session

from course.core.catalogue import load_live_version
from course.lti.grades import remember_target
from course.lti.people import LaunchRefused, account_for, context_for, enrol, is_teacher
from course.lti.platforms import public_url
from course.lti.registry import DatabaseToolConf
from course.lti.roster import RosterSync, RosterUnavailable, sync_roster
from course.lti.sending import http_session
from course.lti.storage import DatabaseLaunchStorage, LaunchCookieService, put_value
from course.models import LtiPlatform, User

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
HANDOVER_SECONDS = 300


@dataclass(frozen=True)
class Launch:
    """A validated launch: who, from which platform, where to, and whether it is a deep-linking request."""

    message: FlaskMessageLaunch
    platform: LtiPlatform
    user: User
    data: dict
    destination: str
    deep_linking: bool
    roster: RosterSync | str | None = None  # a teacher's launch syncs the course roster: what it did, or why not

    @property
    def in_frame(self) -> bool:
        """Shown inside the platform's page unless the platform opened a window of its own."""
        return (self.data.get(CLAIM + "launch_presentation") or {}).get("document_target") != "window"


def _parts(session: Session) -> tuple[FlaskRequest, DatabaseToolConf, dict]:
    flask_request = FlaskRequest()
    services = {"cookie_service": LaunchCookieService(flask_request),
                "launch_data_storage": DatabaseLaunchStorage(session)}
    return flask_request, DatabaseToolConf(session), services


def login_redirect(session: Session):
    """The OIDC third-party login: remember a state (cookie) and a nonce, send the browser to the platform."""
    flask_request, conf, services = _parts(session)
    try:
        return FlaskOIDCLogin(flask_request, conf, **services).redirect(public_url("lti.launch"))
    except (OIDCException, LtiException) as error:
        raise LaunchRefused(refusal_message(str(error))) from None
    except (TypeError, ValueError):  # a parameter that is not text
        raise LaunchRefused(refusal_message("")) from None


REFUSALS = (  # what pylti1p3 says → what the person who clicked the link reads
    (("State not found", "Missing state param"),
     lambda: _("This launch does not match a sign-in started from your browser. Please open Dignity again "
               "from your course page.")),
    (("Invalid Nonce", '"nonce" is empty'),
     lambda: _("This launch was already used or has expired. Please open Dignity again from your course page.")),
    (("Registration not found", "Client id not registered", "Could not find registration", "Could not find issuer"),
     lambda: _("This learning platform is not registered with Dignity, or the launch was meant for another tool. "
               "Please ask your academy's administrator.")),
    (("Unable to find deployment", "deployment_id is not set"),
     lambda: _("This placement of Dignity (its deployment) is not registered. Please ask your academy's "
               "administrator to add its deployment ID.")),
    (("Can't decode id_token", "Unable to find public key", "JWT", "Invalid id_token", "Can't convert"),
     lambda: _("This launch could not be verified: its signature is not valid or it has expired.")),
)


def refusal_message(error: str) -> str:
    """A human message for a launch the library refused."""
    for fragments, message in REFUSALS:
        if any(fragment in error for fragment in fragments):
            return message()
    return _("This launch could not be accepted. Please open Dignity again from your course page.")


def _check_audience(data: dict, platform: LtiPlatform) -> None:
    aud = data.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if platform.client_id not in audiences or (len(audiences) > 1 and data.get("azp") != platform.client_id):
        raise LaunchRefused(refusal_message("Client id not registered"))


def validate_launch(session: Session) -> tuple[FlaskMessageLaunch, LtiPlatform, dict]:
    """Check the id_token (signature, issuer, audience, deployment, state, single-use nonce) or refuse."""
    flask_request, conf, services = _parts(session)
    message = FlaskMessageLaunch(flask_request, conf, requests_session=http_session(), **services)
    try:
        data = message.get_launch_data()
    except (LtiException, OIDCException) as error:
        raise LaunchRefused(refusal_message(str(error))) from None
    except (AttributeError, TypeError, KeyError, ValueError):  # a token whose parts are not what LTI says
        raise LaunchRefused(refusal_message("")) from None
    if not isinstance(data, dict):
        raise LaunchRefused(refusal_message(""))
    platform = conf.platform
    if platform is None:
        raise LaunchRefused(refusal_message("Registration not found"))
    _check_audience(data, platform)
    if not data.get("sub"):
        raise LaunchRefused(_("Dignity needs to know who you are: anonymous launches are not supported."))
    return message, platform, data


def _module_slug(session: Session, data: dict) -> str | None:
    wanted = str((data.get(CLAIM + "custom") or {}).get("module") or "")
    version = load_live_version(session) if wanted else None
    if version is None or all(m.slug != wanted for m in version.modules):
        return None
    return wanted


def accept_launch(session: Session) -> Launch:
    """Validate the launch, then link or make the account, enrol it in the course's cohort, note the grade target."""
    message, platform, data = validate_launch(session)
    subject, roles = str(data["sub"])[:255], [str(r) for r in data.get(CLAIM + "roles") or []]
    user = account_for(session, platform, subject, data, roles)
    context, roster = data.get(CLAIM + "context"), None
    if context and context.get("id"):
        memberships_url = (data.get(NRPS_CLAIM) or {}).get("context_memberships_url")
        course = context_for(session, platform, context, memberships_url)
        enrol(session, course, user, roles)
        if is_teacher(roles) and course.memberships_url:
            try:
                roster = sync_roster(session, course, http_session())
            except RosterUnavailable:
                roster = _("The course roster could not be read just now; it will be read at the next launch.")
    deep_linking = message.is_deep_link_launch()
    if deep_linking and not is_teacher(roles):
        raise LaunchRefused(_("Only a course's teachers can choose what to place in it."))
    slug = _module_slug(session, data)
    link = (data.get(CLAIM + "resource_link") or {}).get("id")
    if link and not deep_linking:
        remember_target(session, platform, user, subject, str(link)[:255], slug, data)
    destination = url_for("learn.module", slug=slug) if slug else url_for("learn.dashboard")
    return Launch(message, platform, user, data, destination, deep_linking, roster)


def handover_token(session: Session, user: User, destination: str) -> str:
    """A one-time, five-minute token that signs `user` in at the top level (outside the platform's frame)."""
    token = secrets.token_urlsafe(32)
    put_value(session, f"handover-{token}", {"user_id": user.id, "version": user.session_version,
                                             "next": destination}, HANDOVER_SECONDS)
    return token

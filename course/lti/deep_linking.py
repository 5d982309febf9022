"""Deep linking: a course's teacher picks modules (or the whole course) to place in the platform's course."""

from __future__ import annotations

from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskRequest
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem
from sqlalchemy import delete
from sqlalchemy.orm import Session

from course.core.catalogue import load_live_version
from course.lti.launch import CLAIM
from course.lti.people import LaunchRefused, is_teacher
from course.lti.platforms import platform_origins, public_url
from course.lti.registry import DatabaseToolConf
from course.lti.storage import DatabaseLaunchStorage, LaunchCookieService
from course.models import LtiLaunchValue, Module

WHOLE_COURSE = "_course"


def placeable_modules(session: Session) -> list[Module]:
    """The live course's modules, in course order."""
    version = load_live_version(session)
    return list(version.modules) if version else []


def _resource(url: str, title: str, resource_id: str, custom: dict) -> DeepLinkResource:
    lineitem = (LineItem().set_score_maximum(100).set_label(title).set_resource_id(resource_id)
                .set_tag(f"dignity:{resource_id}"))
    return DeepLinkResource().set_url(url).set_title(title).set_custom_params(custom).set_lineitem(lineitem)


def restore(session: Session, launch_id: str) -> FlaskMessageLaunch:
    """The deep-linking launch this form belongs to (a teacher's, still fresh), or LaunchRefused."""
    flask_request = FlaskRequest()
    try:
        message = FlaskMessageLaunch.from_cache(launch_id, flask_request, DatabaseToolConf(session),
                                                cookie_service=LaunchCookieService(flask_request),
                                                launch_data_storage=DatabaseLaunchStorage(session))
    except LtiException:
        message = None
    if message is None or not message.is_deep_link_launch() or not is_teacher(
            message.get_launch_data().get(CLAIM + "roles") or []):
        raise LaunchRefused("expired")
    return message


def deep_link_response(session: Session, launch_id: str, chosen: list[str]) -> tuple[str, str, list[str]]:
    """(return URL, signed response JWT, the platform's origins) placing `chosen` modules; the launch is used up."""
    message = restore(session, launch_id)
    launch_url = public_url("lti.launch")
    resources = []
    if WHOLE_COURSE in chosen:
        resources.append(_resource(launch_url, "Dignity", "course", {}))
    resources += [_resource(launch_url, m.title, m.slug, {"module": m.slug})
                  for m in placeable_modules(session) if m.slug in chosen]
    deep_link = message.get_deep_link()
    settings = message.get_launch_data()["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]
    token = deep_link.get_response_jwt(resources)
    session.execute(delete(LtiLaunchValue).where(LtiLaunchValue.key == launch_id))
    platform = DatabaseToolConf(session)._lookup(message.get_iss(), message.get_client_id())
    return settings["deep_link_return_url"], token, platform_origins(platform) if platform else []

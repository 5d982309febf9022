"""Names and Role Provisioning: a platform course's roster, synced into its cohort (teachers as trainers)."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from pylti1p3.exception import LtiException
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.lti.people import LaunchRefused, account_for, enrol, is_teacher
from course.lti.registry import registration_for
from course.models import LtiContext, utcnow


@dataclass(frozen=True)
class RosterSync:
    """What one sync did: members and trainers on the roster, and people skipped (deactivated or without id)."""

    members: int
    trainers: int
    skipped: int


class RosterUnavailable(Exception):
    """The platform's roster could not be read (network, refusal, or no roster service for this course)."""


def sync_roster(session: Session, context: LtiContext, http: requests.Session) -> RosterSync:
    """Read the course's roster from the platform and add everyone active to the cohort. Flushes, never commits.

    Only adds: someone who left the course keeps their records and their place in the cohort, which a trainer
    may remove (records are never deleted by a sync).
    """
    if not context.memberships_url:
        raise RosterUnavailable("no roster service for this course")
    connector = ServiceConnector(registration_for(context.platform), requests_session=http)
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": context.memberships_url,
                                                        "service_versions": ["2.0"]})
    try:
        members = service.get_members()
    except (LtiException, requests.RequestException, ValueError) as error:
        raise RosterUnavailable(str(error)[:300]) from None
    counts = {"members": 0, "trainers": 0, "skipped": 0}
    for member in members:
        subject, roles = str(member.get("user_id") or "")[:255], [str(r) for r in member.get("roles") or []]
        if not subject or member.get("status", "Active") != "Active":
            counts["skipped"] += 1
            continue
        try:
            user = account_for(session, context.platform, subject, dict(member), roles)
        except LaunchRefused:
            counts["skipped"] += 1
            continue
        enrol(session, context, user, roles)
        counts["trainers" if is_teacher(roles) else "members"] += 1
    context.synced_at = utcnow()
    session.flush()
    return RosterSync(**counts)


def contexts_with_rosters(session: Session) -> list[LtiContext]:
    """Every platform course that offered a roster service."""
    return list(session.scalars(select(LtiContext).where(LtiContext.memberships_url.is_not(None))
                                .order_by(LtiContext.id)))

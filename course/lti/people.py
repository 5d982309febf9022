"""Who a launch is: the account for the platform's subject (iss + sub), made if new, and the course's cohort."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.core.accounts import AccountError, create_user, find_user_by_email, name_problem, normalise_email
from course.core.audit import record_event
from course.core.memberships import add_member, add_trainer
from course.models import UNUSABLE_PASSWORD, Cohort, LtiContext, LtiIdentity, LtiPlatform, Role, User, utcnow

# LTI roles (https://www.imsglobal.org/spec/lti/v1p3/#role-vocabularies) that run a course: they become trainers.
# No LTI role ever makes an admin here: admins are appointed in Dignity only.
TEACHING_ROLES = frozenset({"Instructor", "ContentDeveloper", "Mentor", "TeachingAssistant", "Administrator"})


class LaunchRefused(Exception):
    """A launch we will not honour, with a message for the person who clicked the link."""


def is_teacher(roles: Iterable[str]) -> bool:
    """Whether the LTI roles include one that teaches (context or institution, full URI or short name)."""
    return any(role.rsplit("#", 1)[-1].rsplit("/", 1)[-1] in TEACHING_ROLES for role in roles)


def mapped_role(roles: Iterable[str]) -> Role:
    """Trainer for teaching roles, trainee otherwise."""
    return Role.TRAINER if is_teacher(roles) else Role.TRAINEE


def _display_name(claims: dict) -> str:
    name = (claims.get("name") or " ".join(filter(None, [claims.get("given_name"), claims.get("family_name")]))
            or "").strip()[:120]
    return name if name and not name_problem(name) else _("Learner")


def _undeliverable_email(platform: LtiPlatform, subject: str) -> str:
    """The address of an account the platform gave no (usable) email for: unique, stable, and never delivered."""
    digest = hashlib.sha256(f"{platform.id}:{subject}".encode()).hexdigest()[:20]
    return f"lti-{platform.id}-{digest}@lti.invalid"  # .invalid never delivers (RFC 2606)


def account_for(session: Session, platform: LtiPlatform, subject: str, claims: dict, roles: list[str]) -> User:
    """The account for the platform's subject: linked before, matched by email if the admin allowed it, or new."""
    identity = session.scalar(select(LtiIdentity).where(LtiIdentity.platform_id == platform.id,
                                                        LtiIdentity.subject == subject))
    user = session.get(User, identity.user_id) if identity else None
    email = normalise_email(claims.get("email") or "")
    if user is None and platform.match_email and email:
        user = find_user_by_email(session, email)
    if user is None:
        user = _provision(session, platform, subject, claims, email, roles)
    if not user.active:
        raise LaunchRefused(_("This account is deactivated. Please ask your academy's administrator."))
    if identity is None:
        session.add(LtiIdentity(platform_id=platform.id, subject=subject, user_id=user.id))
        record_event(session, None, "lti.identity_linked", "user", user.id, platform=platform.name)
    if mapped_role(roles) is Role.TRAINER and user.role == Role.TRAINEE.value:
        user.role = Role.TRAINER.value
        record_event(session, None, "lti.role_raised", "user", user.id, platform=platform.name, role="trainer")
    session.flush()
    return user


def _provision(session: Session, platform: LtiPlatform, subject: str, claims: dict, email: str,
               roles: list[str]) -> User:
    if not email or find_user_by_email(session, email) is not None:
        email = _undeliverable_email(platform, subject)  # someone else's address stays theirs
    try:
        user = create_user(session, email=email, name=_display_name(claims), password=secrets.token_urlsafe(24),
                           role=mapped_role(roles))
    except AccountError:
        user = create_user(session, email=_undeliverable_email(platform, subject), name=_display_name(claims),
                           password=secrets.token_urlsafe(24), role=mapped_role(roles))
    user.password_hash = UNUSABLE_PASSWORD  # signs in through the platform; a password link can add one later
    session.flush()
    record_event(session, None, "lti.account_created", "user", user.id, platform=platform.name)
    return user


def context_for(session: Session, platform: LtiPlatform, context: dict, memberships_url: str | None) -> LtiContext:
    """The platform's course as a cohort, made on its first launch (named after the course)."""
    context_id = str(context.get("id"))[:255]
    found = session.scalar(select(LtiContext).where(LtiContext.platform_id == platform.id,
                                                    LtiContext.context_id == context_id))
    title = str(context.get("title") or context.get("label") or "")[:255]
    if found is None:
        found = LtiContext(platform_id=platform.id, context_id=context_id, title=title)
        session.add(found)
    if found.cohort_id is None or session.get(Cohort, found.cohort_id) is None:
        cohort = Cohort(name=(title or _("Course on %(platform)s", platform=platform.name))[:120],
                        starts_on=utcnow().date(), invite_code=secrets.token_urlsafe(18)[:24])
        session.add(cohort)
        session.flush()
        found.cohort_id = cohort.id
    found.title = title or found.title
    found.memberships_url = memberships_url or found.memberships_url
    session.flush()
    return found


def enrol(session: Session, context: LtiContext, user: User, roles: list[str]) -> None:
    """Teachers become the cohort's trainers, everyone else its members."""
    cohort = session.get(Cohort, context.cohort_id)
    if is_teacher(roles):
        add_trainer(session, cohort, user)
    else:
        add_member(session, cohort, user)

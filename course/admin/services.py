"""Admin operations on accounts and content (each audited; none commits) and the queries behind the admin pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select, update
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.core.pagination import Page, paginate
from course.core.records import certificate_history
from course.core.settings import pin_version
from course.models import AuditEvent, Certificate, Cohort, CohortMember, ContentVersion, Module, Role, User


class AdminError(ValueError):
    """An admin action that would do harm, refused with the reason."""


def active_admins(session: Session) -> int:
    """How many active admin accounts exist."""
    return session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.active))


def change_role(session: Session, actor: User, user: User, role: Role) -> bool:
    """Give `user` a new role. Refuses to remove the last active admin."""
    if user.role == role.value:
        return False
    if user.role == Role.ADMIN.value and user.active and active_admins(session) <= 1:
        raise AdminError(_("This is the only active admin. Make someone else an admin first."))
    record_event(session, actor, "user.role_changed", "user", user.id, old=user.role, new=role.value)
    user.role = role.value
    user.session_version += 1  # their open sessions end, so the new role applies at once
    session.flush()
    return True


def set_active(session: Session, actor: User, user: User, active: bool) -> bool:
    """Deactivate (they cannot sign in; their records stay) or reactivate an account."""
    if user.active == active:
        return False
    if user.id == actor.id:
        raise AdminError(_("You cannot deactivate your own account."))
    if not active and user.role == Role.ADMIN.value and active_admins(session) <= 1:
        raise AdminError(_("This is the only active admin. Make someone else an admin first."))
    user.active = active
    if not active:
        user.session_version += 1  # signed out everywhere
    record_event(session, actor, "user.reactivated" if active else "user.deactivated", "user", user.id)
    session.flush()
    return True


def activate_version(session: Session, actor: User, version: ContentVersion) -> bool:
    """Make a content version live by an admin's choice, pinned so that `content sync` leaves it live.

    Records keep the version they were earned on.
    """
    if version.is_live:
        return False
    session.execute(update(ContentVersion).where(ContentVersion.id != version.id).values(is_live=False))
    version.is_live = True
    pin_version(session, actor, version)
    record_event(session, actor, "content.activated", "content_version", version.short_hash, pinned=True)
    session.flush()
    return True


def role_counts(session: Session) -> dict[str, int]:
    """How many accounts hold each role."""
    return dict(session.execute(select(User.role, func.count(User.id)).group_by(User.role)).all())


def find_users(session: Session, text: str, role: str, page: int, size: int) -> Page:
    """Accounts whose name, email or badge number contains `text` (any case), with `role` if it names one.

    An exact email or badge number comes first, then by name. All in SQL, one page at a time (one query,
    whatever the academy's size); `ix_users_email_lower` and `ix_users_badge_number_lower` serve exact matches.
    """
    query = select(User)
    order = [User.name, User.id]
    if text:
        needle = text.lower()
        like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        email, badge = func.lower(User.email), func.lower(User.badge_number)
        query = query.where(or_(func.lower(User.name).like(like, escape="\\"), email.like(like, escape="\\"),
                                badge.like(like, escape="\\")))
        order.insert(0, case((or_(email == needle, badge == needle), 0), else_=1))
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    return paginate(session, query.order_by(*order), page, size)


def content_versions(session: Session) -> list[tuple[ContentVersion, int]]:
    """Every content version, newest first, with its number of modules."""
    return list(session.execute(
        select(ContentVersion, func.count(Module.id)).outerjoin(Module, Module.version_id == ContentVersion.id)
        .group_by(ContentVersion.id).order_by(ContentVersion.synced_at.desc(), ContentVersion.id.desc())
    ).all())


def live_version(session: Session) -> ContentVersion | None:
    """The live content version, without its modules."""
    return session.scalar(select(ContentVersion).where(ContentVersion.is_live))


def audit_actions(session: Session) -> list[str]:
    """The actions the audit log holds, in order."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def audit_events(session: Session, page: int, size: int, who: str = "", action: str = "",
                 since: date | None = None, until: date | None = None) -> Page:
    """Audit events with their actors, newest first, filtered by actor email, action and dates."""
    query: Select = select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
    if who:
        query = query.where(func.lower(User.email).like(f"%{who.strip().lower()}%"))
    if action:
        query = query.where(AuditEvent.action == action)
    if since:
        query = query.where(AuditEvent.at >= datetime.combine(since, time.min, UTC))
    if until:
        query = query.where(AuditEvent.at <= datetime.combine(until, time.max, UTC))
    return paginate(session, query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), page, size, rows=True)


def user_overview(session: Session, user: User) -> tuple[list[Cohort], list[Certificate]]:
    """The cohorts `user` belongs to, by name, and their certificates, newest first (two queries)."""
    cohorts = list(session.scalars(select(Cohort).join(CohortMember, CohortMember.cohort_id == Cohort.id)
                                   .where(CohortMember.user_id == user.id).order_by(Cohort.name, Cohort.id)))
    return cohorts, certificate_history(session, user)

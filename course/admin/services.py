"""Admin operations on accounts and content. Each is audited; none commits."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from course.audit import record_event
from course.models import ContentVersion, Role, User


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
        raise AdminError("This is the only active admin. Make someone else an admin first.")
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
        raise AdminError("You cannot deactivate your own account.")
    if not active and user.role == Role.ADMIN.value and active_admins(session) <= 1:
        raise AdminError("This is the only active admin. Make someone else an admin first.")
    user.active = active
    if not active:
        user.session_version += 1  # signed out everywhere
    record_event(session, actor, "user.reactivated" if active else "user.deactivated", "user", user.id)
    session.flush()
    return True


def activate_version(session: Session, actor: User, version: ContentVersion) -> bool:
    """Make an earlier content version live again (records keep the version they were earned on)."""
    if version.is_live:
        return False
    session.execute(update(ContentVersion).where(ContentVersion.id != version.id).values(is_live=False))
    version.is_live = True
    record_event(session, actor, "content.activated", "content_version", version.short_hash)
    session.flush()
    return True

"""Members whose account still has no password: every one of their set-password links, at any later time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.core.notices import queue_notices
from course.core.password_links import reissue_set_links
from course.models import UNUSABLE_PASSWORD, Cohort, CohortMember, Notice, NoticeKind, NoticeStatus, Role, User, utcnow

PAGE = 500  # links made, stored and streamed per page: memory stays flat for any cohort size


def pending_members(cohort: Cohort, actor: User):
    """A query for the cohort's members with no password yet whose links `actor` may issue: accounts this
    cohort's import created (any account, for an admin)."""
    query = (select(User.id, User.name, User.email, User.badge_number)
             .join(CohortMember, CohortMember.user_id == User.id)
             .where(CohortMember.cohort_id == cohort.id, User.password_hash == UNUSABLE_PASSWORD, User.active))
    if not actor.has_role(Role.ADMIN):
        query = query.where(CohortMember.created_account)
    return query


def pending_count(session: Session, cohort: Cohort, actor: User) -> int:
    """How many members are still waiting to set a password."""
    return session.scalar(select(func.count()).select_from(pending_members(cohort, actor).subquery()))


def reissued_link_pages(session: Session, actor: User, cohort: Cohort) -> Iterator[list[tuple]]:
    """Pages of (user id, name, email, badge number, token): fresh links that end every earlier one.

    Keyset pages by user id, so the list is never held whole; the caller commits each page before sending it
    (a link is only given out once it is stored).
    """
    last_id = 0
    while True:
        page = session.execute(pending_members(cohort, actor).where(User.id > last_id)
                               .order_by(User.id).limit(PAGE)).all()
        if not page:
            return
        tokens = reissue_set_links(session, actor, [row.id for row in page])
        record_event(session, actor, "cohort.password_links_reissued", "cohort", cohort.id, count=len(page))
        session.flush()
        yield [(row.id, row.name, row.email, row.badge_number or "", tokens[row.id]) for row in page]
        last_id = page[-1].id


def queue_link_emails(session: Session, actor: User, cohort: Cohort, now: datetime | None = None) -> int:
    """Queue a set-password email for every pending member; the reminders run makes each link when it sends.

    One INSERT … SELECT whatever the cohort's size; a second click in the same minute queues nothing more.
    """
    now = now or utcnow()
    members = pending_members(cohort, actor).subquery()
    created_at = literal(now, Notice.__table__.c.created_at.type)
    queued = queue_notices(session, select(
        members.c.id, literal(NoticeKind.PASSWORD_LINK), literal(now.strftime("%Y-%m-%dT%H:%M")), literal(cohort.id),
        literal(NoticeStatus.PENDING), literal(0), created_at).where(members.c.id.is_not(None)))
    record_event(session, actor, "cohort.password_links_queued", "cohort", cohort.id, count=queued)
    return queued

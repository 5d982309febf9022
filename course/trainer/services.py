"""Cohort operations: create, co-trainers, invitations, joining and leaving. Flush, never commit."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from course.core.access import visible_cohorts
from course.core.accounts import find_user_by_email
from course.core.audit import record_event
from course.core.cohorts import membership_changed
from course.models import (
    AttemptItem,
    Cohort,
    CohortInvitation,
    CohortMember,
    CohortTrainer,
    QuizAttempt,
    Role,
    ScenarioRun,
    User,
    utcnow,
)


class CohortError(ValueError):
    """A cohort request that cannot be carried out, with a message for the person who made it."""


def new_invite_code() -> str:
    """A short, unguessable invite code."""
    return secrets.token_urlsafe(9)


def create_cohort(session: Session, creator: User, *, name: str, description: str, starts_on: date,
                  due_on: date | None) -> Cohort:
    """Create a cohort trained by `creator`."""
    cohort = Cohort(name=name, description=description or "", starts_on=starts_on, due_on=due_on,
                    created_by_id=creator.id, invite_code=new_invite_code())
    session.add(cohort)
    session.flush()
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=creator.id))
    record_event(session, creator, "cohort.created", "cohort", cohort.id, name=name)
    session.flush()
    return cohort


def add_co_trainer(session: Session, actor: User, cohort: Cohort, email: str) -> User:
    """Add a trainer or admin, found by email, as a co-trainer."""
    user = find_user_by_email(session, email)
    if user is None or not user.has_role(Role.TRAINER, Role.ADMIN):
        raise CohortError(_("There is no trainer account with that email. Ask an admin to give them the trainer role."))
    if session.get(CohortTrainer, (cohort.id, user.id)) is None:
        session.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id))
        record_event(session, actor, "cohort.trainer_added", "cohort", cohort.id, trainer_id=user.id)
        session.flush()
    return user


def update_invite(session: Session, actor: User, cohort: Cohort, *, expires_on: date | None,
                  member_limit: int | None, regenerate: bool) -> None:
    """Change the invite link's expiry and member limit; a new code stops the old link working."""
    cohort.invite_expires_at = datetime.combine(expires_on, time.max, UTC) if expires_on else None
    cohort.member_limit = member_limit
    if regenerate:
        cohort.invite_code = new_invite_code()
    record_event(session, actor, "cohort.invite_changed", "cohort", cohort.id, regenerated=regenerate,
                 member_limit=member_limit)
    session.flush()


def member_count(session: Session, cohort: Cohort) -> int:
    """How many trainees are in the cohort."""
    return session.scalar(select(func.count(CohortMember.id)).where(CohortMember.cohort_id == cohort.id))


def cohort_by_invite(session: Session, code: str) -> Cohort | None:
    """The cohort an invite code belongs to."""
    return session.scalar(select(Cohort).where(Cohort.invite_code == code)) if code else None


def join_cohort(session: Session, user: User, cohort: Cohort, now: datetime | None = None) -> bool:
    """Add `user` to the cohort through its invite link. False if they were already a member."""
    now = now or utcnow()
    if not user.has_role(Role.TRAINEE):
        raise CohortError(_("Trainer and admin accounts cannot join a cohort as trainees."))
    if session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                 CohortMember.user_id == user.id)):
        return False
    # Joins through one link queue on the cohort's row (PostgreSQL; SQLite's POSTs already hold the write lock),
    # so each counts the members who joined before it and the limit holds under concurrent joins.
    session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    if cohort.invite_expires_at is not None and now > cohort.invite_expires_at:
        raise CohortError(_("This invitation has expired. Ask your trainer for a new link."))
    if cohort.member_limit is not None and member_count(session, cohort) >= cohort.member_limit:
        raise CohortError(_("This cohort is full. Ask your trainer to raise the limit or enrol you directly."))
    try:
        with session.begin_nested():
            session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, joined_at=now))
    except IntegrityError:  # joined in another tab at the same moment
        return False
    membership_changed(session, cohort.id)
    record_event(session, user, "cohort.member_joined", "cohort", cohort.id, user_id=user.id, via="invite")
    return True


def answer_invitation(session: Session, user: User, invitation_id: int, accept: bool) -> Cohort | None:
    """Accept (join) or decline the user's own invitation; None if there is no such invitation any more."""
    invitation = session.scalar(select(CohortInvitation).where(CohortInvitation.id == invitation_id,
                                                               CohortInvitation.user_id == user.id))
    if invitation is None:
        return None
    cohort = invitation.cohort
    taken = session.execute(delete(CohortInvitation).where(CohortInvitation.id == invitation.id)
                            .execution_options(synchronize_session=False)).rowcount
    session.expunge(invitation)
    if not taken:  # answered in another tab at the same moment
        return cohort
    if not accept:
        record_event(session, user, "cohort.invitation_declined", "cohort", cohort.id, user_id=user.id)
        return cohort
    if not user.has_role(Role.TRAINEE):
        raise CohortError(_("Trainer and admin accounts cannot join a cohort as trainees."))
    try:
        with session.begin_nested():
            session.add(CohortMember(cohort_id=cohort.id, user_id=user.id, joined_at=utcnow()))
    except IntegrityError:  # already a member (joined through the invite link meanwhile)
        return cohort
    membership_changed(session, cohort.id)
    record_event(session, user, "cohort.member_joined", "cohort", cohort.id, user_id=user.id, via="invitation")
    return cohort


def invited_emails(session: Session, cohort: Cohort) -> list[str]:
    """The emails invited to the cohort that have not answered yet (their names stay private until they accept)."""
    return list(session.scalars(select(User.email).join(CohortInvitation, CohortInvitation.user_id == User.id)
                                .where(CohortInvitation.cohort_id == cohort.id).order_by(User.email)))


def cohorts_with_counts(session: Session, user: User) -> tuple[list[Cohort], dict[int, int]]:
    """The cohorts `user` may see, newest first, and their member counts by cohort id (two queries)."""
    cohorts = list(session.scalars(visible_cohorts(user).order_by(Cohort.starts_on.desc(), Cohort.id)))
    counts = dict(session.execute(
        select(CohortMember.cohort_id, func.count(CohortMember.id))
        .where(CohortMember.cohort_id.in_(visible_cohorts(user).with_only_columns(Cohort.id)))
        .group_by(CohortMember.cohort_id)).all())
    return cohorts, counts


def find_member(session: Session, cohort: Cohort, user_id: int) -> CohortMember | None:
    """The membership of user `user_id` in `cohort`, if they are a member."""
    return session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                     CohortMember.user_id == user_id))


def trainee_attempt(session: Session, user_id: int, attempt_id: int) -> QuizAttempt | None:
    """One of the trainee's attempts with its items and their questions (three queries), or None if not theirs."""
    return session.scalar(
        select(QuizAttempt).where(QuizAttempt.id == attempt_id, QuizAttempt.user_id == user_id)
        .options(selectinload(QuizAttempt.items).selectinload(AttemptItem.question)))


def trainee_activity(session: Session, user: User) -> tuple[list[QuizAttempt], list[ScenarioRun]]:
    """All of a trainee's quiz attempts and scenario runs, by module and number (two queries)."""
    attempts = list(session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)
                                    .order_by(QuizAttempt.module_slug, QuizAttempt.number)))
    runs = list(session.scalars(select(ScenarioRun).where(ScenarioRun.user_id == user.id)
                                .order_by(ScenarioRun.module_slug, ScenarioRun.number)))
    return attempts, runs

"""A trainee's cohorts for their own dashboard (memberships with due dates, what is left, invitations), and adding
people to a cohort from outside the trainer's pages (a learning platform's roster)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from course.core.progress import CourseProgress
from course.models import Cohort, CohortInvitation, CohortMember, CohortTrainer, User, utcnow


@dataclass(frozen=True)
class CohortStanding:
    """One cohort of a trainee: its due date and, unless the course is done, what is left and whether it is late."""

    cohort: Cohort
    done: bool
    overdue: bool
    modules_left: int
    exam_left: bool

    @property
    def due_on(self) -> date | None:
        return self.cohort.due_on


def trainee_cohorts(session: Session, user: User) -> tuple[list[Cohort], list[CohortInvitation]]:
    """The cohorts `user` belongs to (soonest due first) and the invitations they have not answered (oldest first).

    One query, however many cohorts: the dashboard's query count must not grow with them.
    """
    member = and_(CohortMember.cohort_id == Cohort.id, CohortMember.user_id == user.id)
    invited = and_(CohortInvitation.cohort_id == Cohort.id, CohortInvitation.user_id == user.id)
    rows = session.execute(
        select(Cohort, CohortMember.id, CohortInvitation).outerjoin(CohortMember, member)
        .outerjoin(CohortInvitation, invited).where(or_(CohortMember.id.is_not(None), CohortInvitation.id.is_not(None)))
        .order_by(Cohort.due_on.is_(None), Cohort.due_on, Cohort.name, Cohort.id)).all()
    invitations = sorted((invitation for _cohort, _member, invitation in rows if invitation is not None),
                         key=lambda invitation: invitation.id)
    return [cohort for cohort, member_id, _invitation in rows if member_id is not None], invitations


def cohort_standings(cohorts: list[Cohort], progress: CourseProgress, certified: bool = False,
                     today: date | None = None) -> list[CohortStanding]:
    """Each cohort with what is left; overdue as the trainer's page counts it (the UTC date after the due date)."""
    today = today or utcnow().date()
    done = progress.is_complete or certified
    modules_left = sum(not m.is_complete for m in progress.modules)
    exam_left = progress.exam is not None and not progress.exam.passed
    return [CohortStanding(cohort, done, not done and cohort.due_on is not None and today > cohort.due_on,
                           modules_left, exam_left)
            for cohort in cohorts]


def add_member(session: Session, cohort: Cohort, user: User) -> bool:
    """Make `user` a member of `cohort` (any invitation is then answered); False if already one. Flushes."""
    if session.scalar(select(CohortMember.id).where(CohortMember.cohort_id == cohort.id,
                                                    CohortMember.user_id == user.id)) is not None:
        return False
    session.add(CohortMember(cohort_id=cohort.id, user_id=user.id))
    invitation = session.scalar(select(CohortInvitation).where(CohortInvitation.cohort_id == cohort.id,
                                                               CohortInvitation.user_id == user.id))
    if invitation is not None:
        session.delete(invitation)
    session.flush()
    return True


def add_trainer(session: Session, cohort: Cohort, user: User) -> bool:
    """Make `user` a trainer of `cohort`; False if already one. Flushes."""
    if session.get(CohortTrainer, (cohort.id, user.id)) is not None:
        return False
    session.add(CohortTrainer(cohort_id=cohort.id, user_id=user.id))
    session.flush()
    return True

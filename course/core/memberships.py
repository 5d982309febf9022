"""A trainee's cohorts: the effective due date and the exemption rule, memberships with what is left, invitations;
and adding people to a cohort from outside the trainer's pages (a learning platform's roster).

The two rules every page uses (trainee dashboard, trainee record, the cohort's status):
- `effective_due_on` / `EFFECTIVE_DUE_ON`: the trainee's own due date (a trainer's extension) if set, else the
  cohort's: `coalesce(cohort_members.due_on, cohorts.due_on)`.
- `done_for_cohort`: a module a trainee is exempt from counts as done for the cohort's completion and overdue
  status. It never counts towards a certificate: the certificate vouches for knowledge shown, not excused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.core.progress import CourseProgress, ModuleProgress
from course.models import Cohort, CohortInvitation, CohortMember, CohortTrainer, MemberExemption, User, utcnow

# The due date that applies to a trainee in a cohort, as SQL (a query that joins cohort_members and cohorts).
EFFECTIVE_DUE_ON = func.coalesce(CohortMember.due_on, Cohort.due_on)


def effective_due_on(member: CohortMember | None, cohort: Cohort) -> date | None:
    """The due date that applies to a trainee: their own (an extension) if set, else the cohort's."""
    if member is not None and member.due_on is not None:
        return member.due_on
    return cohort.due_on


def done_for_cohort(module: ModuleProgress, exempt: frozenset[str] | set[str]) -> bool:
    """Whether a module counts as done for a cohort: completed, or the trainee is exempt from it."""
    return module.module.slug in exempt or module.is_complete


def exemptions_by_member(session: Session, member_ids: list[int] | Select) -> dict[int, frozenset[str]]:
    """Per cohort member id (a list, or a query selecting them): the module slugs they are exempt from (one query)."""
    found: dict[int, set[str]] = {}
    if isinstance(member_ids, list) and not member_ids:
        return {}
    for member_id, slug in session.execute(select(MemberExemption.cohort_member_id, MemberExemption.module_slug)
                                           .where(MemberExemption.cohort_member_id.in_(member_ids))):
        found.setdefault(member_id, set()).add(slug)
    return {member_id: frozenset(slugs) for member_id, slugs in found.items()}


@dataclass(frozen=True)
class CohortStanding:
    """One cohort of a trainee: its due date and, unless the course is done, what is left and whether it is late."""

    cohort: Cohort
    done: bool
    overdue: bool
    modules_left: int
    exam_left: bool
    due_on: date | None  # the effective due date: the trainee's extension, else the cohort's
    exempt: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Membership:
    """A cohort a trainee belongs to, with their own due date (if extended) and exemptions."""

    cohort: Cohort
    member_id: int
    own_due_on: date | None
    exempt: frozenset[str] = frozenset()

    @property
    def due_on(self) -> date | None:
        return self.own_due_on if self.own_due_on is not None else self.cohort.due_on


_member = and_(CohortMember.cohort_id == Cohort.id, CohortMember.user_id == bindparam("user_id"))
_invited = and_(CohortInvitation.cohort_id == Cohort.id, CohortInvitation.user_id == bindparam("user_id"))
TRAINEE_COHORTS = (  # read on every dashboard: built once
    select(Cohort, CohortMember.id, CohortMember.due_on, CohortInvitation).outerjoin(CohortMember, _member)
    .outerjoin(CohortInvitation, _invited).where(or_(CohortMember.id.is_not(None), CohortInvitation.id.is_not(None)))
    .order_by(EFFECTIVE_DUE_ON.is_(None), EFFECTIVE_DUE_ON, Cohort.name, Cohort.id))


def trainee_cohorts(session: Session, user: User) -> tuple[list[Membership], list[CohortInvitation]]:
    """The cohorts `user` belongs to (soonest effective due date first) and the unanswered invitations (oldest first).

    Two queries, however many cohorts: the dashboard's query count must not grow with them.
    """
    rows = session.execute(TRAINEE_COHORTS, {"user_id": user.id}).all()
    invitations = sorted((invitation for *_member, invitation in rows if invitation is not None),
                         key=lambda invitation: invitation.id)
    member_ids = [member_id for _cohort, member_id, _due, _invitation in rows if member_id is not None]
    exempt = exemptions_by_member(session, member_ids)
    return [Membership(cohort, member_id, due_on, exempt.get(member_id, frozenset()))
            for cohort, member_id, due_on, _invitation in rows if member_id is not None], invitations


def cohort_standings(memberships: list[Membership], progress: CourseProgress, certified: bool = False,
                     today: date | None = None) -> list[CohortStanding]:
    """Each cohort with what is left; overdue as the trainer's page counts it (the UTC date after the due date).

    Exempt modules count as done here (`done_for_cohort`), so an exempt trainee is not overdue for them.
    """
    today = today or utcnow().date()
    exam_left = progress.exam is not None and not progress.exam.passed
    standings = []
    for membership in memberships:
        modules_left = sum(not done_for_cohort(m, membership.exempt) for m in progress.modules)
        done = certified or (modules_left == 0 and bool(progress.modules) and not exam_left)
        due_on = membership.due_on
        standings.append(CohortStanding(membership.cohort, done, not done and due_on is not None and today > due_on,
                                        modules_left, exam_left, due_on, membership.exempt))
    return standings


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


def extend_due_date(session: Session, actor: User | None, member: CohortMember, due_on: date | None,
                    reason: str) -> bool:
    """Give the trainee their own due date (None: follow the cohort's again), with a reason. False if unchanged."""
    if member.due_on == due_on:
        return False
    record_event(session, actor, "member.due_date_changed", "user", member.user_id, cohort_id=member.cohort_id,
                 old=member.due_on.isoformat() if member.due_on else None,
                 new=due_on.isoformat() if due_on else None, reason=reason)
    member.due_on = due_on
    session.flush()
    return True

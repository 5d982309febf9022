"""Learning gain per objective for a cohort: the baseline check before the course against the final exam."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.models import AttemptItem, AttemptPurpose, AttemptStatus, Cohort, ContentVersion, Question, QuizAttempt
from course.reports.item_stats import MIN_RESPONSES, normalised_gain
from course.trainer.progress import member_filter


@dataclass
class ObjectiveGain:
    """One blueprint objective: trainees with both a baseline and an exam, their mean scores and the gain."""

    objective_id: str
    text: str
    matched: int  # trainees who took both the baseline check and the exam
    pre: float | None  # mean percent on this objective in the baseline check (matched trainees)
    post: float | None  # mean percent in their latest exam attempt
    baseline_only: int  # trainees with a baseline and no exam yet

    @property
    def gain(self) -> float | None:
        """The class-mean normalised gain, (post - pre) / (100 - pre)."""
        return None if self.pre is None or self.post is None else normalised_gain(self.pre, self.post)

    @property
    def too_few(self) -> bool:
        return self.matched < MIN_RESPONSES


def cohort_gain(session: Session, cohort: Cohort, version: ContentVersion) -> list[ObjectiveGain]:
    """Per blueprint objective, the cohort's baseline and exam scores (one query, whatever the cohort's size)."""
    rows = session.execute(
        select(QuizAttempt.user_id, QuizAttempt.purpose, QuizAttempt.submitted_at, QuizAttempt.id,
               Question.objective, func.avg(AttemptItem.credit))
        .join(AttemptItem, AttemptItem.attempt_id == QuizAttempt.id)
        .join(Question, Question.id == AttemptItem.question_id)
        .where(member_filter(cohort, QuizAttempt.user_id), QuizAttempt.status == AttemptStatus.SUBMITTED,
               QuizAttempt.purpose.in_((AttemptPurpose.PRETEST, AttemptPurpose.EXAM)))
        .group_by(QuizAttempt.user_id, QuizAttempt.purpose, QuizAttempt.submitted_at, QuizAttempt.id,
                  Question.objective)
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    )
    pre: dict[tuple[int, str], float] = {}
    post: dict[tuple[int, str], float] = {}  # later exam attempts overwrite earlier ones: the latest counts
    for user_id, purpose, _submitted_at, _attempt_id, objective, share in rows:
        target = pre if purpose == AttemptPurpose.PRETEST else post
        target[(user_id, objective)] = 100 * float(share or 0)
    texts = {o["id"]: o["text"] for m in version.modules for o in m.objectives}
    gains = []
    for objective in version.exam_settings.get("objectives", []):
        matched = [key for key in pre if key[1] == objective and key in post]
        gains.append(ObjectiveGain(
            objective, texts.get(objective, objective), len(matched),
            round(sum(pre[k] for k in matched) / len(matched), 1) if matched else None,
            round(sum(post[k] for k in matched) / len(matched), 1) if matched else None,
            sum(1 for key in pre if key[1] == objective and key not in post),
        ))
    return gains

"""What quizzes, practice rounds, the pre-test and the final exam report through the records-out seam."""

from __future__ import annotations

from collections.abc import Mapping

from course.core.events import Activity, LearningEvent, record_learning, statements_wanted
from course.core.i18n import question_words
from course.models import AttemptPurpose, ContentVersion, Question, QuizAttempt, User, utcnow


def attempt_activity(attempt: QuizAttempt) -> Activity:
    """The assessment an attempt was taken on: a module's quiz, the exam, the pre-test or a practice round."""
    if attempt.purpose == AttemptPurpose.QUIZ and attempt.module is not None:
        return Activity(f"/modules/{attempt.module_slug}/quiz", "assessment", f"{attempt.module.title}: quiz")
    names = {AttemptPurpose.EXAM: ("/exam", "Final exam"), AttemptPurpose.PRETEST: ("/pretest", "Pre-test"),
             AttemptPurpose.PRACTICE: ("/practice", "Practice round")}
    path, name = names.get(attempt.purpose, (f"/{attempt.purpose}", attempt.purpose))
    return Activity(path, "assessment", name)


def attempt_version(attempt: QuizAttempt) -> ContentVersion | None:
    """The content version the attempt's questions were published in."""
    if attempt.module is not None:
        return attempt.module.version
    return attempt.items[0].question.module.version if attempt.items else None


def report_launched(session, attempt: QuizAttempt, user: User) -> None:
    """`launched`: the trainee began an attempt (its registration starts here)."""
    if not statements_wanted():
        return
    record_learning(session, LearningEvent(
        "launched", user, attempt_activity(attempt), key=f"attempt:{attempt.id}:launched", at=attempt.started_at,
        version=attempt_version(attempt), registration=f"attempt:{attempt.id}"))


def report_graded(session, attempt: QuizAttempt, questions: Mapping[int, Question] | None = None) -> None:
    """`answered` for each question, then `passed`/`failed` (quiz, exam) or `completed` (practice, pre-test)."""
    if not statements_wanted():
        return
    user = session.get(User, attempt.user_id)
    activity, version = attempt_activity(attempt), attempt_version(attempt)
    registration, at = f"attempt:{attempt.id}", attempt.submitted_at or utcnow()
    for item in attempt.items:
        question = item.question_from(questions)
        record_learning(session, LearningEvent(
            "answered", user, Activity(f"/modules/{question.module.slug}/questions/{question.key}", "question",
                                       question.key),
            key=f"attempt:{attempt.id}:item:{item.position}:answered", at=at, version=version, parent=activity,
            registration=registration, score=round(100 * (item.credit or 0), 1), success=(item.credit or 0) >= 1,
            completion=item.response is not None, language=question_words(question, attempt.language)[1]))
    verb = "completed"
    if attempt.is_graded_for_completion:
        verb = "passed" if attempt.passed else "failed"
    record_learning(session, LearningEvent(
        verb, user, activity, key=f"attempt:{attempt.id}:graded", at=at, version=version, registration=registration,
        score=attempt.score, success=attempt.passed, completion=True, duration=at - attempt.started_at,
        language=question_words(attempt.items[0].question_from(questions), attempt.language)[1] if attempt.items
        else None))

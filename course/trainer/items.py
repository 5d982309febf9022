"""Item analysis of a module quiz for a cohort (or for every trainee): data in, statistics out."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.core.questions import get_type
from course.models import AttemptItem, AttemptPurpose, AttemptStatus, Cohort, Module, Question, QuizAttempt
from course.reports.item_stats import ItemResponse, ItemStatistics, QuizStatistics, analyse
from course.trainer.progress import member_filter


@dataclass
class ItemReport:
    """A question with its statistics, as the item analysis page shows it."""

    key: str
    question: dict  # in the reader's language when the question has it (whatever languages it was answered in)
    stats: ItemStatistics
    lang: str = "en"  # the language of `question`'s words


def item_analysis(session: Session, module: Module, cohort: Cohort | None,
                  first_attempts_only: bool = False) -> tuple[QuizStatistics, list[ItemReport]]:
    """Statistics for every question of `module`'s bank that was answered (two queries).

    Questions are matched by their stable id across content versions and languages (an attempt taken in Korean
    and one taken in English count towards the same question); their text comes from `module`, as loaded for
    the reader.
    """
    filters = [QuizAttempt.module_slug == module.slug, QuizAttempt.status == AttemptStatus.SUBMITTED,
               QuizAttempt.purpose == AttemptPurpose.QUIZ]
    if cohort is not None:
        filters.append(member_filter(cohort, QuizAttempt.user_id))
    if first_attempts_only:
        filters.append(QuizAttempt.number == 1)
    rows = session.execute(
        select(AttemptItem.attempt_id, AttemptItem.position, Question.key, AttemptItem.credit, AttemptItem.response,
               Question.type)
        .join(QuizAttempt, QuizAttempt.id == AttemptItem.attempt_id)
        .join(Question, Question.id == AttemptItem.question_id)
        .where(*filters).order_by(AttemptItem.attempt_id, AttemptItem.position)
    ).all()
    number = {q.key: index for index, q in enumerate(module.questions)}
    extra = iter(range(len(number), len(number) + len(rows)))
    responses, slots = [], {}
    for attempt_id, _position, key, credit, response, kind in rows:
        if key not in number:  # a question since removed from the bank keeps its own number
            number[key] = next(extra)
        chosen = get_type(kind).counted_choices(response or ())  # e.g. ordering counts only the item put first
        responses.append(ItemResponse(attempt_id, number[key], credit or 0.0, chosen))
        slots.setdefault(attempt_id, []).append(credit or 0.0)
    statistics = analyse(responses, slots)
    by_number = {index: key for key, index in number.items()}
    questions = {q.key: q for q in module.questions}
    reports = []
    for n, stats in sorted(statistics.items.items()):
        question = questions.get(by_number[n])
        reports.append(ItemReport(by_number[n], question.data, stats, question.content_lang) if question else
                       ItemReport(by_number[n], {"prompt": by_number[n], "choices": []}, stats))
    return statistics, reports


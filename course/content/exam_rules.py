"""Rules for the final exam: its blueprint in course.yaml and the exam-only pools in each module's exam.yaml."""

from __future__ import annotations

from collections import Counter

from course.content.loader import LoadedCourse
from course.content.yamlio import Problem

FRESH_DRAWS = 3  # a blueprint objective's pool holds enough items for this many attempts without repeats


def check_exam(course: LoadedCourse, question_ids: Counter) -> None:
    """The blueprint names real objectives, each with a large enough exam-only pool; exam items are sound."""
    course_path = course.display(course.root / "course.yaml")
    exam = course.spec.exam
    objectives = {o.id: m for m in course.modules for o in m.spec.objectives}
    pool: Counter[str] = Counter()
    for module in course.modules:
        declared = {o.id for o in module.spec.objectives}
        sources = {s.id for s in module.spec.sources}
        for question in module.exam_questions:
            data, where = question.data, (question.path, question.line)
            pool[data["objective"]] += 1
            if question_ids[data["id"]] > 1:
                course.problems.append(Problem(*where, f"question id '{data['id']}' is used more than once"))
            if data["objective"] not in declared:
                course.problems.append(Problem(*where, f"{data['id']}: objective '{data['objective']}' is not "
                                                       "declared in module.yaml"))
            elif exam is None or data["objective"] not in exam.objectives:
                course.problems.append(Problem(*where, f"{data['id']}: objective '{data['objective']}' is not in "
                                                       "the exam blueprint (course.yaml exam.objectives)"))
            if data["source"] not in sources:
                course.problems.append(Problem(*where, f"{data['id']}: source '{data['source']}' is not declared "
                                                       "in module.yaml"))
    if exam is None:
        return
    needed = exam.items_per_objective * min(exam.max_attempts, FRESH_DRAWS)
    for objective in exam.objectives:
        if objective not in objectives:
            course.problems.append(Problem(course_path, None, f"exam.objectives: '{objective}' is not an objective "
                                                              "of any module"))
        elif pool[objective] < needed:
            course.problems.append(Problem(course_path, None, f"exam objective '{objective}' has {pool[objective]} "
                                                              f"exam item(s); it needs at least {needed} (exam.yaml)"))
    if len(set(exam.objectives)) != len(exam.objectives):
        course.problems.append(Problem(course_path, None, "exam.objectives lists an objective twice"))

"""Item-writing rules for the quiz banks, after Haladyna, Downing & Rodriguez (2002): one rule a function."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace

from course.content.loader import LoadedCourse, LoadedModule, LoadedQuestion
from course.content.schema import CONTENT_LOCALES
from course.content.yamlio import ContentError, Problem, read_yaml

MIN_QUESTIONS_PER_OBJECTIVE = 3
MAX_RANK_SHARE_COURSE = 1 / 3  # no key length rank may hold more than this share of single-choice keys
MAX_RANK_SHARE_MODULE = 1 / 2
MIN_KEYS_FOR_RANK_RULE = (12, 6)  # (course, module): below this a share says nothing about cueing
TRUE_SHARE = (0.40, 0.60)
MIN_KEYS_FOR_TRUE_RULE = 10
MIN_APPLICATION_SHARE = 0.60
NONE_OR_ALL = re.compile(r"\b(all|none|both|neither) of the (above|options|answers)\b|모두 해당|해당 없음",
                         re.IGNORECASE)
NEGATIVE = re.compile(r"\*{0,2}_?\b(not|never|except|least|cannot|[a-z]+n['’]t)\b_?\*{0,2}", re.I)
SENTENCE_END = re.compile(r"(?:(?<=[.?!])|(?<=[.?!][\"”’']))\s+")


def key_length_rank(question: dict) -> int:
    """1 for the longest option; ties share a rank (two options longer than the key: rank 3)."""
    lengths = [len(c["text"].strip()) for c in question["choices"]]
    key = next(i for i, c in enumerate(question["choices"]) if c.get("correct"))
    return 1 + sum(length > lengths[key] for length in lengths)


def true_key(question: dict) -> bool:
    """Whether a true/false question is keyed True."""
    return any(c["text"] == "True" and c.get("correct") for c in question["choices"])


def _singles(questions: Iterable[LoadedQuestion]) -> list[dict]:
    return [q.data for q in questions if q.data["type"] == "single"]


def _ordinal(rank: int) -> str:
    return {1: "longest", 2: "2nd-longest", 3: "3rd-longest"}.get(rank, f"{rank}th-longest")


def _quiz_line(course: LoadedCourse, module: LoadedModule) -> tuple[str, int | None]:
    path = module.questions[0].path if module.questions else f"{module.folder}/quiz.yaml"
    linemap = module.linemaps.get(path)
    return path, linemap.line(("questions",)) if linemap else None


def _course_line(course: LoadedCourse, key: str) -> tuple[str, int | None]:
    path = course.root / "course.yaml"
    display = course.display(path)
    try:
        return display, read_yaml(path, display)[1].line((key,))
    except ContentError:
        return display, None


def _field_line(module: LoadedModule, question: LoadedQuestion, *key) -> int | None:
    """The line of a key inside `question`, found through the quiz file's line map."""
    linemap = module.linemaps.get(question.path)
    if linemap is None:
        return question.line
    index = next((k[1] for k, line in linemap.lines.items()
                  if len(k) == 2 and k[0] == "questions" and line == question.line), None)
    return question.line if index is None else linemap.line(("questions", index, *key))


def rank_cue(course: LoadedCourse) -> list[Problem]:
    """Options of similar length: no key length rank may dominate the single-choice keys."""
    problems = []
    ranks = Counter(key_length_rank(q) for m in course.modules for q in _singles(m.questions))
    total = sum(ranks.values())
    if total >= MIN_KEYS_FOR_RANK_RULE[0]:
        for rank, count in sorted(ranks.items()):
            if count > total * MAX_RANK_SHARE_COURSE:
                problems.append(Problem(*_course_line(course, "modules"),
                                        f"the key is the {_ordinal(rank)} option in {count} of {total} single-choice "
                                        f"questions ({count / total:.0%}); at most a third may share a length rank"))
    for module in course.modules:
        module_ranks = Counter(key_length_rank(q) for q in _singles(module.questions))
        total = sum(module_ranks.values())
        if total < MIN_KEYS_FOR_RANK_RULE[1]:
            continue
        for rank, count in sorted(module_ranks.items()):
            if count > total * MAX_RANK_SHARE_MODULE:
                problems.append(Problem(*_quiz_line(course, module),
                                        f"the key is the {_ordinal(rank)} option in {count} of {total} single-choice "
                                        f"questions ({count / total:.0%}); at most half may share a length rank"))
    return problems


def true_false_balance(course: LoadedCourse) -> list[Problem]:
    """True/false keys are 40-60% True across the course (the per-module shares are reported with it)."""
    keys = [(m, true_key(q.data)) for m in course.modules for q in m.questions if q.data["type"] == "true_false"]
    if len(keys) < MIN_KEYS_FOR_TRUE_RULE:
        return []
    share = sum(key for _, key in keys) / len(keys)
    if TRUE_SHARE[0] <= share <= TRUE_SHARE[1]:
        return []
    per_module = ", ".join(f"{m.slug} {sum(k for n, k in keys if n is m)}/{sum(n is m for n, _ in keys)}"
                           for m in course.modules if any(n is m for n, _ in keys))
    return [Problem(*_course_line(course, "modules"),
                    f"{share:.0%} of true/false questions are keyed True; keep it between "
                    f"{TRUE_SHARE[0]:.0%} and {TRUE_SHARE[1]:.0%} (True per module: {per_module})")]


def no_all_or_none_of_the_above(course: LoadedCourse) -> list[Problem]:
    """No 'all of the above' or 'none of the above' options, in any language."""
    problems = []
    for module in course.modules:
        for question in module.questions:
            data = question.data
            variants = [((locale,), data[locale]["choices"]) for locale in CONTENT_LOCALES if locale in data]
            for prefix, choices in (((), data["choices"]), *variants):
                for index, choice in enumerate(choices):
                    if NONE_OR_ALL.search(choice["text"]):
                        line = _field_line(module, question, *prefix, "choices", index)
                        problems.append(Problem(question.path, line,
                                                f"{data['id']}: '{choice['text']}' is an all/none-of-the-above "
                                                "option; write a real alternative"))
    return problems


def negative_stems(course: LoadedCourse) -> list[Problem]:
    """A negative in the question's ask is easy to miss: emphasise it (**not**, NOT) or rephrase."""
    problems = []
    for module in course.modules:
        for question in module.questions:
            sentences = [s for s in SENTENCE_END.split(question.data["prompt"].strip()) if s]
            for match in NEGATIVE.finditer(sentences[-1] if sentences else ""):
                word = match.group(1)
                if word.isupper() and len(word) > 1 or match.group(0).startswith(("*", "_")):
                    continue
                problems.append(Problem(question.path, _field_line(module, question, "prompt"),
                                        f"{question.data['id']}: the stem asks a negative ('{word}'); "
                                        "emphasise it (**not**) or ask positively"))
    return problems


def objectives_assessed(course: LoadedCourse) -> list[Problem]:
    """Every objective is assessed by at least three questions in its module's bank."""
    problems = []
    for module in course.modules:
        assessed = Counter(q.data["objective"] for q in module.questions)
        for objective in module.spec.objectives:
            if module.questions and assessed[objective.id] < MIN_QUESTIONS_PER_OBJECTIVE:
                problems.append(Problem(f"{module.folder}/module.yaml", None,
                                        f"objective '{objective.id}' is assessed by {assessed[objective.id]} "
                                        f"question(s); it needs at least {MIN_QUESTIONS_PER_OBJECTIVE}"))
    return problems


def application_share(course: LoadedCourse) -> list[Problem]:
    """At least 60% of each module's bank asks the trainee to apply, not recall."""
    problems = []
    for module in course.modules:
        if not module.questions:
            continue
        applied = sum(q.data.get("level") == "application" for q in module.questions)
        share = applied / len(module.questions)
        if share < MIN_APPLICATION_SHARE:
            problems.append(Problem(*_quiz_line(course, module),
                                    f"{applied} of {len(module.questions)} questions ({share:.0%}) are "
                                    f"application level; at least {MIN_APPLICATION_SHARE:.0%} must be"))
    return problems


ITEM_RULES: tuple[Callable[[LoadedCourse], list[Problem]], ...] = (
    rank_cue, true_false_balance, no_all_or_none_of_the_above, negative_stems, objectives_assessed,
    application_share,
)


# The final exam's pools (exam.yaml) follow the same rules, except coverage: the exam blueprint sets that.
EXAM_POOL_RULES = tuple(rule for rule in ITEM_RULES if rule is not objectives_assessed)


def exam_pools(course: LoadedCourse) -> LoadedCourse:
    """The course as the rules see its exam: each module's questions are its exam-only pool."""
    modules = [replace(module, questions=module.exam_questions) for module in course.modules if module.exam_questions]
    return replace(course, modules=modules, problems=[])


def check_items(course: LoadedCourse) -> None:
    """Run every item-writing rule over the quiz banks and the exam pools; findings go to `course.problems`."""
    for rule in ITEM_RULES:
        course.problems.extend(rule(course))
    exam = exam_pools(course)
    if exam.modules:
        for rule in EXAM_POOL_RULES:
            course.problems.extend(rule(exam))

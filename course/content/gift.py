"""Moodle GIFT import and export: the generic tokenising; each question type maps its own GIFT form.

Read here: `::id::` titles, answer lists (`=` right, `~` wrong, `~%50%` weighted, `#` feedback), true/false
flags (`{T#feedback if wrong#feedback if right}`), `####` general feedback (our explanation), `//` comments.
Our own metadata rides in comments that Moodle ignores: `// objective: ID`, `// source: ID`,
`// level: application`, and a type's own such as `// scoring: all_or_nothing`. The registered types
(`to_gift`, `from_gift`) turn the answer block into questions and back. Anything else (matching,
numerical, short answer, essay, missing word, HTML) is reported with its line, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course.core.questions import REGISTRY, GiftAnswers, GiftChoice

ESCAPES = {"\\:": "\ue000", "\\#": "\ue001", "\\=": "\ue002", "\\~": "\ue003", "\\{": "\ue004", "\\}": "\ue005",
           "\\\\": "\ue006", "\\n": "\n"}
RESTORE = {v: k[1] for k, v in ESCAPES.items() if k != "\\n"}
META = re.compile(r"^//\s*([a-z_]+)\s*:\s*(\S+)\s*$")
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


@dataclass
class GiftResult:
    """Questions read from a GIFT file and the problems found, by line."""

    questions: list[dict] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


def _protect(text: str) -> str:
    for escape, stand_in in ESCAPES.items():
        text = text.replace(escape, stand_in)
    return text


def _restore(text: str) -> str:
    return "".join(RESTORE.get(ch, ch) for ch in text).strip()


def parse_gift(text: str, objective: str | None = None, source: str | None = None) -> GiftResult:
    """Read GIFT text into question dicts in our format; defaults fill missing objective/source."""
    result = GiftResult()
    meta: dict[str, str] = {}
    block: list[str] = []
    start = 0
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        stripped = line.strip()
        if stripped.startswith("//"):
            match = META.match(stripped)
            if match:
                meta[match.group(1)] = match.group(2)
            continue
        if stripped:
            block.append(line)
            start = start or number
            continue
        if block:
            defaults = {"objective": objective, "source": source, **meta}
            question = _parse_question(" ".join(b.strip() for b in block), start, defaults, result.problems)
            if question:
                result.questions.append(question)
        block, meta, start = [], {}, 0
    return result


def _parse_question(raw: str, line: int, meta: dict, problems: list) -> dict | None:
    text = _protect(raw)
    title = None
    title_match = re.match(r"^::(.*?)::", text)
    if title_match:
        title, text = _restore(title_match.group(1)), text[title_match.end():]
    def fail(reason: str) -> None:
        problems.append((line, reason))

    if text.lstrip().startswith("[html]"):
        return fail("HTML question text is not supported; use [markdown] or plain text")
    text = re.sub(r"^\s*\[(?:markdown|plain|moodle)\]", "", text)
    if text.count("{") != 1 or text.count("}") != 1:
        return fail("a question needs exactly one answer block { … }")
    prompt, rest = text.split("{", 1)
    answers, after = rest.split("}", 1)
    if after.strip():
        return fail("missing-word questions (text after the answers) are not supported")
    if not title or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", title):
        return fail("give the question a ::id:: title in lower-case-with-dashes; it becomes its stable id")
    answers, _sep, general = answers.partition("####")
    question = {"id": title, "prompt": _restore(prompt), "explanation": _restore(general),
                "objective": meta.get("objective"), "source": meta.get("source")}
    parsed = _parse_answers(answers.strip(), meta, fail)
    if parsed is None:
        return None
    question |= parsed | ({"level": meta["level"]} if "level" in meta else {})
    for key, hint in (("explanation", "general feedback (####)"), ("objective", "'// objective: ID'"),
                      ("source", "'// source: ID'")):
        if not question[key]:
            return fail(f"{title}: no {key}: add {hint} or pass --{key}" if key != "explanation"
                        else f"{title}: no {hint} to use as the explanation")
    missing = [c["text"] for c in question["choices"] if not c["feedback"]]
    if missing:
        return fail(f"{title}: every answer needs feedback (#…); missing for: {', '.join(missing)}")
    order = ["id", "type", "objective", "level", "prompt", "choices", "explanation", "source"]
    ordered = {key: question[key] for key in order if key in question}
    return ordered | {key: value for key, value in question.items() if key not in order}


def _parse_answers(answers: str, meta: dict, fail) -> dict | None:
    """Tokenise the answer block, then let the type whose GIFT form it is make the question."""
    if not answers:
        return fail("essay questions ({}) are not supported")
    if answers.startswith("#"):
        return fail("numerical questions ({#…}) are not supported")
    if "->" in answers:
        return fail("matching questions (->) are not supported")
    tokens = _tokenise(answers, meta)
    if tokens is None:
        return fail("answers start with = (right) or ~ (wrong)")
    if tokens.truth is None and not tokens.right_count:
        return fail("short-answer questions (only = answers, or no right answer) are not supported")
    for kind in REGISTRY.values():
        try:
            question = kind.from_gift(tokens)
        except ValueError as exc:
            return fail(str(exc))
        if question is not None:
            return question
    return fail("no question type reads this answer block")


def _tokenise(answers: str, meta: dict) -> GiftAnswers | None:
    """A true/false flag with its feedbacks, or the `=`/`~` answers with their weights; None if neither."""
    truth = re.fullmatch(r"(T|TRUE|F|FALSE)((?:#[^#]*){0,2})", answers)
    if truth:
        feedback = [_restore(f) for f in truth.group(2).split("#")[1:]] + ["", ""]
        return GiftAnswers(truth=truth.group(1).startswith("T"), wrong_feedback=feedback[0],
                           right_feedback=feedback[1], meta=meta)
    parts = re.split(r"(?=[=~])", answers)
    if parts[0].strip():
        return None
    tokens = GiftAnswers(meta=meta)
    for part in parts[1:]:
        marker, body = part[0], part[1:]
        weight_match = WEIGHT.match(body)
        tokens.weighted = tokens.weighted or weight_match is not None
        weight = float(weight_match.group(1)) if weight_match else (100.0 if marker == "=" else 0.0)
        body = body[weight_match.end():] if weight_match else body
        answer_text, _sep, feedback = body.partition("#")
        tokens.choices.append(GiftChoice(_restore(answer_text), _restore(feedback), weight))
    return tokens


def _escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in ":#=~{}":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def export_gift(questions: list[dict]) -> tuple[str, list[str]]:
    """GIFT text for `questions`, and the ids of those whose type GIFT cannot express (ordering)."""
    blocks, skipped = [], []
    for q in questions:
        answers = REGISTRY[q["type"]].to_gift(q)
        if answers is None:
            skipped.append(q["id"])
            continue
        lines = [f"// objective: {q['objective']}", f"// source: {q['source']}"]
        if q.get("level"):
            lines.append(f"// level: {q['level']}")
        lines += [f"// {key}: {value}" for key, value in answers.meta.items()]
        head = f"::{q['id']}:: {_escape(q['prompt'])} {{"
        if answers.truth is not None:
            flag = "TRUE" if answers.truth else "FALSE"
            lines.append(f"{head}{flag}#{_escape(answers.wrong_feedback)}#{_escape(answers.right_feedback)}")
        else:
            lines.append(head)
            for c in answers.choices:
                marker = f"~%{c.weight:.5g}%" if answers.weighted else ("=" if c.weight > 0 else "~")
                lines.append(f"  {marker}{_escape(c.text)}#{_escape(c.feedback)}")
        lines.append(f"  ####{_escape(q['explanation'])}")
        lines.append("}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n", skipped

"""Moodle GIFT import and export: the generic tokenising; each question type maps its own GIFT form.

Read here, as Moodle writes it: `::title::` names (any text; a stable id is made from it, or from the
question's words when there is none), `[html]`, `[moodle]`, `[plain]` and `[markdown]` text formats (HTML
is reduced with nh3 to plain text, the only form our question text takes), `$CATEGORY:` lines, answer lists
(`=` right, `~` wrong, `~%50%` weighted, `#` feedback), true/false flags (`{T#feedback if wrong#feedback if
right}`), `####` general feedback (our explanation), missing-word questions (text after the answers: the
blank is shown as "_____") and `//` comments. Our own metadata rides in comments Moodle ignores:
`// objective: ID`, `// source: ID`, `// level: application`, and a type's own such as
`// scoring: all_or_nothing`.

Each question becomes an entry: **ready** (everything the course requires), a **draft** (what it lacks is
listed: objective, source, level, feedback, explanation) or **skipped** with its line and the reason
(matching, numerical, short answer, essay, description). One question's trouble never stops the others.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field

import nh3

from course.core.markdown import render_markdown
from course.core.questions import REGISTRY, GiftAnswers, GiftChoice

ESCAPES = {"\\:": "\ue000", "\\#": "\ue001", "\\=": "\ue002", "\\~": "\ue003", "\\{": "\ue004", "\\}": "\ue005",
           "\\\\": "\ue006", "\\n": "\n"}
RESTORE = {v: k[1] for k, v in ESCAPES.items() if k != "\\n"}
META = re.compile(r"^//\s*([a-z_]+)\s*:\s*(\S+)\s*$")
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
ID = re.compile(r"[a-z0-9][a-z0-9-]*")
BLANK = "_____"
REQUIRED = {"objective": "no objective ('// objective: ID')", "source": "no source ('// source: ID')",
            "level": "no level ('// level: recall' or 'application')",
            "explanation": "no general feedback (####) to use as the explanation"}


@dataclass
class GiftEntry:
    """One question of a GIFT file: what became of it and why."""

    line: int
    question: dict | None = None  # None when skipped
    reasons: list[str] = field(default_factory=list)  # why it was skipped, or what a draft lacks
    notes: list[str] = field(default_factory=list)  # what was adapted on the way in

    @property
    def status(self) -> str:
        if self.question is None:
            return "skipped"
        return "draft" if self.reasons else "ready"

    @property
    def id(self) -> str | None:
        return self.question["id"] if self.question else None


@dataclass
class GiftResult:
    """The entries of a GIFT file, in order, and the `$CATEGORY:` lines met."""

    entries: list[GiftEntry] = field(default_factory=list)
    categories: list[tuple[int, str]] = field(default_factory=list)

    @property
    def questions(self) -> list[dict]:
        """The questions complete enough for the bank."""
        return [e.question for e in self.entries if e.status == "ready"]

    @property
    def problems(self) -> list[tuple[int, str]]:
        """(line, reason) for every question that is not ready."""
        return [(e.line, f"{e.id + ': ' if e.id else ''}{'; '.join(e.reasons)}") for e in self.entries if e.reasons]


def _protect(text: str) -> str:
    for escape, stand_in in ESCAPES.items():
        text = text.replace(escape, stand_in)
    return text


def _restore(text: str) -> str:
    return "".join(RESTORE.get(ch, ch) for ch in text).strip()


def plain_text(text: str, text_format: str = "moodle") -> str:
    """Question text in the form we keep: HTML and Markdown reduced to plain words, whitespace tidied."""
    if text_format == "markdown":
        text = str(render_markdown(text))
        text_format = "html"
    if text_format == "html":
        text = re.sub(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>", " ", text)
        text = html.unescape(nh3.clean(text, tags=set()))
    return " ".join(text.split())


def _field(text: str, default_format: str) -> str:
    """A restored text that may carry its own `[format]` prefix (Moodle allows one on answers too)."""
    match = FORMAT.match(text)
    text_format = match.group(1).lower() if match else default_format
    return plain_text(_restore(text[match.end():] if match else text), text_format)


def stable_id(title: str | None, words: str) -> str:
    """An id in lower-case-with-dashes: the title's if it is one, else made from it, else from the words."""
    if title and ID.fullmatch(title):
        return title
    slug = re.sub(r"[^a-z0-9]+", "-", (title or "").lower()).strip("-")[:60].strip("-")
    if slug and ID.fullmatch(slug):
        return slug
    return "gift-" + hashlib.sha256(" ".join(words.split()).encode()).hexdigest()[:10]


def parse_gift(text: str, objective: str | None = None, source: str | None = None,
               level: str | None = None) -> GiftResult:
    """Read GIFT text into entries; `objective`, `source` and `level` fill what comments do not say."""
    result = GiftResult()
    defaults = {key: value for key, value in (("objective", objective), ("source", source), ("level", level))
                if value}
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
        if stripped.startswith("$CATEGORY:"):
            result.categories.append((number, stripped.split(":", 1)[1].strip()))
            stripped = ""
        if stripped:
            block.append(line)
            start = start or number
            continue
        if block:
            entry = GiftEntry(start)
            entry.question = _parse_question(" ".join(b.strip() for b in block), {**defaults, **meta}, entry)
            result.entries.append(entry)
        block, meta, start = [], {}, 0
    _distinct_ids(result.entries)
    return result


def _distinct_ids(entries: list[GiftEntry]) -> None:
    """Two questions with one title (Moodle allows it) get -2, -3… so each keeps an id of its own."""
    seen: dict[str, int] = {}
    for entry in entries:
        if entry.question is None:
            continue
        base = entry.question["id"]
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            entry.question["id"] = f"{base}-{seen[base]}"
            entry.notes.append(f"id '{entry.question['id']}': another question in the file has the same title")


def _parse_question(raw: str, meta: dict, entry: GiftEntry) -> dict | None:
    def skip(reason: str) -> None:
        entry.reasons.append(reason)

    text = _protect(raw)
    title = None
    title_match = re.match(r"^\s*::(.*?)::", text, re.DOTALL)
    if title_match:
        title, text = _restore(title_match.group(1)), text[title_match.end():]
    format_match = FORMAT.match(text)
    text_format = format_match.group(1).lower() if format_match else "moodle"
    text = text[format_match.end():] if format_match else text
    if "{" not in text:
        return skip("a description (text with no answers) is not a question; left out")
    if text.count("{") != 1 or text.count("}") != 1:
        return skip("a question needs exactly one answer block { … }; escape other braces as \\{ \\}")
    before, rest = text.split("{", 1)
    answers, after = rest.split("}", 1)
    answers, _sep, general = answers.partition("####")
    parsed = _parse_answers(answers.strip(), meta, text_format, entry)
    if parsed is None:
        return None
    prompt = _field(before, text_format)
    if after.strip() and parsed["type"] == "true_false":  # a flag has no blank: the words simply go on
        prompt = f"{prompt} {_field(after, text_format)}"
    elif after.strip():
        prompt = f"{prompt} {BLANK} {_field(after, text_format)}".replace(f"{BLANK} .", f"{BLANK}.")
        entry.notes.append(f"missing-word question: the blank is shown as {BLANK}")
    question_id = stable_id(title, prompt + answers)
    if question_id != title:
        entry.notes.append(f"id '{question_id}' made from the {'title' if title else 'question text'}")
    question = {"id": question_id, **parsed, "objective": meta.get("objective"), "level": meta.get("level"),
                "prompt": prompt, "explanation": _field(general, text_format), "source": meta.get("source")}
    entry.reasons += [reason for key, reason in REQUIRED.items() if not question[key]]
    missing = [c["text"] for c in question["choices"] if not c["feedback"]]
    if missing:
        entry.reasons.append(f"no feedback (#…) for: {', '.join(missing)}")
    order = ["id", "type", "objective", "level", "prompt", "choices", "explanation", "source"]
    ordered = {key: question[key] for key in order if question.get(key) is not None}
    return ordered | {key: value for key, value in question.items() if key not in order}


def _parse_answers(answers: str, meta: dict, text_format: str, entry: GiftEntry) -> dict | None:
    """Tokenise the answer block, then let the type whose GIFT form it is make the question."""
    def skip(reason: str) -> None:
        entry.reasons.append(reason)

    if not answers:
        return skip("essay questions ({}) are not supported; left out")
    if answers.startswith("#"):
        return skip("numerical questions ({#…}) are not supported; left out")
    if "->" in answers:
        return skip("matching questions (->) are not supported; left out")
    tokens = _tokenise(answers, meta, text_format)
    if tokens is None:
        return skip("answers start with = (right) or ~ (wrong)")
    if tokens.truth is None and all(c.marker == "=" for c in tokens.choices):
        return skip("short-answer questions (only = answers: typed, not chosen) are not supported; left out")
    if tokens.truth is None and not tokens.right_count:
        return skip("no answer carries credit")
    _fit_weights(tokens, entry)
    for kind in REGISTRY.values():
        try:
            question = kind.from_gift(tokens)
        except ValueError as exc:
            return skip(str(exc))
        if question is not None:
            return question
    return skip("no question type reads this answer block")


@dataclass
class _Choice(GiftChoice):
    marker: str = "="


def _tokenise(answers: str, meta: dict, text_format: str) -> GiftAnswers | None:
    """A true/false flag with its feedbacks, or the `=`/`~` answers with their weights; None if neither."""
    truth = re.fullmatch(r"(T|TRUE|F|FALSE)\s*((?:#[^#]*){0,2})", answers)
    if truth:
        feedback = [_field(f, text_format) for f in truth.group(2).split("#")[1:]] + ["", ""]
        return GiftAnswers(truth=truth.group(1).startswith("T"), wrong_feedback=feedback[0],
                           right_feedback=feedback[1], meta=meta)
    parts = re.split(r"(?=[=~])", answers)
    if parts[0].strip():
        return None
    tokens = GiftAnswers(meta=meta)
    for part in parts[1:]:
        marker, body = part[0], part[1:].lstrip()
        weight_match = WEIGHT.match(body)
        tokens.weighted = tokens.weighted or weight_match is not None
        weight = float(weight_match.group(1)) if weight_match else (100.0 if marker == "=" else 0.0)
        body = body[weight_match.end():] if weight_match else body
        answer_text, _sep, feedback = body.partition("#")
        tokens.choices.append(_Choice(_field(answer_text, text_format), _field(feedback, text_format), weight,
                                      marker))
    return tokens


def _fit_weights(tokens: GiftAnswers, entry: GiftEntry) -> None:
    """Moodle's percentages, read into our two scorings, saying what changed."""
    if tokens.truth is not None or not tokens.weighted:
        return
    full = [c for c in tokens.choices if c.weight >= 100]
    partial = [c for c in tokens.choices if 0 < c.weight < 100]
    if len(full) == 1 and partial:  # one right answer and some part-credit ones: a single-choice question
        for choice in partial:
            entry.notes.append(f"part credit ({choice.weight:g}%) for '{choice.text}' dropped: "
                               "single-choice questions are right or wrong")
            choice.weight = 0.0
    if len(full) == 1 and tokens.right_count == 1:
        if any(c.weight < 0 for c in tokens.choices):
            entry.notes.append("negative marks for wrong answers dropped: single-choice questions are right or wrong")
        tokens.weighted = False
        return
    right = tokens.right_count
    if right > 1:
        share = 100 / right
        if any(abs(abs(c.weight) - share) > 0.01 for c in tokens.choices if c.weight != 0) or any(
                c.weight == 0 for c in tokens.choices):
            entry.notes.append(f"weights read as +{share:g}% for each right answer and -{share:g}% for each "
                               "wrong one (our partial-credit rule)")
        for choice in tokens.choices:
            choice.weight = share if choice.weight > 0 else -share

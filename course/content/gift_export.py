"""Moodle GIFT export: a module's bank as GIFT, with our metadata in comments (see gift.py for the import)."""

from __future__ import annotations

from course.core.questions import REGISTRY


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

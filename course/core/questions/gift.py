"""A GIFT answer block as plain values: what `content/gift.py` reads and writes, and types map to."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class GiftChoice:
    """One `=`/`~` answer; `weight` is its percentage (`=` counts as 100, `~` as 0 unless `%w%` is given)."""

    text: str
    feedback: str
    weight: float


@dataclass
class GiftAnswers:
    """The inside of `{ … }` before `####`: a true/false flag with its two feedbacks, or a list of answers."""

    truth: bool | None = None  # {T} or {F}; None for a list of answers
    wrong_feedback: str = ""  # true/false: shown for the wrong answer
    right_feedback: str = ""  # true/false: shown for the right answer
    choices: list[GiftChoice] = field(default_factory=list)
    weighted: bool = False  # written (or read) with explicit `~%w%` weights
    meta: dict[str, str] = field(default_factory=dict)  # our `// key: value` comments, e.g. scoring

    def authored_choices(self) -> list[dict]:
        """The answers as our choices: right when their weight is positive."""
        return [{"text": c.text, "correct": c.weight > 0, "feedback": c.feedback} for c in self.choices]

    @property
    def right_count(self) -> int:
        """How many answers carry credit."""
        return sum(1 for c in self.choices if c.weight > 0)

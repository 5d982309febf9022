"""Reading YAML and front matter while keeping line numbers for error messages."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, where it is and why."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


class LineMap:
    """Maps a key path in a YAML document (('questions', 3, 'choices')) to its line."""

    def __init__(self, node: yaml.Node | None, offset: int = 0):
        self.lines: dict[tuple, int] = {}
        if node is not None:
            self._walk(node, (), offset)

    def _walk(self, node: yaml.Node, path: tuple, offset: int) -> None:
        self.lines[path] = node.start_mark.line + 1 + offset
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, key.value)
                self._walk(value, child, offset)
                self.lines[child] = key.start_mark.line + 1 + offset
        elif isinstance(node, yaml.SequenceNode):
            for index, value in enumerate(node.value):
                self._walk(value, (*path, index), offset)

    def line(self, path: tuple) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


class ContentError(Exception):
    """Raised to stop reading a file that cannot be parsed at all."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


def parse_yaml(text: str, display: str, offset: int = 0) -> tuple[object, LineMap]:
    """Parse YAML text safely, returning the data and its line map."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 + offset if mark else None
        reason = getattr(exc, "problem", None) or str(exc)
        raise ContentError(Problem(display, line, f"not valid YAML: {reason}")) from exc
    return data, LineMap(node, offset)


def read_yaml(path: Path, display: str) -> tuple[object, LineMap]:
    """Read and parse a YAML file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(Problem(display, None, "not UTF-8 text")) from exc
    return parse_yaml(text, display)


def split_front_matter(text: str, display: str) -> tuple[object, LineMap, str, int]:
    """Split a Markdown file into front matter data, its line map, the body and the body's first line."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise ContentError(Problem(display, 1, "a lesson must start with YAML front matter between '---' lines"))
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            data, linemap = parse_yaml("".join(lines[1:index]), display, offset=1)
            return data, linemap, "".join(lines[index + 1:]), index + 2
    raise ContentError(Problem(display, 1, "the front matter is not closed by a '---' line"))


def validate(model: type[BaseModel], data: object, display: str, linemap: LineMap,
             prefix: tuple = ()) -> tuple[BaseModel | None, list[Problem]]:
    """Validate `data` against `model`, turning each error into a Problem with a line."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
            field = ".".join(str(p) for p in (*prefix, *loc)) or "document"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(Problem(display, linemap.line((*prefix, *loc)), f"{field}: {message}"))
        return None, problems

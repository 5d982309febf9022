"""The architecture as the code must keep it (docs/architecture.md): layers, thin views, small files."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

COURSE = Path(__file__).resolve().parent.parent / "course"
VIEW_MODULES = sorted(p for p in COURSE.rglob("*.py") if "Blueprint(" in p.read_text(encoding="utf-8"))
MAX_VIEW_LINES = 25
MAX_FILE_LINES = 300


def test_the_import_contracts_hold():
    """Areas import the core and not each other; the core never imports an area (pyproject.toml)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports)], cwd=COURSE.parent, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def views(path: Path):
    """The functions of `path` that a blueprint routes to."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and "bp." in ast.unparse(d.func) for d in node.decorator_list):
            yield node


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: str(p.relative_to(COURSE)))
def test_views_are_thin_and_leave_queries_to_services(path):
    text = path.read_text(encoding="utf-8")
    assert "select(" not in text, f"{path.name}: a query in a view module; move it into a service"
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in views(path)
            if node.end_lineno - node.lineno + 1 > MAX_VIEW_LINES]
    assert not long, f"views over {MAX_VIEW_LINES} lines: {long}"


def test_the_view_modules_were_found():
    names = {str(p.relative_to(COURSE)) for p in VIEW_MODULES}
    assert {"learn/views.py", "quiz/views.py", "trainer/views.py", "admin/views.py"} <= names


def test_no_file_in_the_package_holds_two_things():
    big = [f"{p.relative_to(COURSE)} ({n})" for p in COURSE.rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES]
    assert not big, f"files over {MAX_FILE_LINES} lines: {big}"

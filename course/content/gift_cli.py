"""`flask --app app content import-gift FILE --module SLUG` and `content export-gift SLUG`."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import with_appcontext

from course.content.checks import check_course
from course.content.gift import export_gift, parse_gift
from course.content.loader import FOLDER_NAME


def module_folder(slug: str) -> Path:
    """The folder NN-<slug> of a module in the content directory."""
    root = Path(current_app.config["CONTENT_DIR"])
    for folder in root.iterdir():
        match = FOLDER_NAME.match(folder.name)
        if folder.is_dir() and match and match.group(2) == slug:
            return folder
    raise click.ClickException(f"No module folder NN-{slug} in {root}.")


def _yaml_items(questions: list[dict]) -> str:
    text = yaml.safe_dump(questions, sort_keys=False, allow_unicode=True, width=100, indent=2)
    return "".join(("  " + line if line.strip() else line) for line in text.splitlines(keepends=True))


@click.command("import-gift")
@click.argument("gift_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--module", "slug", required=True, help="Module id (folder name without the number).")
@click.option("--objective", help="Objective for questions without a '// objective:' comment.")
@click.option("--source", help="Source id for questions without a '// source:' comment.")
@with_appcontext
def import_gift(gift_file: str, slug: str, objective: str | None, source: str | None) -> None:
    """Add the questions in a Moodle GIFT file to a module's quiz.yaml (checked; nothing half-written)."""
    try:
        text = Path(gift_file).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{gift_file} is not UTF-8 text (byte {exc.start}); save it as UTF-8.") from None
    result = parse_gift(text, objective, source)
    for line, reason in result.problems:
        click.echo(f"{gift_file}:{line}: {reason}", err=True)
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} question(s) could not be imported; nothing was written.")
    if not result.questions:
        raise click.ClickException("The file holds no questions.")
    quiz = module_folder(slug) / "quiz.yaml"
    original = quiz.read_text(encoding="utf-8") if quiz.exists() else None
    body = original.rstrip("\n") + "\n" if original else "questions:\n"
    quiz.write_text(body + _yaml_items(result.questions), encoding="utf-8")
    problems = [p for p in check_course(Path(current_app.config["CONTENT_DIR"])).problems
                if p.path.endswith(f"{quiz.parent.name}/quiz.yaml")]
    if problems:
        if original is None:
            quiz.unlink()
        else:
            quiz.write_text(original, encoding="utf-8")
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("The imported questions do not fit the module; quiz.yaml was left unchanged.")
    click.echo(f"Imported {len(result.questions)} question(s) into {quiz}.")


@click.command("export-gift")
@click.argument("slug")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file, not stdout.")
@with_appcontext
def export_gift_command(slug: str, output: str | None) -> None:
    """Write a module's question bank as Moodle GIFT (ordering questions are reported and left out)."""
    quiz = module_folder(slug) / "quiz.yaml"
    questions = yaml.safe_load(quiz.read_text(encoding="utf-8"))["questions"]
    text, skipped = export_gift(questions)
    for question_id in skipped:
        click.echo(f"{quiz}: {question_id}: ordering questions cannot be written in GIFT; left out", err=True)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(questions) - len(skipped)} question(s) to {output}.")
    else:
        click.echo(text, nl=False)

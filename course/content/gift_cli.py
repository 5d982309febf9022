"""`flask --app app content import-gift FILE --module SLUG` and `content export-gift SLUG`."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import with_appcontext

from course.content.gift_export import export_gift
from course.content.gift_import import GiftImportError, ImportReport, decode, import_gift, module_folder


def echo_report(label: str, report: ImportReport) -> None:
    """One line per question (file:line: status id: reason), then the totals."""
    for line, category in report.categories:
        click.echo(f"{label}:{line}: category '{category}' (Moodle's; our questions belong to the module)")
    for entry in report.entries:
        what = {"ready": "imported", "draft": "imported as a draft", "skipped": "skipped"}[entry.status]
        detail = "; ".join([*entry.reasons, *entry.notes])
        click.echo(f"{label}:{entry.line}: {what}{' ' + entry.id if entry.id else ''}{': ' + detail if detail else ''}")
    verb = "Would import" if report.dry_run else "Imported"
    click.echo(f"{verb} {report.count('ready')} question(s) into {report.quiz_path}, "
               f"{report.count('draft')} as drafts into {report.drafts_path}; skipped {report.count('skipped')}.")


@click.command("import-gift")
@click.argument("gift_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--module", "slug", required=True, help="Module id (folder name without the number).")
@click.option("--objective", help="Objective for questions without a '// objective:' comment.")
@click.option("--source", help="Source id for questions without a '// source:' comment.")
@click.option("--level", type=click.Choice(["recall", "application"]),
              help="Level for questions without a '// level:' comment.")
@click.option("--dry-run", is_flag=True, help="Report what would be imported; write nothing.")
@with_appcontext
def import_gift_command(gift_file: str, slug: str, objective: str | None, source: str | None, level: str | None,
                        dry_run: bool) -> None:
    """Add a Moodle GIFT file's questions to a module: complete ones to quiz.yaml, others as drafts."""
    try:
        text = decode(Path(gift_file).read_bytes())
        report = import_gift(Path(current_app.config["CONTENT_DIR"]), slug, text, objective=objective,
                             source=source, level=level, dry_run=dry_run)
    except (GiftImportError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    echo_report(gift_file, report)


@click.command("export-gift")
@click.argument("slug")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file, not stdout.")
@with_appcontext
def export_gift_command(slug: str, output: str | None) -> None:
    """Write a module's question bank as Moodle GIFT (ordering questions are reported and left out)."""
    try:
        quiz = module_folder(Path(current_app.config["CONTENT_DIR"]), slug) / "quiz.yaml"
    except GiftImportError as exc:
        raise click.ClickException(str(exc)) from None
    questions = yaml.safe_load(quiz.read_text(encoding="utf-8"))["questions"]
    text, skipped = export_gift(questions)
    for question_id in skipped:
        click.echo(f"{quiz}: {question_id}: ordering questions cannot be written in GIFT; left out", err=True)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(questions) - len(skipped)} question(s) to {output}.")
    else:
        click.echo(text, nl=False)

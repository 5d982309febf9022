"""What the admin's question pages do: the import (audited) and the export, over the content files."""

from __future__ import annotations

from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from course.content.gift_export import export_gift
from course.content.gift_import import GiftImportError, ImportReport, decode, import_gift, module_folder
from course.content.loader import load_course
from course.core.audit import record_event
from course.models import User


def module_choices(root: Path) -> list[tuple[str, str]]:
    """(slug, "NN-slug: title") for each module folder that loads."""
    return [(m.slug, f"{Path(m.folder).name}: {m.spec.title}") for m in load_course(root).modules]


def run_gift_import(session: Session, actor: User, root: Path, form) -> ImportReport:
    """Import the uploaded file as the form says; a real import (not a preview) is audited."""
    text = decode(form.file.data.read())
    try:
        report = import_gift(root, form.module.data, text, objective=form.objective.data or None,
                             source=form.source.data or None, level=form.level.data or None,
                             dry_run=form.dry_run.data)
    except OSError as exc:
        raise GiftImportError(_l("The content files could not be written (%(why)s).", why=exc.strerror)) from None
    if not report.dry_run:
        record_event(session, actor, "content.gift_imported", "module", form.module.data,
                     file=form.file.data.filename, imported=report.count("ready"), drafts=report.count("draft"),
                     skipped=report.count("skipped"))
    return report


def export_module_gift(root: Path, slug: str) -> str | None:
    """A module's bank as GIFT text, or None if there is no such module."""
    try:
        quiz = module_folder(root, slug) / "quiz.yaml"
    except GiftImportError:
        return None
    return export_gift(yaml.safe_load(quiz.read_text(encoding="utf-8"))["questions"])[0]

"""The academy's own procedures: named slots an admin fills in, shown wherever content says `{{ procedure.<name> }}`.

Values live in settings (key `procedure.<name>`, one text per language), never in published content, so a change
takes effect at once without republishing. Content is rendered (and may be cached) with each reference replaced by
a marker; the markers become the academy's text, or a visible "not set yet" notice, at render time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from flask import has_request_context, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.core.i18n import current_language
from course.core.markdown import render_markdown
from course.core.settings import PROCEDURE_PREFIX as KEY_PREFIX
from course.core.settings import forget_stored, stored_procedures
from course.extensions import db
from course.models import Setting, User, utcnow

SLOTS = {  # name: (label, help for the admin who fills it in)
    "trainee_support": (_l("Support for trainees"), _l(
        "Who a trainee affected by the material can talk to, and how: counselling, peer support, a welfare officer.")),
    "support_organisations": (_l("Survivor support organisations"), _l(
        "For each organisation: its name, what it does for survivors, and how to reach it. Lists are welcome.")),
    "takedown_unit": (_l("Takedown unit"), _l(
        "The unit or body that asks platforms to remove intimate images, and how an officer reaches it.")),
    "digital_evidence_unit": (_l("Digital evidence unit"), _l(
        "The unit that preserves and examines digital evidence, and how to request its help.")),
    "escalation_contact": (_l("Urgent escalation contact"), _l(
        "The duty supervisor or desk an officer calls when a case is urgent, at any hour.")),
    "safeguarding_contact": (_l("Child-protection contact"), _l(
        "Who to involve when the survivor is under 18, and how to reach them.")),
    "crisis_referral": (_l("Crisis referral"), _l(
        "Where to refer a survivor who may be at risk of harming themselves, and how, at any hour.")),
    "preservation_legal_basis": (_l("Legal basis for preservation requests"), _l(
        "The local law and the form used to ask a platform to preserve data.")),
    "seizure_legal_basis": (_l("Legal basis for seizing devices"), _l(
        "The local law and procedure for seizing and examining a device.")),
    "media_office": (_l("Media office"), _l(
        "The office that answers the press, and how an officer refers a journalist to it.")),
}
LOCALES = ("en", "ko")
MAX_LENGTH = 4000
REFERENCE = re.compile(r"\{\{\s*procedure\.([A-Za-z0-9_]+)\s*\}\}")
TEMPLATE_MARK = re.compile(r"\{\{|\}\}|\{%|%\}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # never typed; NUL cannot be stored in PostgreSQL JSON
_MARKER = re.compile("\ue000(\\d+)\ue001")
_BLOCK_MARKER = re.compile("<p>\ue000(\\d+)\ue001</p>")
_VALUE_MD = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": True}).enable(["table"])


class ProcedureError(ValueError):
    """A slot value that cannot be saved (the message is for the admin)."""


def procedure_values(session: Session) -> dict[str, dict[str, str]]:
    """Every filled slot, {name: {locale: text}} (read with the settings: no query of its own)."""
    return {name: texts for name, texts in stored_procedures(session).items() if name in SLOTS and texts}


def slot_text(values: dict[str, dict[str, str]], name: str, locale: str) -> tuple[str, str] | None:
    """The text of slot `name` in `locale`, else in the other filled language, as (text, its locale); None if unset."""
    texts = values.get(name) or {}
    for candidate in (locale, *LOCALES):
        if texts.get(candidate):
            return texts[candidate], candidate
    return None


def unfilled_slots(session: Session) -> list[str]:
    """The slots filled in no language: the admins' to-do list."""
    values = procedure_values(session)
    return [name for name in SLOTS if not values.get(name)]


def save_procedure(session: Session, actor: User, name: str, locale: str, text: str | None) -> bool:
    """Set (or with empty text, clear) one slot in one language. Audited; returns whether anything changed."""
    if name not in SLOTS:
        raise ProcedureError(_("There is no procedure called '%(name)s'.", name=name))
    if locale not in LOCALES:
        raise ProcedureError(_("Choose English (en) or Korean (ko)."))
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_LENGTH:
        raise ProcedureError(_("Keep it under %(n)d characters.", n=MAX_LENGTH))
    if CONTROL.search(text):
        raise ProcedureError(_("Remove the control characters from the text."))
    if TEMPLATE_MARK.search(text):
        raise ProcedureError(_("Remove the template marks ({{, }}, {%, %}) from the text."))
    row = session.get(Setting, KEY_PREFIX + name)
    texts = dict((row.value.get("value") or {}) if row is not None else {})
    if texts.get(locale, "") == text:
        return False
    if text:
        texts[locale] = text
    else:
        texts.pop(locale, None)
    if row is None:
        session.add(Setting(key=KEY_PREFIX + name, value={"value": texts}, updated_by_id=actor.id))
    elif texts:
        row.value, row.updated_at, row.updated_by_id = {"value": texts}, utcnow(), actor.id
    else:
        session.delete(row)
    record_event(session, actor, "procedure.set" if text else "procedure.cleared", "procedure", name, locale=locale)
    session.flush()
    forget_stored()
    return True


def _notice(name: str, block: bool, for_print: bool = False) -> Markup:
    """The "not set yet" notice (with a link to set it for an admin), kept per language and reader kind: a lesson
    page shows one on every view until the academy fills the slot."""
    admin = (not for_print and has_request_context() and current_user.is_authenticated
             and current_user.role == "admin")
    return _kept_notice(name, block, for_print, str(get_locale()), url_for("procedures.edit") if admin else None)


@lru_cache(maxsize=512)
def _kept_notice(name: str, block: bool, for_print: bool, _locale: str, edit_url: str | None) -> Markup:
    """The notice for `name` in the current language (`_locale` keys it); `edit_url` links an admin to the form."""
    label = SLOTS[name][0] if name in SLOTS else name
    # A paragraph of its own says it as a sentence; inside a sentence it is a bracketed aside, so the words around
    # it (and Korean particles after it) still read.
    text = escape(_("Your academy has not set this yet (%(slot)s).", slot=label) if block
                  else _("[Your academy has not set this yet: %(slot)s]", slot=label))
    if for_print:
        return (Markup("<p><b>[%s]</b></p>") if block else Markup("<b>%s</b>")) % text
    if edit_url is not None:
        text += Markup(' <a href="%s">%s</a>') % (edit_url + f"#slot-{name}", _("Set it now"))
    tag = "div" if block else "span"
    return Markup('<%s class="procedure-missing" role="note">%s</%s>') % (tag, text, tag)


def render_slot(name: str, block: bool = False, values: dict | None = None, for_print: bool = False) -> Markup:
    """The academy's text for slot `name` as HTML (its markdown made safe), or the "not set yet" notice."""
    values = procedure_values(db.session) if values is None else values
    found = slot_text(values, name, current_language() if has_request_context() else "en")
    if found is None:
        return _notice(name, block, for_print)
    text, locale = found
    return _slot_html(text, locale, block)


@lru_cache(maxsize=256)
def _slot_html(text: str, locale: str, block: bool) -> Markup:
    """A slot's text as HTML (kept by its text: pages show the same few values on every request)."""
    # markdown-it escapes raw HTML and refuses javascript: links, so its output is safe to mark up.
    html = _VALUE_MD.render(text) if block else _VALUE_MD.renderInline(text)
    tag = "div" if block else "span"
    return Markup('<%s class="procedure-slot" lang="%s">%s</%s>') % (tag, locale, Markup(html), tag)  # noqa: S704


@lru_cache(maxsize=1024)
def _mark(text: str) -> tuple[str, tuple[str, ...]]:
    """`text` with each slot reference replaced by a private-use marker, and the names in order (kept by text: a
    lesson's body is marked once per process, not on every view)."""
    names: list[str] = []

    def marker(match: re.Match) -> str:
        names.append(match.group(1))
        return f"\ue000{len(names) - 1}\ue001"

    return REFERENCE.sub(marker, text), tuple(names)


def prepare_content(texts: Iterable[str | None]) -> None:
    """Render these texts' Markdown now, as `render_content` will (kept per process by text, with markers in place of
    the academy's procedures): a version's lessons when a worker loads it, so no reader waits for the rendering."""
    for text in texts:
        render_markdown(_mark(text or "")[0])


def render_content(text: str | None, for_print: bool = False) -> Markup:
    """Markdown content with the academy's procedures filled in (the `markdown` template filter).

    `for_print`: for a PDF, where a notice is plain bold text without a link.
    """
    marked, names = _mark(text or "")
    html = render_markdown(marked)  # cached: holds markers, never the academy's values
    if not names:
        return html
    values = procedure_values(db.session)
    html = _BLOCK_MARKER.sub(lambda m: render_slot(names[int(m.group(1))], True, values, for_print), html)
    return Markup(_MARKER.sub(lambda m: render_slot(names[int(m.group(1))], False, values, for_print),  # noqa: S704
                              html))


def render_plain(text: str | None) -> Markup:
    """Plain text (a choice, a content note) escaped, with the academy's procedures filled in (`procedures` filter)."""
    marked, names = _mark(text or "")
    if not names:
        return escape(text or "")
    values = procedure_values(db.session)
    return Markup(_MARKER.sub(lambda m: render_slot(names[int(m.group(1))], False, values),  # noqa: S704
                              str(escape(marked))))


def slot_references(text: str) -> list[tuple[int, str | None]]:
    """(line offset, slot name) for each template mark in `text`; the name is None where the mark is no slot reference.

    Content check uses it: an unknown name or a stray `{{` is an error, never something shown to a trainee.
    """
    found = []
    for offset, line in enumerate(text.splitlines()):
        known = [(m.start(), m.end(), m.group(1)) for m in REFERENCE.finditer(line)]
        found += [(offset, name) for _start, _end, name in known]
        rest = REFERENCE.sub("", line)
        if TEMPLATE_MARK.search(rest):
            found.append((offset, None))
    return found

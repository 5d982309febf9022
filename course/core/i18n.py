"""Interface language: choosing the locale per request and the language switch in the footer."""

from __future__ import annotations

from functools import lru_cache

from babel import support
from flask import Blueprint, Flask, abort, current_app, has_request_context, redirect, request, session
from flask_babel import (
    format_datetime,
    format_decimal,
    format_number,
    format_percent,
    format_time,
    get_locale,
)
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm.attributes import set_committed_value
from wtforms import HiddenField, StringField
from wtforms.i18n import messages_path

from course.core.security import safe_next
from course.core.template_gettext import template_gettext, template_ngettext, translations
from course.core.timezones import format_local_date, to_user_timezone, zone_label
from course.extensions import db
from course.models.catalogue import ContentVersion, Lesson, Module, Question
from course.models.users import User

bp = Blueprint("i18n", __name__)

# Each language is named in itself, so people can find theirs whatever the page is in.
LANGUAGE_NAMES = {"en": "English", "ko": "한국어"}
SESSION_KEY = "locale"
# The English interface keeps British conventions for dates and numbers (25 November 2026, 14:05).
FORMATTING_LOCALES = {"en": "en_GB"}


class LanguageForm(FlaskForm):
    """The footer's language switch."""

    locale = StringField()
    next = HiddenField()


def supported_locales() -> list[str]:
    """The locales the interface is translated into."""
    return list(current_app.config.get("LANGUAGES", ["en"]))


def select_locale() -> str:
    """The locale for this request: its language (see `chosen_language`) with its formatting conventions."""
    language = chosen_language()
    return FORMATTING_LOCALES.get(language, language)


def chosen_language() -> str:
    """A signed-in user's saved choice, then a visitor's session choice, then the browser's Accept-Language.

    Outside a request (the command line), the default locale.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    supported = supported_locales()
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    if session.get(SESSION_KEY) in supported:
        return session[SESSION_KEY]
    return request.accept_languages.best_match(supported) or current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    """The interface language of this request ("en", "ko"), as used for `<html lang>`."""
    locale = get_locale()
    return locale.language if locale else current_app.config["BABEL_DEFAULT_LOCALE"]


def visitor_choice() -> str | None:
    """The language chosen with the switch in this session, if any (a sign-in carries it into the account)."""
    choice = session.get(SESSION_KEY)
    return choice if choice in supported_locales() else None


def remember_locale(user: User | None, locale: str) -> None:
    """Keep the choice in the session, and on the account when someone is signed in."""
    session[SESSION_KEY] = locale
    if user is not None:
        user.locale = locale
        db.session.flush()


@bp.post("/language")
def choose_language():
    form = LanguageForm()
    if not form.validate() or form.locale.data not in supported_locales():
        abort(400)
    remember_locale(current_user if current_user.is_authenticated else None, form.locale.data)
    return redirect(safe_next(form.next.data))


def _settle_locale() -> None:
    """Choose the locale before any content loads, so loading never has to look up the user midway; hand Flask-WTF
    WTForms' own messages ("This field is required.") in that language, read once per process (Flask-WTF would read
    and parse WTForms' catalogue file again on every request that uses them)."""
    request.wtforms_translations = _wtforms_catalogue(get_locale())


_WTFORMS_CATALOGUES: dict[str, support.Translations] = {}


def _wtforms_catalogue(locale) -> support.Translations:
    key = str(locale)
    if key not in _WTFORMS_CATALOGUES:
        _WTFORMS_CATALOGUES[key] = support.Translations.load(messages_path(), [locale], domain="wtforms")
    return _WTFORMS_CATALOGUES[key]


def register_i18n(app: Flask) -> None:
    """Register the language switch and the locale-aware formatters for templates."""
    app.register_blueprint(bp)
    app.before_request(_settle_locale)
    # The same callables Flask-Babel installs, reading the catalogue through `translations()`; this also makes
    # `{% trans %}` blocks newstyle. `_`, `gettext` and `ngettext`, which every page calls, are then replaced by
    # single-call equivalents (core/template_gettext.py), and each render gets them bound to its catalogue.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    app.jinja_env.globals.update(
        format_date=format_local_date, format_datetime=format_datetime, format_decimal=format_decimal,
        format_number=format_number, format_percent=_format_percent, format_time=format_time,
        language_names=LANGUAGE_NAMES, zone_label=zone_label, to_user_timezone=to_user_timezone,
    )


def _format_percent(number, format: str | None = None) -> str:  # noqa: A002 - Flask-Babel's argument name
    """Flask-Babel's `format_percent`, kept per value, pattern and locale: Babel parses the locale's pattern on every
    call, and a dashboard shows a dozen progress bars (about a sixteenth of its time)."""
    return _kept_percent(number, format, str(get_locale()))


@lru_cache(maxsize=4096)
def _kept_percent(number, format: str | None, _locale: str) -> str:  # noqa: A002
    return format_percent(number, format)


def question_in(data: dict, locale: str) -> dict:
    """A question's data with its words in `locale` when it has that variant; keys and `correct` flags unchanged."""
    variant = data.get(locale)
    if not variant:
        return data
    choices = [choice | words for choice, words in zip(data["choices"], variant["choices"], strict=True)]
    return data | {"prompt": variant["prompt"], "explanation": variant["explanation"], "choices": choices}


def content_language() -> str:
    """The language content is shown in now: the request's interface language; the default one outside requests."""
    return current_language() if has_request_context() else current_app.config["BABEL_DEFAULT_LOCALE"]


def kept_language(language: str | None) -> str:
    """The content language a record keeps (an attempt's): the default one for records from before it was kept."""
    return language or current_app.config["BABEL_DEFAULT_LOCALE"]


def question_words(question: Question, language: str | None) -> tuple[dict, str]:
    """A question's data in `language` (None: the course's default language), whatever language the request
    loaded it in, with the language its words are actually in (the default one when it has no such variant).

    An attempt shows its questions this way, in the language it was taken in.
    """
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    authored = question.authored_data if question.authored_data is not None else question.data
    if language and language != default and authored.get(language):
        return question_in(authored, language), language
    return authored, default


def scenario_words(module: Module, language: str | None) -> tuple[dict, str]:
    """A module's scenario in `language` (None: the course's default), whatever language the request loaded it
    in, with the language its words are in. A scenario run is shown this way, in the language it started in."""
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    variant = (module.translations or {}).get(language) if language and language != default else None
    if variant and variant.get("scenario"):
        return variant["scenario"], language
    return (module.authored_scenario if module.authored_scenario is not None else module.scenario), default


def content_locale() -> str | None:
    """The request's locale when content may have a variant in it; None outside requests or in English.

    Content loaded now shows its words in this language (the load hooks below), so a cache of loaded content is
    keyed by it (core/catalogue.py)."""
    if not has_request_context():
        return None
    language = current_language()
    return language if language != current_app.config["BABEL_DEFAULT_LOCALE"] else None


# Published content is immutable (a new version replaces it, nothing edits it), so a lesson or question
# loaded for a Korean page can show its Korean words in place of the English ones: every page, list and
# export then reads the same attributes whatever the language, and grading, which reads only the choices'
# order and `correct` flags, cannot be affected (content check requires one variant choice per choice).
@event.listens_for(Lesson, "load")
def _show_lesson_variant(lesson: Lesson, _context) -> None:
    locale = content_locale()
    variant = (lesson.translations or {}).get(locale) if locale else None
    for name in ("title", "content_note", "body_markdown"):
        if variant and name in variant:
            set_committed_value(lesson, name, variant[name])
    if variant:
        lesson.content_lang = locale


@event.listens_for(ContentVersion, "load")
def _show_version_variant(version: ContentVersion, _context) -> None:
    locale = content_locale()
    variant = (version.translations or {}).get(locale) if locale else None
    if not variant:
        return
    for name in ("title", "summary", "glossary"):
        set_committed_value(version, name, variant[name])
    if version.exam_settings and variant.get("exam_content_note"):
        set_committed_value(version, "exam_settings",
                            version.exam_settings | {"content_note": variant["exam_content_note"]})
    version.content_lang = locale


@event.listens_for(Module, "load")
def _show_module_variant(module: Module, _context) -> None:
    locale = content_locale()
    variant = (module.translations or {}).get(locale) if locale else None
    if not variant:
        return
    if "title" in variant:
        set_committed_value(module, "title", variant["title"])
        set_committed_value(module, "summary", variant["summary"])
        set_committed_value(module, "objectives", [o | {"text": variant["objectives"].get(o["id"], o["text"])}
                                                   for o in module.objectives])
        cited = variant.get("sources") or {}
        set_committed_value(module, "sources", [s | {"citation": cited.get(s["id"], s["citation"])}
                                                for s in module.sources])
        module.content_lang = locale
    if variant.get("scenario") and module.scenario:
        module.authored_scenario = module.scenario
        set_committed_value(module, "scenario", variant["scenario"])
        module.scenario_lang = locale


@event.listens_for(Question, "load")
def _show_question_variant(question: Question, _context) -> None:
    locale = content_locale()
    if locale and locale in question.data:
        question.authored_data = question.data
        set_committed_value(question, "data", question_in(question.data, locale))
        question.content_lang = locale

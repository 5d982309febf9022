"""`_()`, `gettext()` and `ngettext()` in templates: Jinja's "newstyle" gettext in one call, bound per catalogue.

Jinja's own wrapper goes through three template-context calls and two context lookups for each string, and a page
has dozens of them. The global callables (for macros imported without a context, and templates rendered outside a
request) look the request's catalogue up on every call; `gettext_context()` hands each `render_template` callables
already bound to this request's catalogue, made once per catalogue, so a page's strings skip that lookup (about a
twentieth of a module page).
"""

from __future__ import annotations

from flask import g
from flask_babel import get_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup


def translations():
    """This request's catalogue, looked up once per locale (Flask-Babel's own lookup works out the locale's name
    and its cache key on every call)."""
    locale = get_locale()
    cached = g.get("dignity_translations")
    if cached is None or cached[0] is not locale:
        cached = g.dignity_translations = (locale, get_translations())
    return cached[1]


@pass_eval_context
def template_gettext(eval_context, string: str, /, **variables) -> str:
    """`_()` and `gettext()` for templates without this request's bound ones: those, looked up for this call."""
    return gettext_context()["gettext"](eval_context, string, **variables)


@pass_eval_context
def template_ngettext(eval_context, singular: str, plural: str, num: int, /, **variables) -> str:
    """`ngettext()` for templates without this request's bound one."""
    return gettext_context()["ngettext"](eval_context, singular, plural, num, **variables)


def _formatted(eval_context, translated: str, variables: dict) -> str:
    if eval_context.autoescape:
        translated = Markup(translated)  # noqa: S704 - a catalogue entry; its variables are escaped by the %
    return translated % variables


_BOUND: dict[int, tuple] = {}  # by id(catalogue): (catalogue, the template variables bound to it)


def gettext_context() -> dict:
    """`_`, `gettext` and `ngettext` bound to this request's catalogue, for a template's context (they take
    precedence over the global ones)."""
    catalogue = translations()
    bound = _BOUND.get(id(catalogue))
    if bound is None or bound[0] is not catalogue:  # catalogues live as long as the process: made once each
        bound = _BOUND[id(catalogue)] = (catalogue, _bind(catalogue))
    return bound[1]


def _bind(catalogue) -> dict:
    ugettext, ungettext = catalogue.ugettext, catalogue.ungettext

    @pass_eval_context
    def gettext(eval_context, string: str, /, **variables) -> str:
        """As Jinja's newstyle gettext behaves: the translation is markup in an autoescaping template and is always
        %-formatted with the keyword arguments, which are escaped."""
        return _formatted(eval_context, ugettext(string), variables)

    @pass_eval_context
    def ngettext(eval_context, singular: str, plural: str, num: int, /, **variables) -> str:
        """`ngettext()` as Jinja's newstyle one behaves (`num` is a formatting variable too)."""
        variables.setdefault("num", num)
        return _formatted(eval_context, ungettext(singular, plural, num), variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}

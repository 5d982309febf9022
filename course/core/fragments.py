"""Parts of pages that are the same for many requests, rendered once per process and kept.

In a template, `{% call cached_fragment("name", value, …) %}…{% endcall %}` renders its body the first time that
key is seen and gives the kept HTML after that. The key is the fragment's name, the values passed, the request's
interface language and the URL prefix the app is served under (`url_for` results depend on it). The body must show
nothing but what its key holds: no CSRF token, no flashed message, no person's own data, no query string. What
varies per request stays outside the block.

Kept per app (so test apps and configurations never share) and bounded: when the number of kept fragments reaches
`LIMIT`, they are all forgotten and built again as pages ask for them. Each key is small (a language, a role, a
section of the site, the academy's name), so in practice a process keeps a few dozen.
"""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from course.core.i18n import current_language
from course.core.kept import keep
from course.core.settings import stored_procedures
from course.extensions import db

EXTENSION_KEY = "dignity.fragments"
LIMIT = 1000
MACROS_KEY, MACROS_LIMIT = "dignity.kept_macros", 4096  # a progress bar per module and percentage, per language
KEPT_MACROS = "_macros/kept.html"

# Sections of the main navigation, by the endpoint (or endpoint prefix, ending in ".") of the pages in each.
NAV_SECTIONS = {
    "learn.dashboard": "course",
    "trainer.": "cohorts",
    "admin.": "admin",
    "quiz.practice": "review",
    "learn.glossary": "glossary",
    "certificates.mine": "certificates",
    "auth.account": "account",
}


def nav_section() -> str | None:
    """The section of the main navigation this request's page belongs to (its link is marked current), if any."""
    endpoint = request.endpoint or ""
    section = NAV_SECTIONS.get(endpoint)
    if section is None:
        blueprint = endpoint.partition(".")[0] + "."
        section = NAV_SECTIONS.get(blueprint) if blueprint != "." else None
    return section


@pass_context
def cached_fragment(context, name: str, *values, caller) -> Markup:
    """The fragment `name` for `values` in this request's language, rendered by `caller` only when not yet kept.

    The language is the template's `current_locale` (every render has it, from the context processor that works it
    out as the render starts), which costs less than asking Flask-Babel again for each of a page's fragments."""
    key = (name, context.get("current_locale") or current_language(), request.script_root, *values)
    kept: dict = current_app.extensions.setdefault(EXTENSION_KEY, {})
    html = kept.get(key)
    if html is None:
        html = Markup(caller())  # noqa: S704 - the output of an autoescaping template block
        keep(kept, key, html, LIMIT)
    return html


def procedures_key() -> tuple:
    """What content shown with the academy's procedures (core/procedures.py) depends on besides its own words: every
    procedure's saved texts (read once a request with the settings), and whether the reader is an admin (an unset
    procedure links admins to its form). Part of the key of any kept fragment that shows procedures."""
    texts = tuple(sorted((name, tuple(sorted(by_locale.items())))
                         for name, by_locale in stored_procedures(db.session).items()))
    return texts, current_user.is_authenticated and current_user.role == "admin"


def kept_macro(name: str):
    """A template global calling the macro `name` of `KEPT_MACROS`, each distinct call rendered once and kept.

    Such a macro's output depends on nothing but its arguments and the interface language (the template's
    `current_locale`), so a dashboard's dozen status badges and progress bars cost a dictionary look-up each rather
    than a macro call (about a tenth of the page). The arguments must be hashable."""

    @pass_context
    def call(context, *args) -> Markup:
        key = (name, context.get("current_locale") or current_language(), *args)
        kept: dict = current_app.extensions.setdefault(MACROS_KEY, {})
        html = kept.get(key)
        if html is None:
            macro = getattr(current_app.jinja_env.get_template(KEPT_MACROS).module, name)
            html = keep(kept, key, Markup(macro(*args)), MACROS_LIMIT)  # noqa: S704 - an autoescaping macro's output
        return html

    call.__name__ = name
    return call

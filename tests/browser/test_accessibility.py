"""axe-core finds no violations on any page type, for every role, in English and Korean, phone and desktop,
light and dark, and no page scrolls sideways; screenshots of each page are kept for a person to look at."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from course.models import Role
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.pages import seed_site

AXE = Axe()
ROLES = ["visitor", "trainee", "trainer", "admin"]


@pytest.fixture(scope="module")
def site(live_server):
    return live_server.run(seed_site, live_server)


def describe(violations: list[dict]) -> list[str]:
    """One line per failing element: rule, impact, selector and axe's summary."""
    lines = []
    for violation in violations:
        for node in violation["nodes"][:5]:
            lines.append(f"{violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary']!r}")
    return lines


def axe_violations(page) -> list[dict]:
    """Run axe-core (every rule but the experimental ones) on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.axe_script)
    return page.evaluate("axe.run({resultTypes: ['violations']}).then(r => r.violations)")


def open_page(page, path: str) -> None:
    """Open `path`; a `#submit` suffix submits the page's form empty (to show its errors)."""
    if path.endswith("#submit"):
        page.goto(path.removesuffix("#submit"))
        page.locator("main form [type=submit]").last.click()
        page.wait_for_load_state()
    else:
        page.goto(path)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("role", ROLES)
def test_every_page_has_no_axe_violations(new_context, site, screenshots_dir, role, lang):
    account = None if role == "visitor" else site.accounts[Role(role)]
    page = new_context(account, lang=lang).new_page()
    problems: list[str] = []
    for name, path in site.pages[role]:
        open_page(page, path)
        if page.evaluate("document.documentElement.lang") != lang:
            problems.append(f"{name} [{lang}] the page is not served in the language asked for")
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:  # WCAG 1.4.10 Reflow: only tables and charts may scroll sideways
                problems.append(f"{name} [{lang} {label}] the page scrolls sideways ({width}px wide)")
            for scheme in ("light", "dark") if lang == "en" else ("light",):  # colours do not depend on language
                page.emulate_media(color_scheme=scheme)
                if scheme == "light" or label == "desktop":  # dark colours do not depend on width either
                    problems += [f"{name} [{lang} {label} {scheme}] {line}" for line in describe(axe_violations(page))]
                if lang == "en" or name in ("dashboard", "welcome"):
                    shot = screenshots_dir / f"{role}-{name}-{lang}-{viewport['width']}-{scheme}.png"
                    page.screenshot(path=str(shot), full_page=True)
    assert not problems, "\n".join(problems)


def test_korean_text_wraps_between_words_with_room_for_hangul(new_context, site):
    page = new_context(site.accounts[Role.TRAINEE], lang="ko").new_page()
    page.goto("/")
    assert page.evaluate("document.documentElement.lang") == "ko"
    style = page.evaluate("(() => { const s = getComputedStyle(document.querySelector('main p')); "
                          "return [s.wordBreak, parseFloat(s.lineHeight) / parseFloat(s.fontSize)]; })()")
    assert style[0] == "keep-all"
    assert style[1] >= 1.7
    english = new_context(site.accounts[Role.TRAINEE], lang="en").new_page()
    english.goto("/")
    assert english.evaluate("getComputedStyle(document.querySelector('main p')).wordBreak") == "normal"

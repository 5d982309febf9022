"""A Korean trainee reads Korean: the share of Hangul in the visible text of the pages they learn on.

Measured on the shipped course (modules/), as a trainee who chose 한국어 sees it: a lesson, a quiz page, a
scenario decision and a quiz result. Letters are counted (Hangul syllables against Latin letters); names of
foreign organisations and works that the Korean text keeps in their own script are set aside first.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import attempt_answers, post_form, signed_in

ROOT = Path(__file__).parent.parent
# Kept in their own script on purpose (terms.ko.yaml): foreign names, services and acronyms.
FOREIGN = ["Human Rights Watch", "My Life is Not Your Porn", "StopNCII.org", "StopNCII", "Take It Down", "NCMEC",
           "eSafety Commissioner", "eSafety", "IACP", "EVAWI", "End Violence Against Women International", "NNEDV",
           "National Network to End Domestic Violence", "Crown Prosecution Service", "Without My Consent",
           "BC Society of Transition Houses", "URL", "Dignity", "PDF", "CSV", "Telegram", "Newsweek", "Esquire"]
MINIMUM = 0.8  # the large majority; the rest: titles of English-language works cited, the test academy's name


class VisibleText(HTMLParser):
    """The text a reader sees: no scripts, styles or the language switch's own language names."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "style", "select", "title"}:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "select", "title"}:
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def hangul_share(html: str) -> float:
    parser = VisibleText()
    parser.feed(html)
    text = " ".join(parser.parts)
    for name in sorted(FOREIGN, key=len, reverse=True):
        text = text.replace(name, " ")
    hangul = len(re.findall(r"[\uac00-\ud7a3]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return hangul / max(1, hangul + latin)


@pytest.fixture
def korean_trainee(app, make_app, make_user):
    site = make_app(content_dir=ROOT / "modules")
    client = signed_in(site, make_user())
    post_form(client, "/language", {"locale": "ko", "next": "/"}, form_url="/")
    return site, client


def test_a_korean_trainees_pages_are_in_korean(korean_trainee):
    site, client = korean_trainee
    pages = {"dashboard": client.get("/"), "module": client.get("/modules/nth-room-case"),
             "lesson": client.get("/modules/nth-room-case/lessons/how-the-network-worked?note=read")}
    start = post_form(client, "/modules/nth-room-case/quiz/start", form_url="/modules/nth-room-case/quiz")
    attempt = start.headers["Location"]
    pages["quiz"] = client.get(attempt)
    attempt_id = int(re.search(r"/attempts/(\d+)", attempt).group(1))
    result = post_form(client, attempt, {**attempt_answers(site, attempt_id, correct=False), "action": "submit"},
                       form_url=attempt, follow_redirects=True)
    pages["result"] = result
    scenario = post_form(client, "/modules/nth-room-case/scenario/start", form_url="/modules/nth-room-case/scenario",
                         follow_redirects=True)
    pages["scenario"] = scenario
    shares = {name: hangul_share(page.get_data(as_text=True)) for name, page in pages.items()}
    for name, page in pages.items():
        assert page.status_code == 200, name
    low = {name: round(share, 3) for name, share in shares.items() if share < MINIMUM}
    assert not low, f"Hangul share below {MINIMUM}: {low} (all: {shares})"


def test_the_measure_tells_english_from_korean(app, make_user):
    client = signed_in(app, make_user())
    assert hangul_share(client.get("/").get_data(as_text=True)) < 0.1

"""Korean parity in `content check`: every text has a Korean variant with the same structure and figures."""

import shutil
from pathlib import Path

import pytest
import yaml

from course.content.checks import check_course
from course.content.parity import structure
from tests.conftest import FIXTURE_CONTENT

ROOT = Path(__file__).parent.parent


def ko(text: str) -> str:
    """A stand-in Korean rendering that keeps every figure (the parity rules are about structure and numbers)."""
    return f"한국어: {text}"


def _load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _translate_texts(value, key=None):
    if isinstance(value, dict):
        return {k: _translate_texts(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_translate_texts(item, key) for item in value]
    return ko(value) if isinstance(value, str) and key in {"title", "summary", "situation", "text", "feedback",
                                                           "outcome", "debrief", "content_note"} else value


def translate_everything(root: Path) -> None:
    """Give every text of the course under `root` a Korean variant."""
    course = _load(root / "course.yaml")
    course["ko"] = {"title": ko(course["title"]), "summary": ko(course.get("summary", ""))}
    _dump(root / "course.yaml", course)
    glossary = _load(root / "glossary.yaml")
    for term in glossary["terms"]:
        term["ko"] = {"term": ko(term["term"]), "definition": ko(term["definition"])}
    _dump(root / "glossary.yaml", glossary)
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        module = _load(folder / "module.yaml")
        module["ko"] = {"title": ko(module["title"]), "summary": ko(module.get("summary", "")),
                        "objectives": {o["id"]: ko(o["text"]) for o in module["objectives"]},
                        "sources": {s["id"]: ko(s["citation"]) for s in module["sources"]}}
        _dump(folder / "module.yaml", module)
        for lesson in sorted((folder / "lessons").glob("[0-9][0-9]-*.md")):
            if lesson.name.count(".") == 1 and not lesson.with_suffix(".ko.md").exists():
                _, front, body = lesson.read_text(encoding="utf-8").split("---\n", 2)
                data = yaml.safe_load(front)
                data["title"] = ko(data["title"])
                lesson.with_suffix(".ko.md").write_text(f"---\n{yaml.safe_dump(data, allow_unicode=True)}---\n"
                                                        f"{ko(body)}", encoding="utf-8")
        for name in ("quiz.yaml", "exam.yaml"):
            if (folder / name).exists():
                bank = _load(folder / name)
                for q in bank["questions"]:
                    q["ko"] = {"prompt": ko(q["prompt"]), "explanation": ko(q["explanation"]),
                               "choices": [{"text": ko(c["text"]), "feedback": ko(c["feedback"])}
                                           for c in q["choices"]]}
                _dump(folder / name, bank)
        if (folder / "scenario.yaml").exists():
            _dump(folder / "scenario.ko.yaml", _translate_texts(_load(folder / "scenario.yaml")))


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def problems(root):
    return [str(p) for p in check_course(root).problems]


def require_korean(root):
    course = _load(root / "course.yaml")
    course["languages"] = ["en", "ko"]
    _dump(root / "course.yaml", course)


def test_missing_translations_are_counted_and_become_errors_once_korean_is_required(content):
    checked = check_course(content)
    assert checked.problems == []
    assert checked.parity["ko"].counts["lessons"] == [1, 3]  # the fixture has one Korean lesson of three
    assert checked.parity["ko"].percent < 100
    require_korean(content)
    found = problems(content)
    assert any("01-basics/lessons/02-second.md:1: no ko variant of this lesson" in p for p in found)
    assert any("no ko variant of question basics-q01" in p for p in found)
    assert any("02-practice/scenario.yaml: no ko variant of the scenario" in p for p in found)
    assert any("no ko variant of the glossary term 'Takedown'" in p for p in found)
    assert any("01-basics/module.yaml: no ko variant of module.yaml" in p for p in found)


def test_a_complete_translation_is_full_parity(content):
    translate_everything(content)
    require_korean(content)
    checked = check_course(content)
    assert [str(p) for p in checked.problems] == []
    assert checked.parity["ko"].percent == 100
    assert checked.parity["ko"].summary().startswith("ko: 100% translated (course 1/1, modules 2/2, lessons 3/3")


def test_a_scenario_translation_keeps_every_branch_and_flag(content):
    translate_everything(content)
    scenario = _load(content / "02-practice" / "scenario.ko.yaml")
    scenario["steps"][1]["choices"][1]["sets"] = []  # the translator dropped a flag
    _dump(content / "02-practice" / "scenario.ko.yaml", scenario)
    assert any("scenario.ko.yaml: the translation must keep every id, choice" in p for p in problems(content))


def test_figures_in_korean_are_the_english_figures(content):
    translate_everything(content)
    lesson = content / "01-basics" / "lessons" / "01-first.ko.md"
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("46.8%", "46.8%가 아니라 46.8%"), encoding="utf-8")
    assert problems(content) == []  # the same figure twice is the same figures
    lesson.write_text(lesson.read_text(encoding="utf-8").replace("46.8%", "약 절반"), encoding="utf-8")
    assert any("01-first.ko.md" in p and "where the English states ['46.8%']" in p for p in problems(content))


def test_korean_number_forms_of_a_figure_are_recognised(content):
    translate_everything(content)
    figures = _load(content / "figures.yaml")
    figures["figures"].append({"figure": "30 million won", "source": "src", "ko": ["3,000만 원"]})
    _dump(content / "figures.yaml", figures)
    bank = _load(content / "01-basics" / "quiz.yaml")
    bank["questions"][0]["explanation"] += " The fine is up to 30 million won."
    bank["questions"][0]["ko"]["explanation"] += " 벌금은 최대 3,000만 원입니다."
    _dump(content / "01-basics" / "quiz.yaml", bank)
    assert problems(content) == []
    bank["questions"][0]["ko"]["explanation"] = bank["questions"][0]["ko"]["explanation"].replace("3,000만", "2,000만")
    _dump(content / "01-basics" / "quiz.yaml", bank)
    found = problems(content)
    assert any("'2,000' is not a figure listed" in p for p in found)


def test_words_the_terminology_list_rules_out_are_errors(content):
    translate_everything(content)
    shutil.copy(ROOT / "modules" / "terms.ko.yaml", content / "terms.ko.yaml")
    lesson = content / "01-basics" / "lessons" / "01-first.ko.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n몰카 영상이 유포되었습니다.\n", encoding="utf-8")
    assert any("'몰카' is on the avoid list of terms.ko.yaml; write '불법촬영'" in p for p in problems(content))


def test_structure_blanks_words_and_keeps_the_rest():
    assert structure({"id": "a", "text": "Hello", "sets": ["x"], "situation": ["p", {"when": "x", "text": "q"}]}) == \
        {"id": "a", "text": "…", "sets": ["x"], "situation": ["…", {"when": "x", "text": "…"}]}


def test_the_terminology_list_loads_and_every_entry_has_korean():
    checked = check_course(ROOT / "modules")
    assert checked.terms is not None
    assert all(choice.ko for choice in checked.terms.terms)
    assert {"불법촬영", "디지털 성범죄", "비동의 유포", "피해자"} <= {c.ko for c in checked.terms.terms}

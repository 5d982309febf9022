"""The question-type registry: every type owns every part of itself, and a type missing one is refused."""

import random
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template
from werkzeug.datastructures import MultiDict

from course.content.gift import parse_gift
from course.content.gift_export import export_gift
from course.core.questions import REGISTRY, get_type
from course.core.questions.base import QuestionType, register
from course.core.questions.single import Single

ROOT = Path(__file__).parent.parent
TYPES = sorted(REGISTRY)


class FormValues(HTMLParser):
    """The values a browser would submit for the inputs in an HTML fragment, and the labels it has."""

    def __init__(self):
        super().__init__()
        self.values, self.ids, self.labels, self._select = MultiDict(), set(), set(), None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select"):
            self.ids.add(attrs.get("id"))
        if tag == "input" and "checked" in attrs:
            self.values.add(attrs["name"], attrs["value"])
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and "selected" in attrs:
            self.values.add(self._select, attrs["value"])
        elif tag == "label":
            self.labels.add(attrs.get("for"))


def example(kind):
    return kind.spec.model_validate(kind.example).model_dump()


def take(kind, data, choice_order, response):
    html = render_template(kind.take_template(), item=SimpleNamespace(choice_order=choice_order, response=response),
                           data=data, name="q1")
    form = FormValues()
    form.feed(html)
    return html, form


@pytest.mark.parametrize("name", TYPES)
def test_every_type_validates_its_example_and_grades_its_demo_answers(name):
    kind = get_type(name)
    data = example(kind)
    assert kind.name == name
    right = kind.demo_answer(data, True, random.Random(1))
    wrong = kind.demo_answer(data, False, random.Random(1))
    assert kind.grade(data, right) == 1.0
    assert kind.grade(data, wrong) < 1.0
    assert kind.grade(data, None) == 0.0


@pytest.mark.parametrize("name", TYPES)
def test_every_type_renders_a_labelled_take_template_that_its_parse_reads_back(app, name):
    kind = get_type(name)
    data = example(kind)
    order = list(reversed(range(len(data["choices"]))))
    right = kind.demo_answer(data, True, random.Random(1))
    with app.test_request_context():
        html, form = take(kind, data, order, right)
        _empty_html, empty = take(kind, data, order, None)
    assert all(choice["text"] in html for choice in data["choices"])
    assert form.ids
    assert form.ids <= form.labels  # every input has a label (screen readers, no JS needed)
    assert kind.parse(kind.form_values(form.values, "q1", len(order)), order) == right
    assert kind.parse(kind.form_values(empty.values, "q1", len(order)), order) is None


@pytest.mark.parametrize("name", TYPES)
def test_every_type_renders_a_review_of_a_graded_answer(app, name):
    kind = get_type(name)
    data = example(kind)
    wrong = kind.demo_answer(data, False, random.Random(1))
    review = SimpleNamespace(data=data, chosen=wrong, correct=kind.correct_indexes(data), show_correct=True,
                             is_correct=False)
    with app.test_request_context():
        html = render_template(kind.review_template(), r=review, lang="en")
    assert all(data["choices"][index]["text"] in html for index in wrong)


@pytest.mark.parametrize("name", TYPES)
def test_every_type_says_which_choices_item_analysis_counts(name):
    kind = get_type(name)
    data = example(kind)
    right = kind.demo_answer(data, True, random.Random(1))
    counted = kind.counted_choices(right)
    assert isinstance(counted, tuple)
    assert counted
    assert set(counted) <= set(right)
    assert kind.counted_choices(()) == ()


@pytest.mark.parametrize("name", TYPES)
def test_every_type_round_trips_through_gift_or_says_it_cannot(name):
    kind = get_type(name)
    question = {"objective": "obj", "source": "src", "level": "recall", **kind.example, "type": name}
    text, skipped = export_gift([question])
    if kind.to_gift(question) is None:
        assert skipped == [question["id"]]
        return
    assert skipped == []
    result = parse_gift(text)
    assert result.problems == []
    assert [example(kind)] == [kind.spec.model_validate({k: v for k, v in q.items() if k != "level"}).model_dump()
                               for q in result.questions]


PARTS = ["spec", "example", "parse", "grade", "counted_choices", "demo_answer", "to_gift", "from_gift"]


@pytest.mark.parametrize("missing", PARTS)
def test_a_type_missing_a_part_is_refused(missing):
    parts = {part: Single.__dict__.get(part, getattr(Single, part)) for part in PARTS if part != missing}
    incomplete = type("Incomplete", (QuestionType,), {"name": "incomplete", **parts})
    with pytest.raises(TypeError, match=missing):
        register(incomplete)
    assert "incomplete" not in REGISTRY


def test_a_type_without_every_method_cannot_be_used():
    parts = {part: Single.__dict__.get(part, getattr(Single, part)) for part in PARTS if part != "grade"}
    with pytest.raises(TypeError):
        type("NoGrade", (QuestionType,), {"name": "no_grade", **parts})()


@pytest.mark.parametrize("name", TYPES)
def test_every_type_has_both_templates_next_to_the_others(name):
    kind = get_type(name)
    for template in (kind.take_template(), kind.review_template()):
        assert template.startswith(f"quiz/types/{name}/")
        assert (ROOT / "templates" / template).is_file()


def test_the_guide_to_adding_a_type_names_every_required_part():
    guide = (ROOT / "docs" / "question-types.md").read_text(encoding="utf-8")
    for part in [*QuestionType.__abstractmethods__, "example", "spec", "take.html", "review.html", "@register"]:
        assert part in guide


def test_question_types_do_not_import_the_content_layer():
    for path in (ROOT / "course" / "quiz" / "types").glob("*.py"):
        assert "course.content" not in path.read_text(encoding="utf-8"), path.name

"""Charts: valid, accessible SVG that states every value in text and escapes every label."""

import xml.etree.ElementTree as ET

import pytest
from jinja2 import Environment
from markupsafe import Markup

from course.reports.charts import MAX_X_LABELS, bar_chart, data_table, line_chart, score_bands

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT = "<script>alert(1)</script>"


def parse(markup):
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, parsed to check its structure


def with_class(root, name):
    return [element for element in root.iter() if name in (element.get("class") or "").split()]


def scores_chart(**options):
    return bar_chart("Scores, module 1", "Trainees in each score band.", ["0-19%", "20-39%", "40-59%"], [2, 0, 6],
                     id_prefix="scores", **options)


def test_a_chart_is_named_by_its_title_and_description():
    root = parse(scores_chart())
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "scores-title scores-desc"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == ("scores-title", "Scores, module 1")
    assert (desc.get("id"), desc.text) == ("scores-desc", "Trainees in each score band.")


def test_a_chart_scales_to_its_container_and_needs_nothing_external():
    root = parse(scores_chart())
    assert root.get("width") == "100%"
    assert root.get("viewBox") == "0 0 640 320"
    tags = {element.tag for element in root.iter()}
    assert not tags & {f"{SVG}script", f"{SVG}style", f"{SVG}image", f"{SVG}foreignObject", f"{SVG}a"}
    for element in root.iter():
        assert not [name for name in element.attrib if name.startswith("on") or "href" in name]


def test_one_bar_per_value_with_heights_in_proportion():
    bars = with_class(parse(scores_chart()), "chart-bar")
    assert len(bars) == 3
    heights = [float(bar.get("height")) for bar in bars]
    assert heights[1] == 0
    assert heights[2] == pytest.approx(3 * heights[0], abs=0.02)
    assert all(bar.get("fill") == "currentColor" for bar in bars)


def test_a_fixed_maximum_sets_the_scale():
    root = parse(bar_chart("Facility", "Facility per question.", ["q1", "q2"], [100, 45.5], unit="%",
                           max_value=100, id_prefix="facility"))
    full, partial = (float(bar.get("height")) for bar in with_class(root, "chart-bar"))
    assert partial == pytest.approx(full * 0.455, abs=0.02)
    ticks = [text.text for text in with_class(root, "chart-label") if text.get("text-anchor") == "end"]
    assert ticks == ["0%", "25%", "50%", "75%", "100%"]


def test_the_scale_rounds_up_to_a_whole_step():
    root = parse(bar_chart("Counts", "Counts.", ["a", "b"], [7, 3], id_prefix="counts"))
    ticks = [text.text for text in with_class(root, "chart-label") if text.get("text-anchor") == "end"]
    assert ticks == ["0", "2", "4", "6", "8"]


def test_ticks_stay_readable_for_zeros_and_fractions():
    def ticks(values, **options):
        root = parse(bar_chart("t", "d", [str(v) for v in values], values, id_prefix="t", **options))
        return [text.text for text in with_class(root, "chart-label") if text.get("text-anchor") == "end"]

    assert ticks([0, 0]) == ["0", "1", "2", "3", "4"]
    assert ticks([0.3, 0.9]) == ["0", "0.25", "0.5", "0.75", "1"]
    assert ticks([0.2], max_value=1) == ["0", "0.25", "0.5", "0.75", "1"]


def test_every_value_and_label_is_written_in_text():
    root = parse(scores_chart(unit=" ", x_label="Best score", y_label="Trainees"))
    texts = [text.text for text in with_class(root, "chart-label")]
    for written in ("2 ", "0 ", "6 ", "0-19%", "20-39%", "40-59%", "Best score", "Trainees"):
        assert written in texts
    assert [bar.find(f"{SVG}title").text for bar in with_class(root, "chart-bar")][2] == "40-59%: 6 "


def test_labels_are_escaped_and_inert():
    markup = bar_chart(SCRIPT, f'say "{SCRIPT}" & go', [SCRIPT, 'x" onload="go()'], [1, 2],
                       id_prefix="evil")
    assert SCRIPT not in markup
    root = parse(markup)
    assert root.find(f"{SVG}title").text == SCRIPT  # shown as text, never run
    assert all(element.tag != f"{SVG}script" for element in root.iter())
    assert all(not name.startswith("on") for element in root.iter() for name in element.attrib)
    labels = [text.text for text in with_class(root, "chart-label")]
    assert 'x" onload="go()' in labels


def test_a_bad_id_prefix_is_refused():
    with pytest.raises(ValueError, match="id_prefix"):
        bar_chart("t", "d", ["a"], [1], id_prefix='x" onload="alert(1)')
    with pytest.raises(ValueError, match="id_prefix"):
        line_chart("t", "d", [], id_prefix="two words")


def test_values_a_chart_cannot_draw_are_refused():
    with pytest.raises(ValueError, match="one value per label"):
        bar_chart("t", "d", ["a", "b"], [1], id_prefix="c")
    with pytest.raises(ValueError, match="not negative"):
        bar_chart("t", "d", ["a"], [-1], id_prefix="c")
    with pytest.raises(ValueError, match="finite"):
        line_chart("t", "d", [("a", float("nan"))], id_prefix="c")


@pytest.mark.parametrize("chart", [
    bar_chart("Scores", "No attempts yet.", [], [], id_prefix="none"),
    line_chart("Completion", "No completions yet.", [], id_prefix="none"),
])
def test_empty_data_says_so_in_a_valid_chart(chart):
    root = parse(chart)
    assert root.get("aria-labelledby") == "none-title none-desc"
    assert [text.text for text in with_class(root, "chart-empty")] == ["No data yet"]
    assert not with_class(root, "chart-bar")
    assert not with_class(root, "chart-point")


def test_the_empty_message_can_be_translated():
    root = parse(bar_chart("t", "d", [], [], id_prefix="c", empty_text="아직 데이터가 없습니다"))
    assert with_class(root, "chart-empty")[0].text == "아직 데이터가 없습니다"


def test_a_line_chart_has_a_point_per_value_and_higher_values_higher_up():
    points = [("1 Mar", 0), ("8 Mar", 4), ("15 Mar", 10), ("22 Mar", 12)]
    root = parse(line_chart("Completion", "Trainees completed, cumulative.", points, id_prefix="done"))
    circles = with_class(root, "chart-point")
    assert len(circles) == 4
    assert [circle.find(f"{SVG}title").text for circle in circles] == ["1 Mar: 0", "8 Mar: 4", "15 Mar: 10",
                                                                        "22 Mar: 12"]
    (line,) = with_class(root, "chart-line")
    ys = [float(pair.split(",")[1]) for pair in line.get("points").split()]
    base = ys[0]
    assert [base - y for y in ys] == pytest.approx([0, (base - ys[3]) / 3, (base - ys[3]) * 10 / 12, base - ys[3]],
                                                    abs=0.02)
    assert {"1 Mar", "22 Mar", "12"} <= {text.text for text in with_class(root, "chart-label")}


def test_a_long_line_chart_thins_its_labels_but_keeps_the_last():
    points = [(f"day {day}", day) for day in range(1, 61)]
    root = parse(line_chart("Completion", "Sixty days.", points, id_prefix="long"))
    assert len(with_class(root, "chart-point")) == 60
    days = [text.text for text in with_class(root, "chart-label") if (text.text or "").startswith("day")]
    assert len(days) <= MAX_X_LABELS
    assert days[0] == "day 1"
    assert days[-1] == "day 60"


def test_crowded_labels_are_slanted_and_long_ones_shortened():
    labels = [f"question {n} about consent" for n in range(12)]
    root = parse(bar_chart("Facility", "Facility per question.", labels, [50] * 12, id_prefix="crowded"))
    under = [text for text in with_class(root, "chart-label") if (text.text or "").startswith("question")]
    assert len(under) == 12
    assert all(text.get("transform", "").startswith("rotate(-35") for text in under)
    assert under[0].text == "question 0…"
    assert with_class(root, "chart-bar")[0].find(f"{SVG}title").text == "question 0 about consent: 50"


def test_a_chart_drops_into_a_template_without_double_escaping():
    chart = scores_chart()
    assert isinstance(chart, Markup)
    assert Environment(autoescape=True).from_string("{{ chart }}").render(chart=chart) == str(chart)


def test_the_data_table_is_the_text_alternative():
    labels, counts = score_bands([5, 19.9, 20, 55, 79.5, 80, 100])
    table = parse(data_table("Scores, module 1", ["Score band", "Trainees"], list(zip(labels, counts, strict=True))))
    assert table.tag == "table"
    assert table.find("caption").text == "Scores, module 1"
    headers = table.findall("thead/tr/th")
    assert [(th.get("scope"), th.text) for th in headers] == [("col", "Score band"), ("col", "Trainees")]
    rows = table.findall("tbody/tr")
    assert len(rows) == 5
    assert [(row.find("th").get("scope"), row.find("th").text, row.find("td").text) for row in rows] == [
        ("row", "0-19%", "2"), ("row", "20-39%", "1"), ("row", "40-59%", "1"), ("row", "60-79%", "1"),
        ("row", "80-100%", "2")]


def test_the_data_table_escapes_cells_and_handles_no_rows():
    table = parse(data_table(SCRIPT, [SCRIPT, "Value"], [(SCRIPT, 45.25)]))
    assert table.find("caption").text == SCRIPT
    assert table.find("tbody/tr/th").text == SCRIPT
    assert table.find("tbody/tr/td").text == "45.2"  # floats to one decimal place, as in the chart
    assert not table.findall(".//script")
    empty = parse(data_table("Scores", ["Band", "Trainees"], []))
    (cell,) = empty.findall("tbody/tr/td")
    assert (cell.get("colspan"), cell.text) == ("2", "No data yet")
    with pytest.raises(ValueError, match="one cell per header"):
        data_table("Scores", ["Band", "Trainees"], [("0-19%",)])


def test_score_bands_cover_zero_to_one_hundred():
    assert score_bands([]) == (["0-19%", "20-39%", "40-59%", "60-79%", "80-100%"], [0, 0, 0, 0, 0])
    assert score_bands([0, 19.9, 100, 100], width=50) == (["0-49%", "50-100%"], [2, 2])

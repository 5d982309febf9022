"""A trainee's course: dashboard, lessons, content notes, progress and the next step."""

import shutil
from pathlib import Path

from sqlalchemy import select

from course.extensions import db
from course.models import LessonProgress
from tests.conftest import FIXTURE_CONTENT, post_form


def progress_rows(app, user):
    with app.app_context():
        return db.session.scalars(select(LessonProgress).where(LessonProgress.user_id == user.id)).all()


def complete(client, module, lesson):
    url = f"/modules/{module}/lessons/{lesson}"
    return post_form(client, f"{url}/complete", form_url=url + "?note=read")


def test_the_dashboard_lists_modules_in_order_with_status_and_time(client, trainee):
    html = client.get("/").get_data(as_text=True)
    assert html.index("Basics") < html.index("Practice")
    assert html.count("Not started") == 2
    assert "about 80 minutes" in html
    assert "about 40 minutes" in html
    assert 'aria-label="Course progress"' in html


def test_continue_link_points_to_the_first_lesson_for_a_new_trainee(client, trainee):
    html = client.get("/").get_data(as_text=True)
    assert "Continue where you left off" in html
    assert 'href="/modules/basics/lessons/first"' in html


def test_opening_a_lesson_records_a_visit_once(client, app, trainee):
    assert client.get("/modules/basics/lessons/first").status_code == 200
    client.get("/modules/basics/lessons/first")
    rows = progress_rows(app, trainee)
    assert [(r.lesson_slug, r.completed_at) for r in rows] == [("first", None)]
    assert "In progress" in client.get("/").get_data(as_text=True)


def test_lessons_render_markdown_with_raw_html_shown_as_text(client, trainee):
    html = client.get("/modules/basics/lessons/first").get_data(as_text=True)
    assert "<h2>In practice</h2>" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert" in html
    assert "Source A, a test citation." in html


def test_a_content_note_is_shown_first_and_the_trainee_chooses_to_continue(client, app, trainee):
    note = client.get("/modules/basics/lessons/second").get_data(as_text=True)
    assert "Content note" in note
    assert "describes a difficult situation" in note
    assert "This lesson teaches the second thing" not in note
    assert 'href="/modules/basics/lessons/second?note=read"' in note
    assert progress_rows(app, trainee) == []  # not recorded until the trainee chooses to read
    lesson = client.get("/modules/basics/lessons/second?note=read").get_data(as_text=True)
    assert "This lesson teaches the second thing" in lesson


def test_marking_complete_moves_to_the_next_lesson(client, app, trainee):
    response = complete(client, "basics", "first")
    assert response.status_code == 302
    assert response.headers["Location"] == "/modules/basics/lessons/second"
    assert progress_rows(app, trainee)[0].completed_at is not None


def test_a_double_clicked_mark_complete_keeps_one_record(client, app, trainee):
    complete(client, "basics", "first")
    first_time = progress_rows(app, trainee)[0].completed_at
    complete(client, "basics", "first")
    rows = progress_rows(app, trainee)
    assert len(rows) == 1
    assert rows[0].completed_at == first_time


def test_after_the_last_lesson_the_continue_link_offers_the_quiz(client, trainee):
    complete(client, "basics", "first")
    response = complete(client, "basics", "second")
    assert response.headers["Location"] == "/modules/basics"
    html = client.get("/").get_data(as_text=True)
    assert 'href="/modules/basics/quiz"' in html
    assert "Basics: take the quiz" in html


def test_mark_complete_needs_a_csrf_token(client, app, trainee):
    response = client.post("/modules/basics/lessons/first/complete")
    assert response.status_code == 400
    assert progress_rows(app, trainee) == []


def test_unknown_modules_and_lessons_are_404(client, trainee):
    assert client.get("/modules/nope").status_code == 404
    assert client.get("/modules/basics/lessons/nope").status_code == 404
    assert client.post("/modules/basics/lessons/nope/complete").status_code in (400, 404)


def test_the_module_page_shows_objectives_lessons_and_sources(client, trainee):
    complete(client, "basics", "first")
    html = client.get("/modules/basics").get_data(as_text=True)
    assert "Identify the first thing." in html
    assert "✓ Completed" in html
    assert "Source A, a test citation." in html
    assert "Module 1 of 2" in html


def build_course(root: Path, modules: int, lessons: int) -> Path:
    """A course with `modules` copies of the basics module, each with `lessons` lessons."""
    root.mkdir()
    shutil.copy(FIXTURE_CONTENT / "figures.yaml", root)
    slugs = []
    for m in range(1, modules + 1):
        folder = root / f"{m:02d}-mod{m}"
        shutil.copytree(FIXTURE_CONTENT / "01-basics", folder)
        for path in (folder / "module.yaml", folder / "quiz.yaml"):
            path.write_text(path.read_text().replace("basics-", f"m{m}-"))
        for lesson in folder.glob("lessons/*.md"):
            lesson.write_text(lesson.read_text().replace("basics-", f"m{m}-"))
        for extra in range(3, lessons + 1):
            shutil.copy(folder / "lessons" / "01-first.md", folder / "lessons" / f"{extra:02d}-extra{extra}.md")
        slugs.append(f"mod{m}")
    (root / "course.yaml").write_text("title: Scaled\nmodules:\n" + "".join(f"  - {s}\n" for s in slugs))
    return root


def dashboard_queries(make_app, make_user, count_queries, root):
    app = make_app(content_dir=root)
    client = app.test_client()
    user = make_user()
    post_form(client, "/login", {"email": user.email, "password": "correct horse battery staple"})
    client.get("/modules/mod1/lessons/first")
    with count_queries() as statements:
        assert client.get("/").status_code == 200
    return len(statements)


def test_dashboard_queries_do_not_grow_with_modules_or_lessons(make_app, make_user, count_queries, tmp_path):
    small = dashboard_queries(make_app, make_user, count_queries, build_course(tmp_path / "small", 1, 2))
    large = dashboard_queries(make_app, make_user, count_queries, build_course(tmp_path / "large", 6, 5))
    assert small == large
    assert 0 < small <= 11  # 11th: the modules the trainee paused ("this material affects me")


def test_the_glossary_lists_terms_from_the_content(client):
    html = client.get("/glossary").get_data(as_text=True)
    assert "<dt" in html
    assert "Takedown" in html
    assert "Removing content from a platform." in html


def test_a_trainee_sees_each_cohort_with_its_due_date_and_what_is_left(client, trainee, make_user, make_cohort):
    from datetime import date

    from course.models import Role

    trainer = make_user(Role.TRAINER)
    make_cohort(trainer, [trainee], name="Spring intake", due_on=date(2099, 3, 15))
    make_cohort(trainer, [trainee], name="Refresher", due_on=date(2020, 1, 10))
    make_cohort(trainer, [], name="Someone else's intake", due_on=date(2099, 6, 1))
    html = client.get("/").get_data(as_text=True)
    assert "Your cohorts" in html
    assert "Spring intake" in html
    assert "Someone else" not in html
    assert "due 15 March 2099 — 2 modules left." in html
    assert "overdue since 10 January 2020 — 2 modules left." in html

    korean = client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).get_data(as_text=True)
    assert "2099년 3월 15일" in korean


def test_dashboard_queries_do_not_grow_with_cohorts(client, trainee, make_user, make_cohort, count_queries):
    from datetime import date

    from course.models import Role

    trainer = make_user(Role.TRAINER)

    def queries():
        with count_queries() as statements:
            assert client.get("/").status_code == 200
        return len(statements)

    make_cohort(trainer, [trainee], name="First", due_on=date(2099, 3, 15))
    one = queries()
    for n in range(4):
        make_cohort(trainer, [trainee], name=f"Cohort {n}", due_on=date(2099, 4, n + 1))
    assert queries() == one
    assert client.get("/").get_data(as_text=True).count(" April 2099 — 2 modules left.") == 4

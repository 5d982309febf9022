"""The migrations build exactly the schema the models describe."""

from course.extensions import alembic


def test_migrations_match_the_models(app):
    with app.app_context():
        assert alembic.compare_metadata() == []


def test_the_migration_history_is_linear(app):
    with app.app_context():
        assert len(alembic.script_directory.get_heads()) == 1

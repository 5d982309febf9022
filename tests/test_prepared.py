"""Prepared reads (course/prepared.py) give exactly what SQLAlchemy's Core gives, on SQLite and PostgreSQL."""

import importlib
import pkgutil
import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.exc import DBAPIError, InvalidRequestError

import course
from course.core.care import PAUSES_QUERY
from course.core.catalogue import LIVE, load_live_version
from course.core.procedures import save_procedure
from course.core.settings import SETTINGS_QUERY, save_settings
from course.database import read
from course.demo import seed_demo_cohort
from course.extensions import db
from course.models import CohortMember, ModulePause, Role, User, utcnow
from course.prepared import Prepared


def every_prepared_statement() -> dict[Prepared, set[str]]:
    """Every module-level Prepared statement in the application, with the dotted names it is known by."""
    found: dict[int, tuple[Prepared, set[str]]] = {}
    for module_info in pkgutil.walk_packages(course.__path__, "course."):
        for name, value in vars(importlib.import_module(module_info.name)).items():
            if isinstance(value, Prepared):
                found.setdefault(id(value), (value, set()))[1].add(f"{module_info.name}.{name}")
    return dict(found.values())


def core_rows(statement: Prepared, parameters: dict):
    """The same statement through SQLAlchemy's Core: the reference."""
    result = db.session.connection().execute(statement.statement, parameters)
    return list(result.keys()), [tuple(row) for row in result]


def prepared_rows(statement: Prepared, parameters: dict):
    result = read(db.session, statement, parameters)
    return list(result.keys()), [tuple(row) for row in result]


def test_every_prepared_statement_returns_what_core_returns_for_varied_trainees(app, make_user):
    statements = every_prepared_statement()
    assert {"course.core.progress.PROGRESS_QUERY", "course.core.settings.SETTINGS_QUERY",
            "course.core.catalogue.LIVE", "course.core.care.PAUSES_QUERY", "course.core.records.MASTERY",
            "course.core.records.MODULE_MASTERY"} <= set().union(*statements.values())
    admin, trainer = make_user(Role.ADMIN), make_user(Role.TRAINER)
    with app.app_context():
        version = load_live_version(db.session)
        cohort = seed_demo_cohort(db.session, version, db.session.get(User, trainer.id), 30, random.Random(5))
        actor = db.session.get(User, admin.id)
        save_settings(db.session, actor, {"academy_name": "Prepared Academy", "validity_months": 18})
        save_procedure(db.session, actor, "takedown_unit", "ko", "디지털성범죄 삭제지원 담당 부서")
        user_ids = list(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))
        for index, user_id in enumerate(user_ids[:6]):
            db.session.add(ModulePause(user_id=user_id, module_slug=version.modules[index % 2].slug,
                                       requested_at=utcnow() - timedelta(hours=index)))
        db.session.commit()
        kinds, typed = set(), set()
        for statement, names in statements.items():
            name = min(names)
            needed = {bind.key for bind in statement.statement.compile().binds.values() if bind.required}
            for user_id in [*user_ids, 999_999]:
                for module in version.modules[:2]:
                    parameters = {key: value for key, value in
                                  {"user_id": user_id, "module_slug": module.slug}.items() if key in needed}
                    expected = core_rows(statement, parameters)
                    assert prepared_rows(statement, parameters) == expected, (name, parameters)
                    for row in expected[1]:
                        typed |= {type(value) for value in row}
                        if name.endswith("PROGRESS_QUERY"):
                            kinds.add(row[0])
        db.session.rollback()
    # The data exercised every kind of progress row and the types with result processors (dates, JSON).
    assert kinds == {"lesson", "quiz", "scenario"}
    assert {datetime, dict, str, int} <= typed


def test_a_dates_time_zone_and_a_settings_json_come_back_as_python_values(app, make_user):
    admin = make_user(Role.ADMIN)
    with app.app_context():
        save_settings(db.session, db.session.get(User, admin.id), {"validity_months": 18})
        db.session.add(ModulePause(user_id=admin.id, module_slug="basics"))  # read() flushes it, as the ORM would
        (slug, requested_at), = read(db.session, PAUSES_QUERY, {"user_id": admin.id}).all()
        assert slug == "basics"
        assert requested_at.utcoffset() == timedelta(0)
        values = {row.key: row.value for row in read(db.session, SETTINGS_QUERY)}
        assert values["validity_months"] == {"value": 18}
        db.session.rollback()


def test_prepared_reads_are_seen_by_statement_listeners_and_run_in_the_sessions_transaction(app, count_queries):
    with app.app_context():
        with count_queries() as statements:
            assert read(db.session, LIVE).first() is not None
        assert len(statements) == 1
        assert "content_versions" in statements[0]
        connection = db.session.connection()
        read(db.session, LIVE)
        assert db.session.connection() is connection
        assert db.session.in_transaction()
        db.session.rollback()


def test_a_missing_parameter_and_a_parameter_list_are_refused_clearly(app):
    table = Table("prepared_probe", MetaData(), Column("id", Integer), Column("name", String))
    with app.app_context():
        with pytest.raises(InvalidRequestError, match="user_id"):
            read(db.session, PAUSES_QUERY, {})
        listed = Prepared(select(table.c.id).where(table.c.name.in_(bindparam("names", expanding=True))))
        with pytest.raises(TypeError, match="IN"):
            read(db.session, listed, {"names": ["a"]})
        db.session.rollback()


def test_a_driver_error_is_raised_as_sqlalchemys_own_and_the_session_recovers(app):
    missing = Prepared(select(Table("no_such_table", MetaData(), Column("id", Integer)).c.id))
    with app.app_context():
        with pytest.raises(DBAPIError) as raised:
            read(db.session, missing)
        assert "no_such_table" in str(raised.value.orig)
        assert raised.value.statement
        db.session.rollback()
        assert read(db.session, LIVE).first() is not None
        db.session.rollback()

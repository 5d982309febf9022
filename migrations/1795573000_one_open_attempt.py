"""at most one open quiz attempt and one unfinished scenario run per trainee and module

Revision ID: 1795573000
Revises: 1795572000
Create Date: 2026-11-25 03:12:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795573000'
down_revision: Union[str, Sequence[str], None] = '1795572000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Partial unique indexes: the database, not a read-then-insert check, settles racing starts."""
    op.create_index('uq_quiz_attempts_one_open', 'quiz_attempts', ['user_id', 'module_slug'], unique=True,
                    postgresql_where=sa.text("status = 'in_progress'"), sqlite_where=sa.text("status = 'in_progress'"))
    op.create_index('uq_scenario_runs_one_open', 'scenario_runs', ['user_id', 'module_slug'], unique=True,
                    postgresql_where=sa.text("finished_at IS NULL"), sqlite_where=sa.text("finished_at IS NULL"))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('uq_scenario_runs_one_open', table_name='scenario_runs')
    op.drop_index('uq_quiz_attempts_one_open', table_name='quiz_attempts')

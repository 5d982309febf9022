"""scenario runs: choice order shown per step, flags set by choices, passed

Revision ID: 1795574500
Revises: 1795574100
Create Date: 2026-11-30 09:50:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795574500'
down_revision: Union[str, Sequence[str], None] = '1795574100'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None

# The default `scenario_pass_score` of module.yaml; content published before it existed used no other.
DEFAULT_PASS_SCORE = 70


def upgrade() -> None:
    """Runs started before keep no choice order (they show the authored order); finished ones are judged
    against the default pass score, so a run through poor choices no longer counts as complete."""
    with op.batch_alter_table('scenario_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choice_orders', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('passed', sa.Boolean(), nullable=True))
    runs = sa.table('scenario_runs', sa.column('score', sa.Float()), sa.column('finished_at'),
                    sa.column('passed', sa.Boolean()))
    op.execute(runs.update().where(runs.c.finished_at.is_not(None))
               .values(passed=runs.c.score >= DEFAULT_PASS_SCORE))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('scenario_runs', schema=None) as batch_op:
        batch_op.drop_column('passed')
        batch_op.drop_column('flags')
        batch_op.drop_column('choice_orders')

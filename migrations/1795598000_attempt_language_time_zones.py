"""attempts keep the language they were taken in; each user may choose a time zone

Revision ID: 1795598000
Revises: 1795596000
Create Date: 2026-11-30 16:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795598000'
down_revision: Union[str, Sequence[str], None] = '1795596000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Attempts and scenario runs record their language (NULL for older ones: the course's default language);
    users record an IANA time zone (NULL: the academy's default zone)."""
    with op.batch_alter_table('quiz_attempts') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('scenario_runs') as batch:
        batch.add_column(sa.Column('language', sa.String(length=8), nullable=True))
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('users') as batch:
        batch.drop_column('time_zone')
    with op.batch_alter_table('scenario_runs') as batch:
        batch.drop_column('language')
    with op.batch_alter_table('quiz_attempts') as batch:
        batch.drop_column('language')

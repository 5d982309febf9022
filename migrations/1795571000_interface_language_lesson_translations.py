"""interface language per user; translated variants of lessons

Revision ID: 1795571000
Revises: 1795570000
Create Date: 2026-11-25 02:15:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795571000'
down_revision: Union[str, Sequence[str], None] = '1795570000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=8), nullable=True))
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('lessons', schema=None) as batch_op:
        batch_op.drop_column('translations')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')

"""content in other languages: Korean words for the course, its glossary and each module and scenario

Revision ID: 1795597100
Revises: 1795597000
Create Date: 2026-11-30 13:10:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795597100'
down_revision: Union[str, Sequence[str], None] = '1795597000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Versions and modules carry their words in other languages beside the English ones."""
    with op.batch_alter_table('content_versions') as batch:
        batch.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))
    with op.batch_alter_table('modules') as batch:
        batch.add_column(sa.Column('translations', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    """Drop the other languages' words."""
    with op.batch_alter_table('modules') as batch:
        batch.drop_column('translations')
    with op.batch_alter_table('content_versions') as batch:
        batch.drop_column('translations')

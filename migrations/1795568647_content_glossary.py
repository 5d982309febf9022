"""content glossary

Revision ID: 1795568647
Revises: 1795568180
Create Date: 2026-11-25 01:04:07.523948

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1795568647'
down_revision: Union[str, Sequence[str], None] = '1795568180'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # Existing versions get an empty glossary; the next `content sync` publishes the real one.
    with op.batch_alter_table('content_versions') as batch:
        batch.add_column(sa.Column('glossary', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('content_versions') as batch:
        batch.drop_column('glossary')

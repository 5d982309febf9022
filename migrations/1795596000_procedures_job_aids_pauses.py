"""the academy's procedures in practice: job aids per content version, modules paused by a trainee

Revision ID: 1795596000
Revises: 1795592000
Create Date: 2026-11-30 12:30:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795596000'
down_revision: Union[str, Sequence[str], None] = '1795592000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Versions carry their job aids; a trainee's paused modules are recorded (no reason, by design)."""
    with op.batch_alter_table('content_versions') as batch:
        batch.add_column(sa.Column('job_aids', sa.JSON(), server_default='{}', nullable=False))
    op.create_table(
        'module_pauses',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('module_slug', sa.String(length=80), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'module_slug'),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('module_pauses')
    with op.batch_alter_table('content_versions') as batch:
        batch.drop_column('job_aids')

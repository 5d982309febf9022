"""the final exam and the pre-test: an exam-only question pool, exam settings per content version, unlocks

Revision ID: 1795580000
Revises: 1795579000
Create Date: 2026-11-30 10:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795580000'
down_revision: Union[str, Sequence[str], None] = '1795579000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Questions belong to a pool; versions carry their exam settings; unlocks are recorded."""
    with op.batch_alter_table('questions') as batch:
        batch.add_column(sa.Column('pool', sa.String(length=8), server_default='quiz', nullable=False))
    with op.batch_alter_table('content_versions') as batch:
        batch.add_column(sa.Column('exam_settings', sa.JSON(), server_default='{}', nullable=False))
    op.create_table(
        'exam_unlocks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('unlocked_by_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('unlocked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['unlocked_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_exam_unlocks_user_id'), 'exam_unlocks', ['user_id'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f('ix_exam_unlocks_user_id'), table_name='exam_unlocks')
    op.drop_table('exam_unlocks')
    with op.batch_alter_table('content_versions') as batch:
        batch.drop_column('exam_settings')
    with op.batch_alter_table('questions') as batch:
        batch.drop_column('pool')

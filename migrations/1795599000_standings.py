"""standings: each trainee's place in the live course, summarised for the cohort pages; users listed by name

Revision ID: 1795599000
Revises: 1795598000
Create Date: 2026-11-30 16:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795599000'
down_revision: Union[str, Sequence[str], None] = '1795598000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Summary rows (empty at first: a cohort page builds the missing ones, or `flask standings rebuild`)."""
    op.create_table(
        'trainee_standings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('started', sa.Boolean(), nullable=False),
        sa.Column('failed', sa.Boolean(), nullable=False),
        sa.Column('modules_complete', sa.Integer(), nullable=False),
        sa.Column('exam_ok', sa.Boolean(), nullable=False),
        sa.Column('exam_passed', sa.Boolean(), nullable=False),
        sa.Column('certificate_id', sa.Integer(), nullable=True),
        sa.Column('certificate_void', sa.Boolean(), nullable=False),
        sa.Column('certificate_expires_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('certificate_renewal_due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('first_certified_on', sa.Date(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id'),
    )
    op.create_table(
        'module_standings',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('module_slug', sa.String(length=80), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('best_score', sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'module_slug'),
    )
    op.create_table(
        'cohort_totals',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id'),
    )
    op.create_table(
        'cohort_module_totals',
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('module_slug', sa.String(length=80), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('band', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('trainees', sa.Integer(), nullable=False),
        sa.Column('score_sum', sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('cohort_id', 'module_slug', 'status', 'band'),
    )
    op.create_index('ix_users_name_lower', 'users', [sa.text('lower(name)'), 'id'], unique=False)
    op.create_index('ix_module_standings_cover', 'module_standings', ['user_id', 'module_slug', 'status', 'best_score'])


def downgrade() -> None:
    """Drop the summaries (they are rebuilt from the records on the way back up)."""
    op.drop_index('ix_module_standings_cover', table_name='module_standings')
    op.drop_index('ix_users_name_lower', table_name='users')
    op.drop_table('cohort_module_totals')
    op.drop_table('cohort_totals')
    op.drop_table('module_standings')
    op.drop_table('trainee_standings')

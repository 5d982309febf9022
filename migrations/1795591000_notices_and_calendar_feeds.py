"""notices (emails sent by the reminders run) and secret calendar feed URLs

Revision ID: 1795591000
Revises: 1795595000
Create Date: 2026-11-30 12:10:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795591000'
down_revision: Union[str, Sequence[str], None] = '1795595000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """One row per recipient, kind and subject (the unique constraint makes sending idempotent); feed token hashes."""
    op.create_table(
        'notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_by', sa.String(length=32), nullable=True),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notices_user_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], name=op.f('fk_notices_cohort_id_cohorts'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
        sa.UniqueConstraint('user_id', 'kind', 'subject', name='uq_notices_user_id_kind_subject'),
    )
    op.create_index(op.f('ix_notices_user_id'), 'notices', ['user_id'], unique=False)
    op.create_index(op.f('ix_notices_cohort_id'), 'notices', ['cohort_id'], unique=False)
    op.create_index(op.f('ix_notices_status'), 'notices', ['status'], unique=False)
    op.create_table(
        'calendar_feeds',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_feeds_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_feeds')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feeds_token_hash')),
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_table('calendar_feeds')
    op.drop_index(op.f('ix_notices_status'), table_name='notices')
    op.drop_index(op.f('ix_notices_cohort_id'), table_name='notices')
    op.drop_index(op.f('ix_notices_user_id'), table_name='notices')
    op.drop_table('notices')

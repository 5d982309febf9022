"""the JSON API: tokens, idempotency records, and updated_at on the rows it syncs

Revision ID: 1795593000
Revises: 1795591000
Create Date: 2026-11-30 12:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from course.database import sqlite_foreign_keys_suspended

revision: str = '1795593000'
down_revision: Union[str, Sequence[str], None] = '1795591000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None

# Each synced table, and the time an existing row last changed, as well as the row itself can tell.
UPDATED_FROM = {
    'users': 'created_at',
    'cohorts': 'created_at',
    'quiz_attempts': 'COALESCE(submitted_at, started_at)',
    'certificates': 'COALESCE(revoked_at, superseded_at, issued_at)',
}


def upgrade() -> None:
    """Tokens and idempotency records; `updated_at` filled from each row's own times, then required."""
    for table, source in UPDATED_FROM.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        op.execute(f'UPDATE {table} SET updated_at = {source}')
        # SQLite rebuilds the table to make the column required: other tables' foreign keys must not cascade.
        with sqlite_foreign_keys_suspended(op.get_bind()), op.batch_alter_table(table) as batch:
            batch.alter_column('updated_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        op.create_index(f'ix_{table}_updated_at', table, ['updated_at'], unique=False)
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('scope', sa.String(length=8), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_table(
        'api_idempotency_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('request_hash', sa.String(length=64), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=False),
        sa.Column('response', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['token_id'], ['api_tokens.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_id', 'key'),
    )
    op.create_index(op.f('ix_api_idempotency_records_created_at'), 'api_idempotency_records', ['created_at'],
                    unique=False)


def downgrade() -> None:
    """Drop the API's tables and the updated_at columns."""
    op.drop_index(op.f('ix_api_idempotency_records_created_at'), table_name='api_idempotency_records')
    op.drop_table('api_idempotency_records')
    op.drop_table('api_tokens')
    for table in reversed(list(UPDATED_FROM)):
        op.drop_index(f'ix_{table}_updated_at', table_name=table)
        with sqlite_foreign_keys_suspended(op.get_bind()), op.batch_alter_table(table) as batch:
            batch.drop_column('updated_at')

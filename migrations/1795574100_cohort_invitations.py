"""cohort invitations for existing accounts; which membership created an account

Revision ID: 1795574100
Revises: 1795573000
Create Date: 2026-11-30 09:50:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795574100'
down_revision: Union[str, Sequence[str], None] = '1795573000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """An existing account joins a cohort only by accepting; a pending account's links belong to its cohort."""
    op.create_table(
        'cohort_invitations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cohort_id'], ['cohorts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('cohort_id', 'user_id'),
    )
    op.create_index(op.f('ix_cohort_invitations_cohort_id'), 'cohort_invitations', ['cohort_id'], unique=False)
    op.create_index(op.f('ix_cohort_invitations_user_id'), 'cohort_invitations', ['user_id'], unique=False)
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_account', sa.Boolean(), server_default=sa.false(), nullable=False))
    # An account still without a password was created by the import of its first cohort.
    op.execute("UPDATE cohort_members SET created_account = TRUE WHERE id IN ("
               "SELECT MIN(m.id) FROM cohort_members m JOIN users u ON u.id = m.user_id "
               "WHERE u.password_hash = '!' GROUP BY m.user_id)")


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('cohort_members', schema=None) as batch_op:
        batch_op.drop_column('created_account')
    op.drop_index(op.f('ix_cohort_invitations_user_id'), table_name='cohort_invitations')
    op.drop_index(op.f('ix_cohort_invitations_cohort_id'), table_name='cohort_invitations')
    op.drop_table('cohort_invitations')

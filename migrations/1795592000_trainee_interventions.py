"""trainer interventions: a trainee's own due date, module exemptions, quiz unlocks; indexes for finding people

Revision ID: 1795592000
Revises: 1795594000
Create Date: 2026-11-30 12:10:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795592000'
down_revision: Union[str, Sequence[str], None] = '1795594000'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Members may carry their own due date and exemptions; unlocks name the quiz; users are indexed for search."""
    with op.batch_alter_table('cohort_members') as batch:
        batch.add_column(sa.Column('due_on', sa.Date(), nullable=True))
    op.create_table(
        'member_exemptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort_member_id', sa.Integer(), nullable=False),
        sa.Column('module_slug', sa.String(length=80), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['cohort_member_id'], ['cohort_members.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('cohort_member_id', 'module_slug'),
    )
    op.create_index(op.f('ix_member_exemptions_cohort_member_id'), 'member_exemptions', ['cohort_member_id'],
                    unique=False)
    with op.batch_alter_table('exam_unlocks') as batch:
        batch.add_column(sa.Column('module_slug', sa.String(length=80), server_default='_exam', nullable=False))
    op.create_index('ix_users_email_lower', 'users', [sa.text('lower(email)')], unique=False)
    op.create_index('ix_users_badge_number_lower', 'users', [sa.text('lower(badge_number)')], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_users_badge_number_lower', table_name='users')
    op.drop_index('ix_users_email_lower', table_name='users')
    with op.batch_alter_table('exam_unlocks') as batch:
        batch.drop_column('module_slug')
    op.drop_index(op.f('ix_member_exemptions_cohort_member_id'), table_name='member_exemptions')
    op.drop_table('member_exemptions')
    with op.batch_alter_table('cohort_members') as batch:
        batch.drop_column('due_on')

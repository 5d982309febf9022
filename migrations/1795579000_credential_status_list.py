"""credential status list: each certificate's bit in the published revocation list

Revision ID: 1795579000
Revises: 1795574500
Create Date: 2026-11-30 10:00:00

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '1795579000'
down_revision: Union[str, Sequence[str], None] = '1795574500'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """One row per certificate; (list, index) unique so racing requests never share a bit.

    Certificates issued before this revision get their place the first time their credential is built.
    """
    op.create_table(
        'credential_status_entries',
        sa.Column('certificate_id', sa.Integer(), nullable=False),
        sa.Column('list_number', sa.Integer(), nullable=False),
        sa.Column('list_index', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'],
                                name=op.f('fk_credential_status_entries_certificate_id_certificates')),
        sa.PrimaryKeyConstraint('certificate_id', name=op.f('pk_credential_status_entries')),
        sa.UniqueConstraint('list_number', 'list_index',
                            name=op.f('uq_credential_status_entries_list_number_list_index')),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('credential_status_entries')

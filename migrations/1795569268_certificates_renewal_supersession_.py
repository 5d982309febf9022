"""certificates: renewal, supersession, revocation, credential subject

Revision ID: 1795569268
Revises: 1795568934
Create Date: 2026-11-25 01:14:28.510977

"""
import hashlib
import secrets
from datetime import timedelta
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '1795569268'
down_revision: Union[str, Sequence[str], None] = '1795568934'
branch_labels: Union[str, Sequence[str], None] = ()
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('certificates') as batch:
        batch.add_column(sa.Column('renewal_due_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('subject_salt', sa.String(length=32), server_default='', nullable=False))
        batch.add_column(sa.Column('subject_hash', sa.String(length=80), server_default='', nullable=False))
        batch.add_column(sa.Column('superseded_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('revocation_note', sa.Text(), nullable=True))
        batch.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_certificates_revoked_by_id_users'), 'users', ['revoked_by_id'], ['id'])
        batch.create_foreign_key(op.f('fk_certificates_superseded_by_id_certificates'), 'certificates',
                                 ['superseded_by_id'], ['id'])
    _backfill()


def _backfill() -> None:
    """Certificates issued before this revision get a credential subject and a renewal date."""
    certificates = sa.table(
        'certificates', sa.column('id', sa.Integer), sa.column('user_id', sa.Integer),
        sa.column('content_version_id', sa.Integer), sa.column('expires_at', sa.DateTime(timezone=True)),
        sa.column('renewal_due_at', sa.DateTime(timezone=True)), sa.column('subject_salt', sa.String),
        sa.column('subject_hash', sa.String),
    )
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('email', sa.String))
    versions = sa.table('content_versions', sa.column('id', sa.Integer),
                        sa.column('renewal_window_days', sa.Integer))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(certificates.c.id, users.c.email, certificates.c.expires_at, versions.c.renewal_window_days)
        .join(users, users.c.id == certificates.c.user_id)
        .join(versions, versions.c.id == certificates.c.content_version_id)
    ).all()
    for certificate_id, email, expires_at, window_days in rows:
        salt = secrets.token_hex(16)
        digest = hashlib.sha256((email + salt).encode()).hexdigest()
        connection.execute(
            certificates.update().where(certificates.c.id == certificate_id).values(
                subject_salt=salt, subject_hash=f"sha256${digest}",
                renewal_due_at=expires_at - timedelta(days=window_days) if expires_at else None,
            )
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('certificates') as batch:
        batch.drop_constraint(op.f('fk_certificates_superseded_by_id_certificates'), type_='foreignkey')
        batch.drop_constraint(op.f('fk_certificates_revoked_by_id_users'), type_='foreignkey')
        batch.drop_column('revoked_by_id')
        batch.drop_column('revocation_note')
        batch.drop_column('superseded_at')
        batch.drop_column('superseded_by_id')
        batch.drop_column('subject_hash')
        batch.drop_column('subject_salt')
        batch.drop_column('renewal_due_at')

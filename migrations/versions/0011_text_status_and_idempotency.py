"""document_versions.text_status; idempotency_keys for retried uploads and page forms sent twice

Revision ID: 0011_text_status_and_idempotency
Revises: 0010_threads_listing_index
Create Date: 2026-11-30 05:00:00

Text extraction now runs under limits in a child process; a file over a limit is stored without text, and
``text_status`` says why, so the page and the API can tell the person. ``idempotency_keys`` holds the
``Idempotency-Key`` of API uploads and the one-time nonce of page forms that create things, with what the
first request made: a retry, a double click or a resent form then makes one thing, not two.
"""
import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0011_text_status_and_idempotency'
down_revision = '0010_threads_listing_index'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no batch rebuild on SQLite: the table keeps its rows and foreign keys untouched).
    op.add_column('document_versions', sa.Column('text_status', sa.String(length=20), nullable=True))
    op.create_table(
        'idempotency_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('target_id', sa.Integer(), nullable=True),
        sa.Column('location', sa.String(length=500), nullable=False),
        sa.Column('created_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', 'scope', 'key', name='uq_idempotency_key'),
    )
    op.create_index('ix_idempotency_keys_created', 'idempotency_keys', ['created_at'], unique=False)


def downgrade():
    op.drop_index('ix_idempotency_keys_created', table_name='idempotency_keys')
    op.drop_table('idempotency_keys')
    op.drop_column('document_versions', 'text_status')  # SQLite 3.35+ drops a column in place

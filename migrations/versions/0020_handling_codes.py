"""handling codes, the 4x4 evaluation and release requests

Revision ID: 0020_handling_codes
Revises: 0019_agenda_identity
Create Date: 2026-11-30 23:00:00

Alerts, documents, each document version and threads carry a handling code (H0 by default: what every item
written before meant) and, for H3, its restriction text; alerts, documents and versions a source reliability
and an information accuracy, left unset for items written before (they were never evaluated). Release
requests of H2 items get their own table.
"""
import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0020_handling_codes'
down_revision = '0019_agenda_identity'
branch_labels = None
depends_on = None

_MARKED = ('alerts', 'documents', 'document_versions', 'threads')
_EVALUATED = ('alerts', 'documents', 'document_versions')


def upgrade():
    # Plain ADD COLUMN (no batch rebuild on SQLite: the tables keep their rows, indexes and foreign keys).
    for table in _MARKED:
        op.add_column(table, sa.Column('handling_code', sa.String(length=2), nullable=False, server_default='H0'))
        op.add_column(table, sa.Column('handling_text', sa.String(length=500), nullable=False, server_default=''))
        if table in _EVALUATED:
            op.add_column(table, sa.Column('source_reliability', sa.String(length=1), nullable=True))
            op.add_column(table, sa.Column('info_accuracy', sa.String(length=1), nullable=True))
    op.create_table(
        'release_requests',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('item_type', sa.String(length=16), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('origin_party_id', sa.Integer(), nullable=False),
        sa.Column('requester_id', sa.Integer(), nullable=False),
        sa.Column('requester_party_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('party_id', sa.Integer(), nullable=False),
        sa.Column('network_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=1000), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('created_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', cmc.models.types.UTCDateTime(), nullable=True),
        sa.Column('decision_note', sa.String(length=1000), nullable=False),
        sa.Column('valid_until', cmc.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by_id'], ['accounts.id']),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['origin_party_id'], ['parties.id']),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id']),
        sa.ForeignKeyConstraint(['requester_id'], ['accounts.id']),
        sa.ForeignKeyConstraint(['requester_party_id'], ['parties.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_release_requests_item', 'release_requests', ['item_type', 'item_id', 'status'])
    op.create_index('ix_release_requests_origin', 'release_requests', ['origin_party_id', 'status', 'id'])


def downgrade():
    op.drop_index('ix_release_requests_origin', table_name='release_requests')
    op.drop_index('ix_release_requests_item', table_name='release_requests')
    op.drop_table('release_requests')
    for table in _MARKED:  # SQLite 3.35+ drops a column in place
        if table in _EVALUATED:
            op.drop_column(table, 'info_accuracy')
            op.drop_column(table, 'source_reliability')
        op.drop_column(table, 'handling_text')
        op.drop_column(table, 'handling_code')

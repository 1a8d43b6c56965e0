"""alert_autosaves: what a person was writing on a compose page, kept on the server

Revision ID: 0017_alert_autosaves
Revises: 0016_stored_charter_html
Create Date: 2026-11-30 15:00:00

One row per person and network (the compose page saves its fields every few seconds after a change): on the
server, not in the browser, so a shared computer keeps no restricted alert text after sign-out. Deleted when the
alert is published or submitted; rows older than 30 days are forgotten.
"""
import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0017_alert_autosaves'
down_revision = '0016_stored_charter_html'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'alert_autosaves',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('network_id', sa.Integer(), nullable=False),
        sa.Column('fields', sa.JSON(), nullable=False),
        sa.Column('saved_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('account_id', 'network_id', name='uq_alert_autosave'),
    )
    op.create_index('ix_alert_autosaves_saved', 'alert_autosaves', ['saved_at'])


def downgrade():
    op.drop_index('ix_alert_autosaves_saved', table_name='alert_autosaves')
    op.drop_table('alert_autosaves')

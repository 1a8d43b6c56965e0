"""networks in each offered language: networks.language, network_texts, alert_event_types.texts

Revision ID: 0014_network_texts
Revises: 0013_alert_info_translations
Create Date: 2026-12-01 09:00:00

A network's own columns stay its text in its original language (``networks.language``, English for every
network there is); ``network_texts`` holds its name, description and charter in the other languages. An event
type's headline and instruction templates in other languages go in ``alert_event_types.texts`` (JSON).
"""
import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0014_network_texts'
down_revision = '0013_alert_info_translations'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs: a batch rebuild on SQLite would drop the expression indexes of these tables' neighbours
    # and copy every row for nothing.
    op.add_column('networks', sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))
    op.add_column('alert_event_types', sa.Column('texts', sa.JSON(), nullable=False, server_default='{}'))
    op.create_table(
        'network_texts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('network_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('description', sa.String(length=500), nullable=False),
        sa.Column('charter', sa.Text(), nullable=False),
        sa.Column('updated_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['accounts.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('network_id', 'language', name='uq_network_text'),
    )


def downgrade():
    op.drop_table('network_texts')
    op.drop_column('alert_event_types', 'texts')  # SQLite 3.35+ drops a column in place
    op.drop_column('networks', 'language')

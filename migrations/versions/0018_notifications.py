"""notifications, notification_settings, notification_digests: the notification centre

Revision ID: 0018_notifications
Revises: 0017_alert_autosaves
Create Date: 2026-11-30 15:10:00

Every notification the platform raises is stored per person (kind and parameters; the text is rendered when
read, in the reader's language), with read/unread, for 90 days (``cmc notify purge``). Settings say per kind
how it reaches the person (in-app, e-mail at once, daily digest); digests sent are recorded per person and day
so that ``cmc notify digest`` run twice sends once.
"""
import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0018_notifications'
down_revision = '0017_alert_autosaves'
branch_labels = None
depends_on = None

KINDS = ('alert', 'alert.approval_request', 'alert.returned', 'alert.overdue', 'alert.remind', 'agenda.changed',
         'registration.decided', 'action.assigned')


def upgrade():
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='notificationkind', native_enum=False, length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('meeting_id', sa.Integer(), nullable=True),
        sa.Column('created_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('read_at', cmc.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notifications_account', 'notifications', ['account_id', 'read_at', 'id'])
    op.create_index('ix_notifications_created', 'notifications', ['created_at'])
    op.create_index('ix_notifications_alert', 'notifications', ['alert_id'])
    op.create_index(op.f('ix_notifications_meeting_id'), 'notifications', ['meeting_id'])
    op.create_table(
        'notification_settings',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum(*KINDS, name='notificationkind', native_enum=False, length=40), nullable=False),
        sa.Column('delivery', sa.Enum('in_app', 'email', 'digest', name='delivery', native_enum=False, length=20),
                  nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id', 'kind'),
    )
    op.create_table(
        'notification_digests',
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('sent_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('kinds', sa.String(length=400), nullable=False),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('account_id', 'day'),
    )


def downgrade():
    op.drop_table('notification_digests')
    op.drop_table('notification_settings')
    op.drop_index(op.f('ix_notifications_meeting_id'), table_name='notifications')
    op.drop_index('ix_notifications_alert', table_name='notifications')
    op.drop_index('ix_notifications_created', table_name='notifications')
    op.drop_index('ix_notifications_account', table_name='notifications')
    op.drop_table('notifications')

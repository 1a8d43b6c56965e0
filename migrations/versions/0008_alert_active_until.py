"""alerts.active_until: whether an alert is current, as one indexed column; an index for a network's drafts

Revision ID: 0008_alert_active_until
Revises: 0007_minutes
Create Date: 2026-11-28 07:10:00

Every page's alert badge asked "published, not superseded, not cancelled, not a Cancel, and no info expired"
of every alert in the member's networks: a scan that grew with years of history. ``active_until`` holds the
answer's date (the earliest expiry, 9999-12-31 when none, or the moment the alert was superseded or cancelled),
and ``ix_alerts_active`` makes "current now" a range read.
"""
import warnings
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0008_alert_active_until'
down_revision = '0007_minutes'
branch_labels = None
depends_on = None

NEVER = datetime(9999, 12, 31)


@contextmanager
def _quiet_reflection():
    # On SQLite a batch rebuild reflects the tables alerts refers to; accounts' case-insensitive email index is
    # an expression SQLAlchemy cannot reflect, and it says so. That index is not touched here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                sa.exc.SAWarning)
        yield


def upgrade():
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active_until', cmc.models.types.UTCDateTime(), nullable=True))
    # Superseded, cancelled and Cancel messages stopped being current when that happened (the exact moment of a
    # supersession is not stored: its own time is in the past, which is all a range on "now" needs).
    op.execute(sa.text(
        "UPDATE alerts SET active_until = CASE "
        "WHEN msg_type = 'Cancel' OR superseded_by_id IS NOT NULL OR cancelled_at IS NOT NULL "
        "THEN COALESCE(cancelled_at, published_at, created_at) "
        "ELSE COALESCE((SELECT min(alert_infos.expires) FROM alert_infos WHERE alert_infos.alert_id = alerts.id), "
        ":never) END").bindparams(never=NEVER))
    with _quiet_reflection(), op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.alter_column('active_until', existing_type=cmc.models.types.UTCDateTime(), nullable=False)
        batch_op.create_index('ix_alerts_active', ['state', 'active_until'], unique=False)
        batch_op.create_index('ix_alerts_network_state', ['network_id', 'state'], unique=False)


def downgrade():
    with _quiet_reflection(), op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_network_state')
        batch_op.drop_index('ix_alerts_active')
        batch_op.drop_column('active_until')

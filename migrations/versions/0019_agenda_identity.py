"""agenda items with identity, rooms, calendar sequences and personal calendar feeds

Revision ID: 0019_agenda_identity
Revises: 0018_notifications
Create Date: 2026-11-30 19:30:00

Every agenda item gets a ``uid`` for its whole life (its calendar UID; the change list compares by it): the
row id is not one, since SQLite hands a deleted last row's id to the next row. Published snapshots get the uid
of the item they froze: the item's own when it is still in the draft, else one made here and shared by every
version that froze that row. Items get a ``room`` (parallel sessions), meetings a ``calendar_sequence``, and
people personal calendar feeds (``calendar_feeds``: a token's SHA-256, revocable).
"""
import uuid

import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0019_agenda_identity'
down_revision = '0018_notifications'
branch_labels = None
depends_on = None


def _backfill() -> None:
    """Give existing items and the items of published snapshots their uids."""
    bind = op.get_bind()
    items = sa.table('agenda_items', sa.column('id', sa.Integer), sa.column('meeting_id', sa.Integer),
                     sa.column('uid', sa.String))
    versions = sa.table('agenda_versions', sa.column('id', sa.Integer), sa.column('meeting_id', sa.Integer),
                        sa.column('items', sa.JSON))
    uids: dict[tuple[int, int], str] = {}
    for row in bind.execute(sa.select(items.c.id, items.c.meeting_id)).all():
        uids[(row.meeting_id, row.id)] = str(uuid.uuid4())
        bind.execute(items.update().where(items.c.id == row.id).values(uid=uids[(row.meeting_id, row.id)]))
    for row in bind.execute(sa.select(versions.c.id, versions.c.meeting_id, versions.c['items'])).all():
        snapshot = [dict(item) for item in row[2] or []]
        for item in snapshot:
            item.setdefault('room', '')
            item['uid'] = uids.setdefault((row.meeting_id, int(item['id'])), str(uuid.uuid4()))
        bind.execute(versions.update().where(versions.c.id == row.id).values(items=snapshot))


def upgrade():
    with op.batch_alter_table('agenda_items') as batch:
        batch.add_column(sa.Column('uid', sa.String(length=36), nullable=True))
        batch.add_column(sa.Column('room', sa.String(length=120), nullable=False, server_default=''))
    with op.batch_alter_table('meetings') as batch:
        batch.add_column(sa.Column('calendar_sequence', sa.Integer(), nullable=False, server_default='0'))
    _backfill()
    with op.batch_alter_table('agenda_items') as batch:
        batch.alter_column('uid', existing_type=sa.String(length=36), nullable=False)
        batch.create_unique_constraint('uq_agenda_items_uid', ['uid'])
    op.create_table(
        'calendar_feeds',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', cmc.models.types.UTCDateTime(), nullable=True),
        sa.Column('last_used_at', cmc.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index('ix_calendar_feeds_account_id', 'calendar_feeds', ['account_id'])


def downgrade():
    op.drop_index('ix_calendar_feeds_account_id', table_name='calendar_feeds')
    op.drop_table('calendar_feeds')
    with op.batch_alter_table('agenda_items') as batch:
        batch.drop_constraint('uq_agenda_items_uid', type_='unique')
        batch.drop_column('room')
        batch.drop_column('uid')
    with op.batch_alter_table('meetings') as batch:
        batch.drop_column('calendar_sequence')

"""alert_infos: translations added after publication, with their history

Revision ID: 0013_alert_info_translations
Revises: 0012_account_timezone_confirmed
Create Date: 2026-12-01 09:00:00

A member of an alert's network adds its text in another language after publication; a newer translation of
the same language replaces the current one and the old row is kept with ``replaced_at``. The author's blocks
have no ``added_by_id``. A partial unique index keeps one current block per language.
"""
import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0013_alert_info_translations'
down_revision = '0012_account_timezone_confirmed'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs: a batch rebuild on SQLite recreates the table and would drop expression indexes.
    # SQLite cannot add a foreign key constraint to a table, but ADD COLUMN may carry a REFERENCES clause.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE alert_infos ADD COLUMN added_by_id INTEGER REFERENCES accounts (id)')
    else:
        op.add_column('alert_infos', sa.Column('added_by_id', sa.Integer(), nullable=True))
        op.create_foreign_key('alert_infos_added_by_id_fkey', 'alert_infos', 'accounts', ['added_by_id'], ['id'])
    op.add_column('alert_infos', sa.Column('added_at', cmc.models.types.UTCDateTime(), nullable=True))
    op.add_column('alert_infos', sa.Column('replaced_at', cmc.models.types.UTCDateTime(), nullable=True))
    # Before this revision nothing stopped two blocks of one language on an alert (the service refused it, a
    # row written otherwise was not). The first one stays current; a later one becomes history, dated when its
    # alert was made, so the unique index below can be built on any database.
    op.execute(sa.text(
        'UPDATE alert_infos SET replaced_at = (SELECT alerts.created_at FROM alerts WHERE alerts.id = alert_infos.alert_id) '
        'WHERE EXISTS (SELECT 1 FROM alert_infos AS earlier WHERE earlier.alert_id = alert_infos.alert_id '
        'AND earlier.language = alert_infos.language AND earlier.id < alert_infos.id)'))
    op.create_index('uq_alert_infos_current_language', 'alert_infos', ['alert_id', 'language'], unique=True,
                    sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))


def downgrade():
    op.drop_index('uq_alert_infos_current_language', table_name='alert_infos')
    op.drop_column('alert_infos', 'replaced_at')  # SQLite 3.35+ drops a column in place
    op.drop_column('alert_infos', 'added_at')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('alert_infos_added_by_id_fkey', 'alert_infos', type_='foreignkey')
    op.drop_column('alert_infos', 'added_by_id')

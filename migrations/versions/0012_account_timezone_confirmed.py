"""accounts: whether the time zone was chosen (settings) or taken from the browser at a sign-in

Revision ID: 0012_account_timezone_confirmed
Revises: 0011_text_status_and_idempotency
Create Date: 2026-11-30 08:20:00

Until a person has a zone of their own, the platform takes it from the browser they sign in with, once; a
zone saved in settings always wins. Existing accounts start unconfirmed: their next sign-in sets it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_account_timezone_confirmed'
down_revision = '0011_text_status_and_idempotency'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch rebuild on SQLite would drop the expression index on lower(email).
    op.add_column('accounts', sa.Column('timezone_confirmed', sa.Boolean(), nullable=False,
                                        server_default=sa.false()))


def downgrade():
    op.drop_column('accounts', 'timezone_confirmed')  # SQLite 3.35+ drops a column in place

"""networks.charter_html, network_texts.charter_html: the charter rendered when written

Revision ID: 0016_stored_charter_html
Revises: 0015_document_version_language
Create Date: 2026-11-30 11:45:00

Thread posts, replies and minutes already keep their rendered, sanitised HTML beside their Markdown; charters
were rendered on every view of a workspace. The new columns hold the charter's HTML, filled here for the
networks and translations already there (with the renderer the application uses, ``cmc.services.markup``).
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_stored_charter_html'
down_revision = '0015_document_version_language'
branch_labels = None
depends_on = None

TABLES = ('networks', 'network_texts')


def upgrade():
    from cmc.services.markup import render

    # A plain ADD COLUMN on both dialects (SQLite adds a column with a constant default in place).
    for table in TABLES:
        op.add_column(table, sa.Column('charter_html', sa.Text(), nullable=False, server_default=''))
    bind = op.get_bind()
    for table in TABLES:
        rows = bind.execute(sa.text(f"SELECT id, charter FROM {table} WHERE charter <> ''")).all()  # noqa: S608
        for row_id, charter in rows:  # a few networks and their translations: one statement each is fine
            bind.execute(sa.text(f"UPDATE {table} SET charter_html = :html WHERE id = :id"),  # noqa: S608
                         {"html": render(charter), "id": row_id})


def downgrade():
    for table in TABLES:
        op.drop_column(table, 'charter_html')  # SQLite 3.35+ drops a column in place

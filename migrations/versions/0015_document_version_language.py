"""document language versions: each file's language, and a search row per language of a document

Revision ID: 0015_document_version_language
Revises: 0014_network_texts
Create Date: 2026-12-01 09:00:00

A document in Spanish and English keeps one line of versions per language. ``document_versions.language`` says
which language a file is in (existing files: the document's first language). ``document_texts`` becomes one row
per (document, language), with its own ``id``: on SQLite that id is the FTS5 rowid, and existing rows keep
``id = document_id`` so the FTS5 table needs no rewrite; on PostgreSQL the stored ``search_vector`` is stemmed
with the row's language's text search configuration.
"""
# The SQL built here joins constants of this file only.
# ruff: noqa: S608
import sqlalchemy as sa
from alembic import op

revision = '0015_document_version_language'
down_revision = '0014_network_texts'
branch_labels = None
depends_on = None

CONFIGS = {'en': 'english', 'es': 'spanish', 'fr': 'french', 'nl': 'dutch'}
TEXT = "coalesce(title, '') || ' ' || coalesce(description, '') || ' ' || coalesce(body, '')"
VECTOR = ("CASE language " + " ".join(f"WHEN '{code}' THEN to_tsvector('{config}'::regconfig, {TEXT})"
                                      for code, config in CONFIGS.items())
          + f" ELSE to_tsvector('simple'::regconfig, {TEXT}) END")
SIMPLE_VECTOR = f"to_tsvector('simple', {TEXT})"


def _first_language(dialect: str) -> str:
    """SQL for the first of ``documents.languages`` (';'-separated), 'en' when empty."""
    if dialect == 'postgresql':
        return "coalesce(nullif(split_part(d.languages, ';', 1), ''), 'en')"
    return ("coalesce(nullif(CASE WHEN instr(d.languages, ';') > 0 THEN substr(d.languages, 1, "
            "instr(d.languages, ';') - 1) ELSE d.languages END, ''), 'en')")


def upgrade():
    dialect = op.get_bind().dialect.name
    first = _first_language(dialect)
    # A plain ADD COLUMN: a batch rebuild of document_versions on SQLite is not needed for a new column.
    op.add_column('document_versions', sa.Column('language', sa.String(length=3), nullable=False,
                                                 server_default='en'))
    op.execute(f"UPDATE document_versions SET language = (SELECT {first} FROM documents d "
               "WHERE d.id = document_versions.document_id)")
    if dialect == 'postgresql':
        op.execute("ALTER TABLE document_texts DROP COLUMN IF EXISTS search_vector")  # and its GIN index
        op.execute("ALTER TABLE document_texts DROP CONSTRAINT document_texts_pkey")
        op.execute("ALTER TABLE document_texts ADD COLUMN id SERIAL PRIMARY KEY")
        op.add_column('document_texts', sa.Column('language', sa.String(length=3), nullable=False,
                                                  server_default='en'))
        op.execute(f"UPDATE document_texts SET language = (SELECT {first} FROM documents d "
                   "WHERE d.id = document_texts.document_id)")
        op.create_unique_constraint('uq_document_text_language', 'document_texts', ['document_id', 'language'])
        op.execute(f"ALTER TABLE document_texts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({VECTOR}) "
                   "STORED")
        op.execute("CREATE INDEX ix_document_texts_vector ON document_texts USING gin (search_vector)")
        return
    # SQLite cannot change a primary key in place: the table is copied once (it holds only derived text), with
    # id = document_id so that every FTS5 row (rowid = document id until now) still names its row.
    op.create_table('document_texts_new',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('document_id', sa.Integer(), nullable=False),
                    sa.Column('language', sa.String(length=3), nullable=False),
                    sa.Column('title', sa.String(length=200), nullable=False),
                    sa.Column('description', sa.Text(), nullable=False),
                    sa.Column('body', sa.Text(), nullable=False),
                    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
                    sa.PrimaryKeyConstraint('id'),
                    sa.UniqueConstraint('document_id', 'language', name='uq_document_text_language'))
    op.execute(f"INSERT INTO document_texts_new (id, document_id, language, title, description, body) "
               f"SELECT t.document_id, t.document_id, {first}, t.title, t.description, t.body "
               "FROM document_texts t JOIN documents d ON d.id = t.document_id")
    op.drop_table('document_texts')
    op.rename_table('document_texts_new', 'document_texts')


def downgrade():
    dialect = op.get_bind().dialect.name
    # Back to one row per document: the row of its first language (the others' words are dropped).
    op.execute(f"DELETE FROM document_texts WHERE language <> (SELECT {_first_language(dialect)} FROM documents d "
               "WHERE d.id = document_texts.document_id)")
    if dialect == 'postgresql':
        op.execute("ALTER TABLE document_texts DROP COLUMN IF EXISTS search_vector")
        op.drop_constraint('uq_document_text_language', 'document_texts', type_='unique')
        op.execute("ALTER TABLE document_texts DROP CONSTRAINT document_texts_pkey")
        op.drop_column('document_texts', 'id')
        op.drop_column('document_texts', 'language')
        op.create_primary_key('document_texts_pkey', 'document_texts', ['document_id'])
        op.execute(f"ALTER TABLE document_texts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
                   f"({SIMPLE_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_document_texts_vector ON document_texts USING gin (search_vector)")
    else:
        op.create_table('document_texts_old',
                        sa.Column('document_id', sa.Integer(), nullable=False),
                        sa.Column('title', sa.String(length=200), nullable=False),
                        sa.Column('description', sa.Text(), nullable=False),
                        sa.Column('body', sa.Text(), nullable=False),
                        sa.ForeignKeyConstraint(['document_id'], ['documents.id'], ondelete='CASCADE'),
                        sa.PrimaryKeyConstraint('document_id'))
        op.execute("INSERT INTO document_texts_old (document_id, title, description, body) "
                   "SELECT document_id, title, description, body FROM document_texts")
        op.drop_table('document_texts')
        op.rename_table('document_texts_old', 'document_texts')
        # FTS5 rows were keyed by document_texts.id: key them by document id again.
        op.execute("DELETE FROM document_fts")
        op.execute("INSERT INTO document_fts (rowid, title, description, body) "
                   "SELECT document_id, title, description, body FROM document_texts")
    op.drop_column('document_versions', 'language')  # SQLite 3.35+ drops a column in place

"""crisis roll calls: templates, roll calls, asked parties, answers, reminders; parties' population

Revision ID: 0021_roll_calls
Revises: 0020_handling_codes
Create Date: 2026-12-01 03:00:00

Roll calls get their tables; notifications may name a roll call; parties get their resident population (what
a roll call answer's numbers are checked against), filled for the bundled parties from ``data/parties.csv``
(the secretariat keeps it afterwards).
"""
import contextlib
import csv
import warnings
from collections.abc import Iterator
from importlib import resources

import sqlalchemy as sa
from alembic import op

import cmc.models.types

revision = '0021_roll_calls'
down_revision = '0020_handling_codes'
branch_labels = None
depends_on = None


def _population() -> dict[str, int]:
    source = resources.files("cmc").joinpath("data/parties.csv").read_text(encoding="utf-8")
    return {row["code"]: int(row["population"]) for row in csv.DictReader(source.splitlines())
            if row.get("population")}


@contextlib.contextmanager
def _reflecting() -> Iterator[None]:
    """A batch rebuild on SQLite reflects the tables the rebuilt one refers to: the accounts' index on
    ``lower(email)`` is an expression SQLAlchemy does not reflect, and says so. It is not the table rebuilt."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipped unsupported reflection of expression-based index")
        yield


def upgrade():
    # Plain ADD COLUMN (no batch rebuild on SQLite: the tables keep their rows, indexes and foreign keys).
    op.add_column('parties', sa.Column('population', sa.Integer(), nullable=True))
    parties = sa.table('parties', sa.column('code', sa.String), sa.column('population', sa.Integer))
    for code, population in _population().items():
        op.execute(parties.update().where(parties.c.code == code).values(population=population))
    op.create_table(
        'roll_call_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('network_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('updated_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('archived_at', cmc.models.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['accounts.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_roll_call_templates_network_id', 'roll_call_templates', ['network_id'])
    op.create_table(
        'roll_calls',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('network_id', sa.Integer(), nullable=False),
        sa.Column('alert_id', sa.Integer(), nullable=True),
        sa.Column('template_id', sa.Integer(), nullable=True),
        sa.Column('previous_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('instructions', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('started_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('deadline', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('organiser_id', sa.Integer(), nullable=False),
        sa.Column('organiser_party_id', sa.Integer(), nullable=False),
        sa.Column('closed_at', cmc.models.types.UTCDateTime(), nullable=True),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('reminded_half_at', cmc.models.types.UTCDateTime(), nullable=True),
        sa.Column('reminded_hour_at', cmc.models.types.UTCDateTime(), nullable=True),
        sa.Column('handling_code', sa.String(length=2), server_default='H0', nullable=False),
        sa.Column('handling_text', sa.String(length=500), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['closed_by_id'], ['accounts.id']),
        sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['organiser_id'], ['accounts.id']),
        sa.ForeignKeyConstraint(['organiser_party_id'], ['parties.id']),
        sa.ForeignKeyConstraint(['previous_id'], ['roll_calls.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['template_id'], ['roll_call_templates.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_roll_calls_alert_id', 'roll_calls', ['alert_id'])
    op.create_index('ix_roll_calls_network', 'roll_calls', ['network_id', 'state', 'id'])
    op.create_index('ix_roll_calls_open_deadline', 'roll_calls', ['state', 'deadline'])
    op.create_table(
        'roll_call_parties',
        sa.Column('roll_call_id', sa.Integer(), nullable=False),
        sa.Column('party_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['roll_call_id'], ['roll_calls.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('roll_call_id', 'party_id'),
    )
    op.create_table(
        'roll_call_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('roll_call_id', sa.Integer(), nullable=False),
        sa.Column('party_id', sa.Integer(), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('by_focal_point', sa.Boolean(), nullable=False),
        sa.Column('created_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.Column('displaced', sa.Integer(), nullable=True),
        sa.Column('displaced_quality', sa.String(length=12), nullable=True),
        sa.Column('departed', sa.Integer(), nullable=True),
        sa.Column('departed_quality', sa.String(length=12), nullable=True),
        sa.Column('needs', sa.String(length=200), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('extra', sa.JSON(), nullable=False),
        sa.Column('flags', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['author_id'], ['accounts.id']),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id']),
        sa.ForeignKeyConstraint(['roll_call_id'], ['roll_calls.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('roll_call_id', 'party_id', 'revision', name='uq_roll_call_answer_revision'),
    )
    op.create_index('ix_roll_call_answers_time', 'roll_call_answers', ['roll_call_id', 'id'])
    op.create_table(
        'roll_call_reminders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('roll_call_id', sa.Integer(), nullable=False),
        sa.Column('party_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.Column('sent_at', cmc.models.types.UTCDateTime(), nullable=False),
        sa.Column('recipients', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['party_id'], ['parties.id']),
        sa.ForeignKeyConstraint(['roll_call_id'], ['roll_calls.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sent_by_id'], ['accounts.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_roll_call_reminders_call', 'roll_call_reminders', ['roll_call_id', 'party_id'])
    # A column with a foreign key: SQLite rebuilds the table (batch), PostgreSQL alters it.
    with _reflecting(), op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('roll_call_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_notifications_roll_call_id_roll_calls', 'roll_calls', ['roll_call_id'],
                                 ['id'], ondelete='CASCADE')
        batch.create_index('ix_notifications_roll_call_id', ['roll_call_id'])


def downgrade():
    with _reflecting(), op.batch_alter_table('notifications') as batch:  # SQLite rebuilds the table
        batch.drop_index('ix_notifications_roll_call_id')
        batch.drop_constraint('fk_notifications_roll_call_id_roll_calls', type_='foreignkey')
        batch.drop_column('roll_call_id')
    op.drop_table('roll_call_reminders')
    op.drop_table('roll_call_answers')
    op.drop_table('roll_call_parties')
    op.drop_table('roll_calls')
    op.drop_table('roll_call_templates')
    op.drop_column('parties', 'population')  # SQLite 3.35+ drops a column in place

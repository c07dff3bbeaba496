"""scheduled_jobs, mail_preferences, outbox_mails: time-driven work and the mail outbox

Revision ID: 0012
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None

_id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_when = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        'scheduled_jobs',
        sa.Column('id', _id, primary_key=True, autoincrement=True),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('subject_id', sa.String(length=64), nullable=False),
        sa.Column('detail', sa.String(length=64), nullable=False),
        sa.Column('due_at', _when, nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=True),
        sa.Column('lease_until', _when, nullable=True),
        sa.Column('last_error', sa.String(length=200), nullable=True),
        sa.Column('finished_at', _when, nullable=True),
        sa.UniqueConstraint('key', name=op.f('uq_scheduled_jobs_key')),
    )
    op.create_index('ix_scheduled_jobs_state_due', 'scheduled_jobs', ['state', 'due_at'])
    op.create_table(
        'mail_preferences',
        sa.Column('user_id', sa.String(length=32), sa.ForeignKey('users.id'), primary_key=True),
        sa.Column('address', sa.String(length=254), nullable=False),
        sa.Column('choice', sa.String(length=10), nullable=False),
        sa.Column('updated_at', _when, nullable=False),
    )
    op.create_table(
        'outbox_mails',
        sa.Column('id', _id, primary_key=True, autoincrement=True),
        sa.Column('message_id', sa.String(length=120), nullable=False),
        sa.Column('user_id', sa.String(length=32), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('event', sa.String(length=32), nullable=False),
        sa.Column('case_id', sa.String(length=64), nullable=False),
        sa.Column('bundle', sa.String(), nullable=False),
        sa.Column('due_at', _when, nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('owner', sa.String(length=64), nullable=True),
        sa.Column('lease_until', _when, nullable=True),
        sa.Column('last_error', sa.String(length=200), nullable=True),
        sa.Column('created_at', _when, nullable=False),
        sa.Column('sent_at', _when, nullable=True),
        sa.UniqueConstraint('message_id', name=op.f('uq_outbox_mails_message_id')),
    )
    op.create_index('ix_outbox_mails_state_due', 'outbox_mails', ['state', 'due_at'])
    op.create_index('ix_outbox_mails_user_state', 'outbox_mails', ['user_id', 'state'])


def downgrade() -> None:
    op.drop_table('outbox_mails')
    op.drop_table('mail_preferences')
    op.drop_table('scheduled_jobs')

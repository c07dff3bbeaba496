"""sync_rows.seq indexed: each server instance reads the rows committed since its last look, to
answer idle sync checks without a query (``sync.state``)

Revision ID: 0017
Revises: 0014
"""
from alembic import op

revision = '0017'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_sync_rows_seq', 'sync_rows', ['seq'])


def downgrade() -> None:
    op.drop_index('ix_sync_rows_seq', table_name='sync_rows')

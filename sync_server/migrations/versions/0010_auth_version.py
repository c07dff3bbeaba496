"""server_state.auth_version: bumped by every change to tokens, users or authorities, so
instances may keep verified tokens in memory and still drop them at once on a revocation

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('server_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('auth_version', sa.BigInteger(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('server_state', schema=None) as batch_op:
        batch_op.drop_column('auth_version')

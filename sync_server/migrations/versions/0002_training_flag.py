"""server_state.training: the database of a training (practice) system says so

Revision ID: 0002_training
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_training'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('server_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('training', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table('server_state', schema=None) as batch_op:
        batch_op.drop_column('training')

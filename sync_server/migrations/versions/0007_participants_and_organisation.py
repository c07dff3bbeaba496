"""coordinators (scopes of the coordinator authorities)

STAND-IN for branch ``roles`` (which owns this module; it had not committed it when
``coordinators`` needed it): the subset ``coordinators`` uses, copied from roles' work in
progress. At merge, take roles' version of this file entirely.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None
def upgrade() -> None:
    op.create_table('coordinators',
    sa.Column('authority_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('member_state', sa.String(length=2), nullable=True),
    sa.Column('region', sa.String(length=200), nullable=True),
    sa.Column('area', sa.String(length=64), nullable=True),
    sa.Column('parent_authority_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], ),
    sa.ForeignKeyConstraint(['parent_authority_id'], ['authorities.id'], ),
    sa.PrimaryKeyConstraint('authority_id'))
    op.create_index('ix_coordinators_member_state', 'coordinators', ['member_state'])
def downgrade() -> None:
    op.drop_table('coordinators')

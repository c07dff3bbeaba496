"""registration of authorities; users' legislative areas; one-time activation codes

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_areas',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['area'], ['areas.code'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'area')
    )
    op.create_table('activations',
    sa.Column('user_id', sa.String(length=32), nullable=False),
    sa.Column('code_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=140), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id')
    )
    op.create_table('registrations',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('reference_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('member_state', sa.String(length=2), nullable=False),
    sa.Column('coordinator_id', sa.String(length=64), nullable=False),
    sa.Column('authority', sa.JSON(), nullable=False),
    sa.Column('administrator', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=2000), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=32), nullable=True),
    sa.Column('authority_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], ),
    sa.ForeignKeyConstraint(['coordinator_id'], ['authorities.id'], ),
    sa.ForeignKeyConstraint(['member_state'], ['member_states.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference_hash')
    )
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registrations_coordinator_id'), ['coordinator_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_member_state'), ['member_state'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_registrations_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registrations_status'))
        batch_op.drop_index(batch_op.f('ix_registrations_member_state'))
        batch_op.drop_index(batch_op.f('ix_registrations_coordinator_id'))
    op.drop_table('registrations')
    op.drop_table('activations')
    op.drop_table('user_areas')

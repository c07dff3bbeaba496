"""case participants as data; coordinators, approval rules and authority modes

The two fixed party columns of ``cases`` become rows of ``case_participants`` (a case's
participants change over its life: a coordinator joins when a step needs its approval).

Revision ID: 0007
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The parties move out of ``cases`` through a scratch table: on SQLite the batch
    # operation recreates ``cases``, which a table referencing it with rows would block.
    op.execute("CREATE TABLE case_parties_0007 AS "
               "SELECT id, requester_authority_id, responder_authority_id FROM cases")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_requester_authority_id'))
        batch_op.drop_index(batch_op.f('ix_cases_responder_authority_id'))
        batch_op.drop_column('requester_authority_id')
        batch_op.drop_column('responder_authority_id')
        # 'reply_awaiting_approval' is longer than the states before it.
        batch_op.alter_column('state', type_=sa.String(length=32),
                              existing_type=sa.String(length=20), existing_nullable=False)
    op.create_table('case_participants',
    sa.Column('case_id', sa.String(length=32), nullable=False),
    sa.Column('authority_id', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], ),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ),
    sa.PrimaryKeyConstraint('case_id', 'authority_id', 'role')
    )
    with op.batch_alter_table('case_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_participants_authority_id'), ['authority_id'],
                              unique=False)
    op.execute("INSERT INTO case_participants (case_id, authority_id, role) "
               "SELECT id, requester_authority_id, 'requester' FROM case_parties_0007")
    op.execute("INSERT INTO case_participants (case_id, authority_id, role) "
               "SELECT id, responder_authority_id, 'responder' FROM case_parties_0007")
    op.drop_table('case_parties_0007')

    op.create_table('coordinators',
    sa.Column('authority_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('member_state', sa.String(length=2), nullable=True),
    sa.Column('region', sa.String(length=200), nullable=True),
    sa.Column('area', sa.String(length=64), nullable=True),
    sa.Column('parent_authority_id', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], ),
    sa.ForeignKeyConstraint(['parent_authority_id'], ['authorities.id'], ),
    sa.PrimaryKeyConstraint('authority_id')
    )
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordinators_member_state'), ['member_state'],
                              unique=False)
    op.create_table('approval_rules',
    sa.Column('id', sa.String(length=300), nullable=False),
    sa.Column('member_state', sa.String(length=2), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=True),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('coordinator_authority_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['coordinator_authority_id'], ['authorities.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('approval_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approval_rules_member_state'), ['member_state'],
                              unique=False)
    op.create_table('authority_modes',
    sa.Column('authority_id', sa.String(length=64), nullable=False),
    sa.Column('area', sa.String(length=64), nullable=False),
    sa.Column('mode', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['authorities.id'], ),
    sa.PrimaryKeyConstraint('authority_id', 'area')
    )


def downgrade() -> None:
    op.drop_table('authority_modes')
    with op.batch_alter_table('approval_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approval_rules_member_state'))
    op.drop_table('approval_rules')
    with op.batch_alter_table('coordinators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordinators_member_state'))
    op.drop_table('coordinators')
    op.execute("CREATE TABLE case_parties_0007 AS SELECT case_id, authority_id, role "
               "FROM case_participants WHERE role IN ('requester', 'responder')")
    with op.batch_alter_table('case_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_participants_authority_id'))
    op.drop_table('case_participants')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('state', type_=sa.String(length=20),
                              existing_type=sa.String(length=32), existing_nullable=False)
        batch_op.add_column(sa.Column('requester_authority_id', sa.String(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column('responder_authority_id', sa.String(length=64),
                                      nullable=True))
    op.execute("UPDATE cases SET requester_authority_id = (SELECT authority_id FROM "
               "case_parties_0007 p WHERE p.case_id = cases.id AND p.role = 'requester')")
    op.execute("UPDATE cases SET responder_authority_id = (SELECT authority_id FROM "
               "case_parties_0007 p WHERE p.case_id = cases.id AND p.role = 'responder')")
    op.drop_table('case_parties_0007')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.alter_column('requester_authority_id', nullable=False)
        batch_op.alter_column('responder_authority_id', nullable=False)
        batch_op.create_foreign_key('fk_cases_requester_authority_id', 'authorities',
                                    ['requester_authority_id'], ['id'])
        batch_op.create_foreign_key('fk_cases_responder_authority_id', 'authorities',
                                    ['responder_authority_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_cases_requester_authority_id'),
                              ['requester_authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_responder_authority_id'),
                              ['responder_authority_id'], unique=False)

"""tokens remember their last use (idle expiry); the administration audit trail

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_APPEND_ONLY = "admin_events is append-only"


def upgrade() -> None:
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_tokens_device_id'), ['device_id'], unique=False)
    op.execute("UPDATE tokens SET last_used_at = created_at")
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.alter_column('last_used_at', existing_type=sa.DateTime(timezone=True),
                              nullable=False)

    op.create_table('admin_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=140), nullable=False),
    sa.Column('actor_authority_id', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('admin_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_events_target_id'), ['target_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION admin_events_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER admin_events_append_only BEFORE UPDATE OR DELETE ON admin_events
            FOR EACH ROW EXECUTE FUNCTION admin_events_append_only()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER admin_events_no_{event.lower()} BEFORE {event} ON admin_events
                BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER admin_events_append_only ON admin_events")
        op.execute("DROP FUNCTION admin_events_append_only()")
    with op.batch_alter_table('admin_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_events_target_id'))
        batch_op.drop_index(batch_op.f('ix_admin_events_action'))
    op.drop_table('admin_events')
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tokens_device_id'))
        batch_op.drop_column('last_used_at')

"""colleagues: publish every active user to their own authority's replicas

No table: colleagues are sync rows (kind ``colleague``, audience ``authority:<id>``). From
now on ``sync_server.auth.colleagues`` republishes a user whenever the user changes; this
publishes the users that exist already, once, with sequence numbers after the last one.

Revision ID: 0014
Revises: 0012
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

_users = sa.table('users', sa.column('id', sa.String), sa.column('display_name', sa.String),
                  sa.column('roles', sa.JSON), sa.column('authority_id', sa.String),
                  sa.column('active', sa.Boolean))
_areas = sa.table('user_areas', sa.column('user_id', sa.String), sa.column('area', sa.String))
_state = sa.table('server_state', sa.column('id', sa.Integer),
                  sa.column('last_seq', sa.BigInteger))
_rows = sa.table('sync_rows', sa.column('kind', sa.String), sa.column('entity_id', sa.String),
                 sa.column('audience', sa.String), sa.column('seq', sa.BigInteger),
                 sa.column('version', sa.Integer), sa.column('payload', sa.LargeBinary),
                 sa.column('sealed', sa.Boolean), sa.column('reason', sa.String))


def upgrade() -> None:
    bind = op.get_bind()
    last = bind.execute(sa.select(_state.c.last_seq).where(_state.c.id == 1)).scalar()
    if last is None:
        return  # a new database: nothing published yet, users come with their events
    areas: dict[str, list[str]] = {}
    for user_id, area in bind.execute(sa.select(_areas.c.user_id, _areas.c.area)):
        areas.setdefault(user_id, []).append(area)
    published = set(bind.execute(sa.select(_rows.c.entity_id)
                                 .where(_rows.c.kind == 'colleague')).scalars())
    rows = []
    for user in bind.execute(sa.select(_users).where(_users.c.active.is_(True))
                             .order_by(_users.c.id)):
        if user.id in published:
            continue
        last += 1
        payload = {"id": user.id, "display_name": user.display_name,
                   "roles": list(user.roles or ()), "areas": sorted(set(areas.get(user.id, ())))}
        rows.append({"kind": 'colleague', "entity_id": user.id,
                     "audience": f"authority:{user.authority_id}", "seq": last, "version": 1,
                     "payload": json.dumps(payload, ensure_ascii=False,
                                           separators=(",", ":")).encode(),
                     "sealed": False, "reason": None})
    if rows:
        op.bulk_insert(_rows, rows)
        bind.execute(sa.update(_state).where(_state.c.id == 1).values(last_seq=last))


def downgrade() -> None:
    op.execute(sa.delete(_rows).where(_rows.c.kind == 'colleague'))

"""sealed values name their key: give values sealed before key ids their header

Values sealed before this revision are ``nonce | ciphertext`` under the master key itself.
They get the header ``scheme 0, key 1`` in front (the old key file's single key is key 1 of
the keyring), without being decrypted: the migration needs no key, and afterwards every stored
value says how it opens. ``imi-server reseal`` later rewrites them under a derived key, bound
to their row. Old values begin with a random nonce, so no test on their bytes could tell them
from new ones; the migration runs exactly once per database instead (Alembic records it, and
the whole upgrade is one transaction: interrupted, it changes nothing).

Revision ID: 0003
Revises: 0002_training
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002_training'
branch_labels = None
depends_on = None

LEGACY_HEADER = bytes((0,)) + (1).to_bytes(4, "big")
BATCH = 1000

# table, primary key columns, sealed column, only rows where
_SEALED = (
    ("cases", ("id",), "sealed", None),
    ("sync_rows", ("id",), "payload", "sealed"),
    ("applied_mutations", ("device_id", "mutation_id"), "sealed_result", None),
)


def upgrade() -> None:
    connection = op.get_bind()
    for table_name, key_names, column_name, flag in _SEALED:
        table = sa.table(table_name, *(sa.column(k) for k in key_names),
                         sa.column(column_name, sa.LargeBinary),
                         *((sa.column(flag, sa.Boolean),) if flag else ()))
        keys = [table.c[k] for k in key_names]
        column = table.c[column_name]
        query = sa.select(*keys, column).where(column.is_not(None)).order_by(*keys)
        if flag:
            query = query.where(table.c[flag].is_(True))
        last: tuple[object, ...] | None = None
        while True:  # in batches by key, so a large table never sits in memory whole
            page = query if last is None else query.where(sa.tuple_(*keys) > sa.tuple_(*last))
            rows = connection.execute(page.limit(BATCH)).all()
            if not rows:
                break
            for *key_values, sealed in rows:
                condition = sa.and_(*(k == v for k, v in zip(keys, key_values)))
                connection.execute(sa.update(table).where(condition)
                                   .values({column_name: LEGACY_HEADER + bytes(sealed)}))
            last = tuple(rows[-1][:len(keys)])


def downgrade() -> None:
    raise NotImplementedError("sealed values cannot lose their key ids again")

"""Alembic environment: runs against the connection ``sync_server.migrate`` hands over."""

from alembic import context

from sync_server.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through 'imi-server init' (sync_server.migrate)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()

"""The ASGI application."""

from fastapi import FastAPI

from sync_protocol.version import PROTOCOL_VERSION
from sync_server.auth.routes import router as auth_router
from sync_server.config import Settings
from sync_server.context import ServerContext, build_context
from sync_server.errors import BodyLimit, RequestScope, install_error_handlers
from sync_server.sync.routes import router as sync_router


def create_app(
    settings: Settings | None = None, *, context: ServerContext | None = None
) -> FastAPI:
    if context is None:
        assert settings is not None, "give settings or a context"
        context = build_context(settings)
    app = api()
    app.state.context = context
    return app


def api() -> FastAPI:
    """The routes, middleware and error handlers, without a database: what ``/openapi.json``
    describes (``create_app`` adds the context every request needs)."""
    app = FastAPI(
        title="IMI sync server",
        version=f"protocol {PROTOCOL_VERSION}",
        description="Routes requests between competent authorities and syncs their replicas.",
    )
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestScope)  # added last: the outermost, so it sees every error
    install_error_handlers(app)
    app.include_router(auth_router)
    app.include_router(sync_router)
    return app

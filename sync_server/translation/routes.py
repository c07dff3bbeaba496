"""``POST /v1/translations``: a machine translation of one free text of a case."""

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from sync_protocol.messages import ErrorBody
from sync_protocol.translation import MachineTranslation, TranslateRequest
from sync_server.deps import ERROR_RESPONSES as _errors
from sync_server.deps import ContextDep, CurrentPrincipal, utcnow
from sync_server.translation import service

router = APIRouter(prefix="/v1")


@router.post("/translations", responses={**_errors, 404: {"model": ErrorBody}})
async def translate(body: TranslateRequest, context: ContextDep,
                    principal: CurrentPrincipal) -> MachineTranslation:
    # In the thread pool: the engine may take seconds and must not stall the event loop.
    return await run_in_threadpool(
        service.translate, sessions=context.sessions, sealer=context.sealer,
        notifier=context.notifier, provider=context.translator, principal=principal,
        request=body, now=utcnow())

"""Drafting routes (``/v1/catalogue/drafts``): the question set generator and the language
management tool of the Commission's catalogue editors. Thin: parse, call ``drafting``."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from sync_protocol.authoring import Draft, ImportReport, PublishOutcome
from sync_protocol.cases import LanguageCode
from sync_protocol.catalogue import Code
from sync_protocol.messages import ErrorBody
from sync_server.catalogue import drafting, exchange
from sync_server.deps import ERROR_RESPONSES, ContextDep, CurrentPrincipal, utcnow

router = APIRouter(prefix="/v1/catalogue")
_errors: dict[int | str, dict[str, Any]] = {
    **{status: dict(answer) for status, answer in ERROR_RESPONSES.items()},
    404: {"model": ErrorBody}}
Format = Literal["xliff", "po"]


@router.get("/drafts", responses=_errors)
def list_drafts(context: ContextDep, principal: CurrentPrincipal) -> list[Draft]:
    return drafting.list_drafts(sessions=context.sessions, principal=principal)


@router.put("/drafts/{code}", responses=_errors)
def save_draft(code: Code, body: Draft, context: ContextDep,
               principal: CurrentPrincipal) -> Draft:
    return drafting.save_draft(sessions=context.sessions, principal=principal, code=code,
                               draft=body, now=utcnow())


@router.post("/drafts/{code}/publish", responses=_errors)
def publish(code: Code, context: ContextDep, principal: CurrentPrincipal) -> PublishOutcome:
    return drafting.publish_draft(sessions=context.sessions, notifier=context.notifier,
                                  principal=principal, code=code, now=utcnow())


@router.get("/drafts/{code}/export", responses=_errors)
def export(code: Code, language: Annotated[LanguageCode, Query()],
           file_format: Annotated[Format, Query(alias="format")], context: ContextDep,
           principal: CurrentPrincipal) -> Response:
    data = drafting.export_draft(sessions=context.sessions, principal=principal, code=code,
                                 language=language, file_format=file_format)
    extension = "xlf" if file_format == "xliff" else "po"
    return Response(data, media_type=exchange.MEDIA_TYPES[file_format], headers={
        "Content-Disposition": f'attachment; filename="{code}-{language}.{extension}"'})


@router.post("/drafts/{code}/import", responses=_errors)
async def import_file(code: Code, language: Annotated[LanguageCode, Query()],
                      file_format: Annotated[Format, Query(alias="format")], request: Request,
                      context: ContextDep, principal: CurrentPrincipal) -> ImportReport:
    data = await request.body()
    return await run_in_threadpool(
        drafting.import_file, sessions=context.sessions, principal=principal, code=code,
        language=language, file_format=file_format, data=data, now=utcnow())

"""The caller's own mail settings. Thin: the token names the user; nobody sets another's."""

from fastapi import APIRouter

from sync_protocol.mail import MailSettings, check_mail_settings
from sync_server.deps import ERROR_RESPONSES, CurrentPrincipal, SessionDep, utcnow
from sync_server.mail.models import MailPreference

router = APIRouter(prefix="/v1")


@router.get("/account/mail", responses=ERROR_RESPONSES)
def get_mail_settings(principal: CurrentPrincipal, session: SessionDep) -> MailSettings:
    row = session.get(MailPreference, principal.user_id)
    if row is None:
        return MailSettings()
    return MailSettings.model_validate({"address": row.address, "choice": row.choice})


@router.put("/account/mail", responses=ERROR_RESPONSES)
def put_mail_settings(body: MailSettings, principal: CurrentPrincipal,
                      session: SessionDep) -> MailSettings:
    check_mail_settings(body)
    with session.begin():
        row = session.get(MailPreference, principal.user_id, with_for_update=True)
        if row is None:
            row = MailPreference(user_id=principal.user_id)
            session.add(row)
        row.address, row.choice, row.updated_at = body.address, body.choice, utcnow()
    return body

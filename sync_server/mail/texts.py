"""What a mail says, in its reader's language, from the server's own gettext catalogue.

The catalogue is ``sync_server/mail/locale/<lang>/LC_MESSAGES/mail.po`` (extracted with
``pybabel extract -F babel-mail.cfg``, see README); it is read with babel at first use, so the
server needs no compile step. A language without a catalogue gets English. A mail names the
case by reference and link only: never the person, never free text.
"""

import dataclasses
import functools
from importlib import resources

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from sync_protocol.links import case_link

LOCALE_DIR = resources.files(__package__) / "locale"


def N_(message: str) -> str:
    return message


# What happened, per event: the subject's words and the sentence that asks for action.
EVENTS: dict[str, tuple[str, str]] = {
    "request_received": (N_("New request"),
                         N_("Your authority has received a new request for information.")),
    "answer_received": (N_("Reply received"),
                        N_("Your authority's request has been answered. Please review the "
                           "reply.")),
    "comment_received": (N_("New comment"),
                         N_("A comment has been added to a case of your authority.")),
    "deadline_soon": (N_("Answer date approaching"),
                      N_("The answer date of this request is in three working days.")),
    "deadline_passed": (N_("Answer date passed"),
                        N_("The agreed answer date of this request has passed without an "
                           "answer.")),
    "accept_reminder": (N_("Request not yet accepted"),
                        N_("This request was sent five working days ago and has not been "
                           "accepted yet.")),
    "inactive": (N_("Case inactive for two months"),
                 N_("Nothing has happened in this case for two months. It may be escalated "
                    "to the responsible IMI coordinator.")),
}

SUBJECT = N_("IMI: {event} – case {reference}")
DIGEST_SUBJECT = N_("IMI: your daily summary")
DIGEST_INTRO = N_("These cases of your authority need your attention:")
REFERENCE_LINE = N_("Case reference: {reference}")
OPEN_LINE = N_("Open the case in IMI: {link}")
FOOTER = N_("This message contains no personal data. Sign in to IMI to read the case.")


@dataclasses.dataclass(frozen=True)
class Mail:
    subject: str
    body: str


def reference(case_id: str) -> str:
    """The short reference a mail shows: the start of the case id, easy to read aloud."""
    return case_id[:8].upper()


@functools.cache
def _catalogue(language: str) -> Catalog | None:
    source = LOCALE_DIR.joinpath(language, "LC_MESSAGES", "mail.po")
    if not source.is_file():
        return None
    with source.open("rb") as po:
        return read_po(po, locale=language)


def translate(message: str, language: str) -> str:
    catalogue = _catalogue(language)
    entry = catalogue.get(message) if catalogue is not None else None
    if entry is None or not entry.string or entry.fuzzy:
        return message
    return str(entry.string)


def event_mail(event: str, case_id: str, language: str) -> Mail:
    title, sentence = EVENTS[event]
    ref = reference(case_id)
    subject = translate(SUBJECT, language).format(event=translate(title, language),
                                                  reference=ref)
    body = "\n\n".join((
        translate(sentence, language),
        translate(REFERENCE_LINE, language).format(reference=ref),
        translate(OPEN_LINE, language).format(link=case_link(case_id)),
        translate(FOOTER, language),
    ))
    return Mail(subject=subject, body=body + "\n")


def digest_mail(items: list[tuple[str, str]], language: str) -> Mail:
    """One mail for a day's events: ``items`` are (event, case id)."""
    lines = [translate(DIGEST_INTRO, language), ""]
    for event, case_id in items:
        title = translate(EVENTS[event][0], language)
        link = case_link(case_id)
        lines.append(f"- {title}: {reference(case_id)} ({link})")
    lines += ["", translate(FOOTER, language)]
    return Mail(subject=translate(DIGEST_SUBJECT, language), body="\n".join(lines) + "\n")

"""What a mail says, in its reader's language, from the server's own gettext catalogue.

The catalogue is ``sync_server/mail/locale/<lang>/LC_MESSAGES/mail.po`` for each of the 25
languages besides English (extracted with ``pybabel extract -F babel-mail.cfg``, see README); it
is read with babel and compiled in memory at first use, so the server needs no compile step and
plural forms follow each catalogue's ``Plural-Forms``. A language without a catalogue gets
English. A mail names the case by reference and link only: never the person, never free text.
"""

import dataclasses
import functools
import gettext
import io
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from sync_protocol.links import case_link

LOCALE_DIR = resources.files(__package__) / "locale"


def N_(message: str) -> str:
    return message


def ngettext(singular: str, plural: str, n: int) -> tuple[str, str]:
    """Marks a plural pair for extraction; ``translate_plural`` picks the form."""
    del n
    return singular, plural


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
    # The steps of the full workflow: each tells the authority that must act next.
    "info_requested": (N_("Further information requested"),
                       N_("Further information has been requested in a case of your "
                          "authority. Please provide it.")),
    "info_received": (N_("Further information received"),
                      N_("The further information requested by your authority has been "
                         "provided. Please review it.")),
    "date_proposed": (N_("New answer date proposed"),
                      N_("The responding authority has accepted your authority's request and "
                         "proposed a different answer date. Please agree to it or decline "
                         "it.")),
    "more_requested": (N_("Further reply requested"),
                       N_("The requesting authority has asked for a further reply to this "
                          "request. Please answer it again.")),
    "approval_requested": (N_("Approval requested"),
                           N_("A request or reply of an authority your authority coordinates "
                              "is awaiting your approval.")),
    "escalated": (N_("Case escalated"),
                  N_("A case has been escalated to your authority as the responsible IMI "
                     "coordinator. Please review it.")),
    # Told so that nobody waits for what has been settled, and the allocated handler starts.
    "case_assigned": (N_("Case assigned to you"),
                      N_("A case of your authority has been assigned to you. Please deal with "
                         "it.")),
    "date_agreed": (N_("Proposed answer date agreed"),
                    N_("The requesting authority has agreed to the answer date your authority "
                       "proposed.")),
    "date_declined": (N_("Proposed answer date declined"),
                      N_("The requesting authority has declined the answer date your authority "
                         "proposed. The earlier answer date still applies.")),
    "escalation_resolved": (N_("Escalation resolved"),
                            N_("The responsible IMI coordinator has resolved the escalation of "
                               "a case of your authority.")),
}

SUBJECT = N_("IMI: {event} – case {reference}")
DIGEST_SUBJECT = N_("IMI: your daily summary")
DIGEST_INTRO = ngettext("{count} case of your authority needs your attention:",
                        "{count} cases of your authority need your attention:", 2)
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


def languages() -> tuple[str, ...]:
    """The languages with a mail catalogue (English is the msgids themselves)."""
    return tuple(sorted(entry.name for entry in LOCALE_DIR.iterdir()
                        if entry.joinpath("LC_MESSAGES", "mail.po").is_file()))


@functools.cache
def _translations(language: str) -> gettext.NullTranslations:
    """The language's catalogue as gettext reads it: untranslated and fuzzy entries (left
    out by ``write_mo``) fall back to English, plural forms follow the header."""
    source = LOCALE_DIR.joinpath(language, "LC_MESSAGES", "mail.po")
    if not source.is_file():
        return gettext.NullTranslations()
    with source.open("rb") as po:
        catalogue = read_po(po)
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def translate(message: str, language: str) -> str:
    return _translations(language).gettext(message)


def translate_plural(pair: tuple[str, str], n: int, language: str) -> str:
    return _translations(language).ngettext(pair[0], pair[1], n)


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
    cases = len({case_id for _event, case_id in items})
    lines = [translate_plural(DIGEST_INTRO, cases, language).format(count=cases), ""]
    for event, case_id in items:
        title = translate(EVENTS[event][0], language)
        link = case_link(case_id)
        lines.append(f"- {title}: {reference(case_id)} ({link})")
    lines += ["", translate(FOOTER, language)]
    return Mail(subject=translate(DIGEST_SUBJECT, language), body="\n".join(lines) + "\n")

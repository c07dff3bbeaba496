"""The user guide shipped with the client: short, in the UI language (gettext, like every
other string, so a language with a gap in its guide fails the catalogue test).

Sections of (heading, paragraphs). The view renders them; ``{placeholders}`` name the
labels of the window so the guide quotes them exactly as the reader sees them.
"""

import html

from desktop.i18n import N_, _

GUIDE: tuple[tuple[str, tuple[str, ...]], ...] = (
    (N_("What IMI is for"), (
        N_("IMI lets the competent authorities of the member states ask each other for "
           "information, for example whether a diploma is genuine. Questions and answers are "
           "chosen from pre-translated lists, so each side reads them in its own language."),
    )),
    (N_("The dentist case, step by step"), (
        N_("A Hungarian dentist wants to work in Germany. The German dental chamber chooses "
           "“{new_request}” and types a few words into the search field, for example “hungary "
           "health”: the Hungarian authority is found without knowing how Hungary is "
           "organised."),
        N_("It enters the dentist’s name, ticks the questions to ask, sets the answer date and "
           "clicks “{send}”. A request kept as a draft can still be changed with “{edit}” "
           "before it is sent."),
        N_("The Hungarian authority sees the request in its inbox, in Hungarian. It clicks "
           "“{accept}”, then “{answer}”, chooses a predefined answer for every question and "
           "sends the answer."),
        N_("The German chamber reads the answers in German and closes the case with “{close}”. "
           "Both sides see the same history: who did what, and when."),
    )),
    (N_("Working offline"), (
        N_("IMI keeps your authority’s cases on this computer, encrypted. Without a "
           "connection you can read, draft, send, accept and answer as usual: every step is "
           "kept in a queue, and the status bar counts the changes waiting to be sent."),
        N_("When the connection returns, IMI delivers the queue by itself, exactly once. "
           "“{sync}” (F5) tries at once. Closing IMI does not lose the queue: it is delivered "
           "at the next start."),
        N_("The history of a case shows when you took a step; if it waited offline, it also "
           "shows when the server received it."),
    )),
    (N_("Needs attention"), (
        N_("The server checks every step. If it refuses one, for example because the other "
           "side withdrew the request while your answer waited offline, the step appears "
           "under “{attention}” in the status bar, with the reason in your language."),
        N_("Nothing you entered is lost: the list shows it in full. You can open the case, "
           "copy what you entered, or take the step again from it."),
    )),
    (N_("Keyboard shortcuts"), (
        N_("Ctrl+N new request · F5 synchronise now · Ctrl+E edit draft · Ctrl+R answer · "
           "Ctrl+1 to Ctrl+5 folders · Ctrl+Shift+N needs attention · F1 this guide · "
           "Ctrl+Q close IMI."),
    )),
)


def guide_html() -> str:
    """The guide in the UI language, as HTML, quoting the window's own labels."""
    labels = {
        "new_request": _("New request"), "send": _("Send"), "edit": _("Edit draft…"),
        "accept": _("Accept request"), "answer": _("Answer…"),
        "close": _("Accept reply and close…"), "sync": _("Synchronise now"),
        "attention": _("Needs attention"),
    }
    parts = [f"<h2>{html.escape(_('IMI user guide'))}</h2>"]
    for heading, paragraphs in GUIDE:
        parts.append(f"<h3>{html.escape(_(heading))}</h3>")
        parts += [f"<p>{html.escape(_(p).format(**labels))}</p>" for p in paragraphs]
    return "".join(parts)

"""A case as the officer files it in a paper dossier: one HTML document for print and PDF.

Built on the database lane from the replica (``build``), in the reader's language and date
formats; optionally each question and answer also in the counterpart's language, beside it.
Free text is printed as written (escaped: it may contain markup) with the language it was
written in. ``desktop.views.case_print`` lays the document out on pages.
"""

import datetime as dt
import html
from dataclasses import dataclass
from typing import Any

from desktop import formatting
from desktop.catalogue_text import answer_text, is_free_text, section_title
from desktop.i18n import _, current_language
from desktop.labels import ACTIONS, PROFESSIONS, STATES, label
from desktop.models import attachments, cases
from desktop.models.attachment_files import FORMAT_NAMES
from desktop.models.replica import Replica
from sync_protocol.cases import Answer, CaseRecord, FreeText
from sync_protocol.catalogue import Question, QuestionSet
from sync_protocol.languages import localized


@dataclass(frozen=True)
class Dossier:
    reference: str
    html: str


def reference(case: CaseRecord) -> str:
    return case.id[:8].upper()


def build(replica: Replica, case_id: str, *, printed_by: str, printed_at: dt.datetime,
          beside: str | None = None) -> Dossier | None:
    """The dossier of ``case_id`` in the current UI language (``None`` if the case is gone).

    ``beside``: a second language for the questions and predefined answers (the one the case
    view shows beside the reader's, by default the counterpart's), if it differs.
    """
    case = cases.get_case(replica, case_id)
    if case is None:
        return None
    question_set = replica.question_set(case.question_set, case.question_set_version)
    lang = current_language()
    other = beside if beside != lang else None
    parts = [_header(replica, case, question_set, lang, printed_by, printed_at)]
    if case.request_text:
        parts.append(_heading(_("Message from the requesting authority")))
        parts.append(_free_text(case.request_text))
    parts.append(_questions(case, question_set, lang, other))
    if case.reply_text:
        parts.append(_heading(_("Message from the requested authority")))
        parts.append(_free_text(case.reply_text))
    parts.append(_heading(_("Attachments")))
    parts.append(_attachments(case))
    parts.append(_timeline(replica, case))
    return Dossier(reference=reference(case), html=_page("".join(parts), lang))


def _attachments(case: CaseRecord) -> str:
    """Every document of the case under its step: name, size, type and SHA-256 (what
    identifies the document filed beside the printout)."""
    groups = attachments.document_groups(case)
    if not groups:
        none = _("No attachments.")
        return f"<p>{_esc(none)}</p>"
    head = "".join(f"<th>{_esc(t)}</th>" for t in (_("Step"), _("Document"), _("Size"),
                                                     _("Type"), "SHA-256"))
    rows = [f"<tr>{head}</tr>"]
    for title, refs in groups:
        for ref in refs:
            rows.append(
                f"<tr><td>{_esc(title)}</td><td>{_esc(ref.name)}</td>"
                f"<td>{_esc(formatting.size_text(ref.size))}</td>"
                f"<td>{_esc(FORMAT_NAMES.get(ref.media_type, ref.media_type))}</td>"
                # In four groups, so that the cell can wrap on a narrow page.
                f"<td class='muted'><small>{_esc(_grouped(ref.sha256))}</small></td></tr>")
    return f"<table width='100%'>{''.join(rows)}</table>"


def _grouped(sha256: str) -> str:
    return " ".join(sha256[i:i + 16] for i in range(0, len(sha256), 16))


def _esc(text: str) -> str:
    return html.escape(text)


def _heading(text: str) -> str:
    return f"<h3>{_esc(text)}</h3>"


def _page(body: str, lang: str) -> str:
    style = ("body { font-size: 10pt; } h2 { font-size: 15pt; } h3 { font-size: 12pt; "
             "margin-top: 14px; } td { padding: 2px 8px 2px 0; vertical-align: top; } "
             "th { text-align: left; padding: 2px 8px 2px 0; color: #444; } "
             ".muted { color: #555; } blockquote { margin-left: 16px; }")
    return (f"<html lang='{_esc(lang)}'><head><meta charset='utf-8'><style>{style}</style>"
            f"</head><body>{body}</body></html>")


def _authority(replica: Replica, authority_id: str, lang: str) -> str:
    data: dict[str, Any] | None = replica.authority(authority_id)
    if data is None:
        return _esc(authority_id)
    country = formatting.country_name(data["member_state"])
    designation = localized(data.get("designation") or {}, lang)
    extra = f"<br><span class='muted'>{_esc(designation)}</span>" if designation else ""
    return f"<b>{_esc(data['official_name'])}</b> ({_esc(country)}){extra}"


def _area_name(replica: Replica, code: str, lang: str) -> str:
    area = next((a for a in replica.areas() if a.code == code), None)
    return localized(area.names, lang) if area else code


def _header(replica: Replica, case: CaseRecord, question_set: QuestionSet | None, lang: str,
            printed_by: str, printed_at: dt.datetime) -> str:
    subject = case.subject
    set_name = localized(question_set.names, lang) if question_set else case.question_set
    version = _("version {number}").format(number=case.question_set_version)
    facts: list[tuple[str, str]] = [
        (_("Reference"), _esc(reference(case))),
        (_("Status"), _esc(label(STATES, case.state.value))),
        (_("Requesting authority"), _authority(replica, case.requester_authority_id, lang)),
        (_("Requested authority"), _authority(replica, case.responder_authority_id, lang)),
        (_("Legislative area"), _esc(_area_name(replica, case.area, lang))),
        (_("Question set"), _esc(f"{set_name} ({case.question_set} — {version})")),
        (_("Person concerned"),
         _esc(f"{subject.family_name.upper()}, {subject.given_names}")),
        (_("Profession"), _esc(label(PROFESSIONS, subject.profession))),
        (_("Date of birth"), _esc(formatting.date_text(subject.date_of_birth))),
        (_("Qualification"), _esc(subject.qualification or "")),
        (_("Created"), _esc(formatting.datetime_text(case.created_at))),
        (_("Answer by"), _esc(formatting.date_text(case.answer_by))),
        (_("Last change"), _esc(formatting.datetime_text(case.updated_at))),
    ]
    rows = "".join(f"<tr><td class='muted' width='28%'>{_esc(k)}</td><td>{v}</td></tr>"
                   for k, v in facts if v)
    printed = _("Printed by {name} on {when}").format(
        name=printed_by, when=formatting.datetime_text(printed_at))
    title = _("Request for information {reference}").format(reference=reference(case))
    return (f"<h2>{_esc(title)}</h2><table width='100%' cellspacing='0'>{rows}</table>"
            f"<p class='muted'><i>{_esc(printed)}</i></p>")


def _free_text(text: FreeText) -> str:
    written_in = _("written in {language}").format(language=formatting.language_name(text.lang))
    body = _esc(text.text).replace("\n", "<br>")
    return (f"<blockquote lang='{_esc(text.lang)}'>{body}</blockquote>"
            f"<p class='muted'><i>{_esc(written_in)}</i></p>")


def _questions(case: CaseRecord, question_set: QuestionSet | None, lang: str,
               other: str | None) -> str:
    """The questions under their sections, each with its answer; with ``other``, a column in
    that language beside. A written answer spans the columns, once, as written."""
    answers = {a.question: a for a in case.answers}
    columns = [lang] + ([other] if other else [])
    share = f"{95 // len(columns)}%"
    rows = []
    if other:
        rows.append("<tr><th width='5%'></th>" + "".join(
            f"<th width='{share}'>{_esc(formatting.language_name(c))}</th>" for c in columns)
            + "</tr>")
    section = None
    for number, code in enumerate(case.questions, start=1):
        question = question_set.question(code) if question_set else None
        titles = [section_title(question_set, question, c) if question_set and question else ""
                  for c in columns]
        if titles[0] and titles[0] != section:
            section = titles[0]
            rows.append("<tr><td width='5%'></td>" + "".join(
                f"<td width='{share}' style='padding-top:10px'><b lang='{_esc(c)}'>{_esc(t)}</b>"
                "</td>"
                for c, t in zip(columns, titles, strict=True)) + "</tr>")
        rows.append(_question_row(number, code, question, answers.get(code), columns, share))
    return (_heading(_("Questions and answers"))
            + f"<table width='100%' cellspacing='0'>{''.join(rows)}</table>")


def _question_row(number: int, code: str, question: Question | None, answer: Answer | None,
                  columns: list[str], share: str) -> str:
    written = answer is not None and is_free_text(question, answer)
    cells = []
    for column in columns:
        text = localized(question.texts, column) if question else code
        cell = f"<p lang='{_esc(column)}'>{_esc(text)}</p>"
        if answer is None:
            unanswered = _("not answered")
            cell += f"<p class='muted'><i>{_esc(unanswered)}</i></p>"
        elif not written:
            cell += (f"<p lang='{_esc(column)}'>➜ "
                     f"<b>{_esc(answer_text(question, answer, column))}</b></p>")
        cells.append(f"<td width='{share}'>{cell}</td>")
    row = (f"<tr><td width='5%' style='white-space:nowrap'>{number}.</td>"
           f"{''.join(cells)}</tr>")
    if answer is not None and written:
        value = answer.value or ""
        shown = _free_text(FreeText(text=value, lang=answer.lang)) if answer.lang \
            else f"<blockquote>{_esc(value).replace(chr(10), '<br>')}</blockquote>"
        row += (f"<tr><td width='5%'></td><td colspan='{len(columns)}'>{shown}</td></tr>")
    return row


def _timeline(replica: Replica, case: CaseRecord) -> str:
    head = "".join(f"<th width='{w}'>{_esc(t)}</th>"
                   for t, w in ((_("When"), "25%"), (_("Who"), "45%"), (_("Step"), "30%")))
    rows = []
    for event in case.timeline:
        found = replica.authority_name(event.authority_id)
        side = found[0] if found else event.authority_id
        when = formatting.datetime_text(event.acted_at or event.at)
        rows.append(f"<tr><td style='white-space:nowrap'>{_esc(when)}</td>"
                    f"<td>{_esc(event.user_name)}<br><span class='muted'>{_esc(side)}</span></td>"
                    f"<td>{_esc(label(ACTIONS, event.action.value))}</td></tr>")
    # The heading and the column names are the table's header: Qt repeats them on each page
    # the history runs over, so no heading is left alone at the foot of a page.
    heading = _heading(_("History"))
    title = f"<tr><td colspan='3' style='padding-top:12px'>{heading}</td></tr>"
    return (f"<table width='100%' cellspacing='0'><thead>{title}<tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")

"""Loading the catalogue and the demo directory from the JSON files in ``seed/``."""

import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_protocol.cases import CaseRecord, CaseRole, CaseStatus
from sync_protocol.catalogue import Question, QuestionSet
from sync_protocol.directory import EEA_STATES, CompetenceList
from sync_protocol.mutations import parse_args
from sync_protocol.workflow import COORDINATOR_ROLE, HANDLER_ROLE, Actor
from sync_server.auth.models import User
from sync_server.cases.service import apply_case_mutation
from sync_server.catalogue.service import load_catalogue
from sync_server.catalogue.shipped import EARLIER_SETS_FILE, shipped_catalogue
from sync_server.crypto import Sealer
from sync_server.directory.models import Authority
from sync_server.directory.service import (
    add_authorities,
    add_competences,
    add_member_states,
    add_user,
)
from sync_server.organisation.models import Coordinator
from sync_server.organisation.seed import seed_coordinators, seed_demo_organisation
from sync_server.sync.sequence import SequenceLock

SEED_DIR = Path(__file__).parent / "seed"
# PQ-GEN version 1, the set of the first release (cases made with it keep it); the shipped
# catalogue is ``shipped_catalogue()``.
CATALOGUE_FILE = EARLIER_SETS_FILE
DIRECTORY_FILE = SEED_DIR / "demo_directory.json"
COMPETENCES_FILE = SEED_DIR / "competences.json"
# The Commission, the 30 national coordinators and Germany's 16 Land coordinators.
COORDINATORS_FILE = SEED_DIR / "coordinators.json"

# Every demo user signs in with this password; the README says so. Never used outside --demo.
DEMO_PASSWORD = "imi-demo"


def seed_base(session: Session) -> None:
    """What every server starts with: the 30 EEA states, the shipped catalogue, the
    controlled lists of competences and the coordinators (each added once)."""
    seq = SequenceLock(session).acquire()
    add_member_states(session, seq, EEA_STATES)
    session.flush()
    load_catalogue(session, seq, shipped_catalogue())
    session.flush()
    add_competences(session, seq,
                    CompetenceList.model_validate_json(COMPETENCES_FILE.read_bytes()))
    session.flush()
    coordinators = json.loads(COORDINATORS_FILE.read_text(encoding="utf-8"))["authorities"]
    known = set(session.scalars(select(Authority.id)))
    add_authorities(session, seq, [a for a in coordinators if a["id"] not in known])
    session.flush()
    # The coordinators' scopes, once the directory has their authorities (roles' seed adds a
    # minimal authority only for one that is missing), once: seeding again publishes nothing.
    if session.scalars(select(Coordinator.authority_id)).first() is None:
        seed_coordinators(session, seq)
    seq.flush()


def seed_demo(session: Session, *, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """The demo directory: authorities and users of several member states."""
    directory = json.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))
    seq = SequenceLock(session).acquire()
    add_authorities(session, seq, directory["authorities"])
    session.flush()
    for user in directory["users"]:
        add_user(session, username=user["username"], password=password,
                 display_name=user["display_name"], authority_id=user["authority_id"],
                 roles=user["roles"], language=user["language"])
    coordinators = seed_demo_organisation(session, seq, password=password)
    seq.flush()
    return {"authorities": len(directory["authorities"]),
            "users": len(directory["users"]) + coordinators}


# (requester, responder, subject, profession, questions, final step, days ago)
_DEMO_CASES: tuple[tuple[str, str, tuple[str, str, str], str, tuple[int, ...], str, int], ...] = (
    ("FR-ONCD", "DE-LZK-BW", ("Dupont", "Camille", "1988-05-14"), "dentist", (1, 4, 12), "send", 2),
    ("HU-ENKK", "DE-LZK-BW", ("Schmidt", "Katharina", "1979-11-02"), "dentist", (1, 2, 12, 13),
     "accept", 6),
    ("DE-LZK-BW", "HU-ENKK", ("Tóth", "Gábor", "1983-02-21"), "dentist", (1, 3, 5, 7, 11, 13, 20),
     "answer", 9),
    ("AT-OEZK", "HU-ENKK", ("Szabó", "Eszter", "1990-07-30"), "dentist", (4, 5, 8), "accept", 4),
    ("DE-LZK-BW", "FR-ONCD", ("Moreau", "Julien", "1985-09-09"), "dentist", (1, 12), "send", 1),
    ("DE-LZK-BW", "PL-NIL", ("Kowalski", "Piotr", "1981-01-17"), "dentist", (1, 4, 12, 13),
     "accept_reply", 40),
    ("ES-CGD", "HU-ENKK", ("Horváth", "Anna", "1987-03-03"), "dentist", (1, 4), "accept_reply",
     25),
    ("IT-FNOMCEO", "DE-AEK-BLN", ("Rossi", "Marco", "1982-12-12"), "doctor", (1, 12), "send", 3),
    ("DE-LZK-BW", "HU-ENKK", ("Varga", "Zsófia", "1991-06-25"), "dentist", (1, 4, 12), "create",
     0),
    # Waiting in the coordinators' queues (``organisation.seed.DEMO_RULES``): a Bavarian
    # request for the Bavarian coordinator, a Polish reply for the Polish one.
    ("DE-BLZK", "HU-ENKK", ("Fekete", "Ilona", "1984-04-08"), "dentist", (1, 4, 12), "send", 1),
    ("AT-OEZK", "PL-NIL", ("Mazur", "Katarzyna", "1986-10-19"), "dentist", (1, 12), "answer", 5),
)
# A Services exchange: a German chamber of crafts asks a Hungarian government office about a
# hairdresser's establishment, registration, authorisation and insurance; answered.
_DEMO_SERVICES_CASE: Final = ("DE-HWK-S", "HU-BFKH", ("Kiss", "Péter", "1976-04-18"),
                              "hairdresser", (1, 2, 5, 6, 9, 12, 13, 19), "answer", 5)
_DEMO_QUALIFICATIONS: Final = {"dentist": "Diploma in dentistry", "doctor": "Medical degree",
                                "hairdresser": "Master craftsman's certificate (hairdressing)"}
_STEPS = ("create", "send", "accept", "answer", "accept_reply")
# The coordinator role that decides a case waiting in each state.
_APPROVER = {CaseStatus.AWAITING_APPROVAL: CaseRole.REQUESTER_COORDINATOR,
             CaseStatus.REPLY_AWAITING_APPROVAL: CaseRole.RESPONDER_COORDINATOR}

# The free text a seeded answer gives to a text or document question, in the answerer's
# language (English where the demo has none).
_DEMO_TEXTS: Final = {
    "de": "Siehe beigefügten Registerauszug.",
    "hu": "Lásd a csatolt nyilvántartási kivonatot.",
    "fr": "Voir l'extrait du registre ci-joint.",
    "en": "See the attached extract from the register.",
}
# Why a seeded request is withdrawn (a reason is required once the request was sent).
_WITHDRAW_REASONS: Final = {
    "de": "Die Person hat ihren Antrag auf Anerkennung zurückgezogen.",
    "hu": "Az érintett visszavonta az elismerés iránti kérelmét.",
    "fr": "La personne a retiré sa demande de reconnaissance.",
    "en": "The professional withdrew the application for recognition.",
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class SeedCase:
    """One exchange to make through the real workflow: its parties, its subject, the steps."""

    requester: str
    responder: str
    subject: dict[str, str]
    questions: tuple[int, ...]
    steps: tuple[str, ...]
    started: dt.datetime
    answer_in_days: int = 14
    area: str = "PQ"
    # Whether the last step may leave the case waiting for a coordinator's approval (else
    # the coordinator approves it, as for every step followed by another).
    waits: bool = True


def seed_demo_cases(session: Session, sealer: Sealer) -> int:
    """Exchanges in every state, made through the real workflow, so the demo is not empty."""
    now = dt.datetime.now(dt.UTC)
    cases = [(*case, "PQ") for case in _DEMO_CASES] + [(*_DEMO_SERVICES_CASE, "SERV")]
    for requester, responder, (family, given, born), profession, numbers, last, days, area in cases:
        subject = {"family_name": family, "given_names": given, "date_of_birth": born,
                   "profession": profession,
                   "qualification": _DEMO_QUALIFICATIONS[profession]}
        make_case(session, sealer, SeedCase(
            requester=requester, responder=responder, subject=subject, questions=numbers,
            steps=_STEPS[: _STEPS.index(last) + 1], started=now - dt.timedelta(days=days, hours=3),
            area=area,
        ))
    return len(cases)


def practice_area() -> str:
    """The legislative area practice cases are in."""
    return "PQ"


def latest_question_set(area: str) -> QuestionSet:
    """The newest version of the first question set the catalogue ships for ``area``."""
    sets = [qs for qs in shipped_catalogue().question_sets if qs.area == area]
    first = sets[0].code
    return max((qs for qs in sets if qs.code == first), key=lambda qs: qs.version)


def demo_answer(question: Question, lang: str) -> dict[str, object]:
    """A plausible answer to ``question`` of the kind it asks for (the first option, a date, a
    number, a short text in ``lang``)."""
    if question.answer_type == "multiple_choice":
        return {"question": question.code, "choices": [question.answers[0].code]}
    if question.is_choice:
        return {"question": question.code, "answer": question.answers[0].code}
    if question.answer_type == "date":
        return {"question": question.code, "value": "2014-09-01"}
    if question.answer_type == "number":
        return {"question": question.code, "value": "5"}
    lang = lang if lang in _DEMO_TEXTS else "en"
    return {"question": question.code, "value": _DEMO_TEXTS[lang], "lang": lang}


def _withdraw_reason(lang: str) -> dict[str, str]:
    lang = lang if lang in _WITHDRAW_REASONS else "en"
    return {"text": _WITHDRAW_REASONS[lang], "lang": lang}


def make_case(session: Session, sealer: Sealer, case: SeedCase) -> str:
    """Take ``case.steps`` as its parties' users would, five hours apart; return the case id.

    A step held for a coordinator's approval is approved by that coordinator when more steps
    follow; the last step may leave the case waiting in the coordinator's queue.
    """
    qs = latest_question_set(case.area)
    case_id = uuid.uuid4().hex
    questions = [qs.questions[n - 1].code for n in case.questions]
    answerer_language = _user(session, case.responder).language
    args_by_step: dict[str, dict[str, object]] = {
        "create": {
            "case_id": case_id, "area": qs.area, "question_set": qs.code,
            "question_set_version": qs.version, "responder_authority_id": case.responder,
            "subject": case.subject, "questions": questions,
            "answer_by": (case.started + dt.timedelta(days=case.answer_in_days)).date().isoformat(),
        },
        "answer": {
            "case_id": case_id,
            "answers": [demo_answer(q, answerer_language)
                        for q in qs.questions if q.code in questions],
        },
        "withdraw": {"case_id": case_id, "reason": _withdraw_reason(
            _user(session, case.requester).language)},
    }
    at = case.started
    for number, step in enumerate(case.steps):
        args = args_by_step.get(step, {"case_id": case_id})
        requesting = step in ("create", "send", "accept_reply", "withdraw")
        record = _step(session, sealer, step, args, at=at,
                       authority=case.requester if requesting else case.responder)
        at += dt.timedelta(hours=5)
        role = _APPROVER.get(record.state)
        if role is not None and (number + 1 < len(case.steps) or not case.waits):
            _step(session, sealer, "approve", {"case_id": case_id}, at=at,
                  authority=record.holders(role)[0])
            at += dt.timedelta(hours=5)
    return case_id


def _step(session: Session, sealer: Sealer, step: str, args: dict[str, object], *,
          at: dt.datetime, authority: str) -> CaseRecord:
    checked, action = parse_args(f"case.{step}", args)
    seq = SequenceLock(session).acquire()
    record, _audiences = apply_case_mutation(session, seq, sealer, action=action, args=checked,
                                             actor=_actor(session, authority),
                                             base_version=None, now=at)
    seq.flush()
    return record


def _user(session: Session, authority_id: str) -> User:
    users = session.scalars(select(User).where(User.authority_id == authority_id)
                            .order_by(User.username)).all()
    assert users, f"no seeded user at {authority_id}"
    return next((u for u in users if "request_handler" in u.roles), users[0])


def _actor(session: Session, authority_id: str) -> Actor:
    user = _user(session, authority_id)
    # The seed acts for each party in its own role: a coordinator decides, a handler the rest.
    role = COORDINATOR_ROLE if COORDINATOR_ROLE in user.roles else HANDLER_ROLE
    return Actor(user_id=user.id, user_name=user.display_name, authority_id=authority_id,
                 roles=frozenset(user.roles) | {role})

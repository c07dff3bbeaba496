"""Loading the catalogue and the demo directory from the JSON files in ``seed/``."""

import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_protocol.catalogue import Question, QuestionSet
from sync_protocol.mutations import parse_args
from sync_protocol.workflow import Actor
from sync_server.auth.models import User
from sync_server.cases.service import apply_case_mutation
from sync_server.catalogue.service import load_catalogue
from sync_server.catalogue.shipped import EARLIER_SETS_FILE, shipped_catalogue
from sync_server.crypto import Sealer
from sync_server.directory.service import (
    EEA_STATES,
    add_authority,
    add_member_states,
    add_user,
)
from sync_server.sync.sequence import SequenceLock

SEED_DIR = Path(__file__).parent / "seed"
# PQ-GEN version 1, the set of the first release (cases made with it keep it); the shipped
# catalogue is ``shipped_catalogue()``.
CATALOGUE_FILE = EARLIER_SETS_FILE
DIRECTORY_FILE = SEED_DIR / "demo_directory.json"

# Every demo user signs in with this password; the README says so. Never used outside --demo.
DEMO_PASSWORD = "imi-demo"


def seed_base(session: Session) -> None:
    """What every server starts with: the 30 EEA states and the shipped catalogue."""
    seq = SequenceLock(session).acquire()
    add_member_states(session, seq, EEA_STATES)
    session.flush()
    load_catalogue(session, seq, shipped_catalogue())
    seq.flush()


def seed_demo(session: Session, *, password: str = DEMO_PASSWORD) -> dict[str, Any]:
    """The demo directory: authorities and users of several member states."""
    directory = json.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))
    seq = SequenceLock(session).acquire()
    for authority in directory["authorities"]:
        add_authority(session, seq, authority)
    session.flush()
    for user in directory["users"]:
        add_user(session, username=user["username"], password=password,
                 display_name=user["display_name"], authority_id=user["authority_id"],
                 roles=user["roles"], language=user["language"])
    seq.flush()
    return {"authorities": len(directory["authorities"]), "users": len(directory["users"])}


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
)
# A Services exchange: a German chamber of crafts asks a Hungarian government office about a
# hairdresser's establishment, registration, authorisation and insurance; answered.
_DEMO_SERVICES_CASE: Final = ("DE-HWK-S", "HU-BFKH", ("Kiss", "Péter", "1976-04-18"),
                              "hairdresser", (1, 2, 5, 6, 9, 12, 13, 19), "answer", 5)
_DEMO_QUALIFICATIONS: Final = {"dentist": "Diploma in dentistry", "doctor": "Medical degree",
                                "hairdresser": "Master craftsman's certificate (hairdressing)"}
_STEPS = ("create", "send", "accept", "answer", "accept_reply")

# The free text a seeded answer gives to a text or document question, in the answerer's
# language (English where the demo has none).
_DEMO_TEXTS: Final = {
    "de": "Siehe beigefügten Registerauszug.",
    "hu": "Lásd a csatolt nyilvántartási kivonatot.",
    "fr": "Voir l'extrait du registre ci-joint.",
    "en": "See the attached extract from the register.",
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


def make_case(session: Session, sealer: Sealer, case: SeedCase) -> str:
    """Take ``case.steps`` as its parties' users would, five hours apart; return the case id."""
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
    }
    for number, step in enumerate(case.steps):
        args = args_by_step.get(step, {"case_id": case_id})
        checked, action = parse_args(f"case.{step}", args)
        requesting = step in ("create", "send", "accept_reply", "withdraw")
        seq = SequenceLock(session).acquire()
        apply_case_mutation(session, seq, sealer, action=action, args=checked,
                            actor=_actor(session, case.requester if requesting else case.responder),
                            base_version=None,
                            now=case.started + dt.timedelta(hours=5 * number))
        seq.flush()
    return case_id


def _user(session: Session, authority_id: str) -> User:
    users = session.scalars(select(User).where(User.authority_id == authority_id)
                            .order_by(User.username)).all()
    assert users, f"no seeded user at {authority_id}"
    return next((u for u in users if "request_handler" in u.roles), users[0])


def _actor(session: Session, authority_id: str) -> Actor:
    user = _user(session, authority_id)
    return Actor(user_id=user.id, user_name=user.display_name, authority_id=authority_id,
                 roles=frozenset(user.roles) | {"request_handler"})

"""The training system (M11): a separate practice server with realistic, synthetic data.

``imi-server init --training`` marks a new database as a training system (the server state
row says so, and ``/v1/meta`` and every answer's ``X-IMI-System`` header repeat it), seeds
the demo directory with its users and a set of exchanges about fictitious professionals in
every workflow state. ``imi-server reset-training`` puts the exchanges back to that set: the
trainees' cases become tombstones, so every replica drops them at its next pull, and fresh
ones are made through the real workflow. Directory, users and devices stay, so trainees keep
their profiles and sign-ins. Alerts (M8) do not exist in the workflow yet, so none are seeded.

Every name here is invented: the family and given names are common ones of each country,
combined at random with made-up dates of birth; no real person's record is used.
"""

import datetime as dt
import random
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sync_protocol.cases import CaseStatus
from sync_protocol.messages import EntityKind
from sync_protocol.organisation import Direction
from sync_server.auth.models import User
from sync_server.cases.models import Case, CaseEvent, CaseParticipant
from sync_server.crypto import Sealer
from sync_server.directory.models import Authority
from sync_server.organisation.service import organisation_for
from sync_server.orm import ServerState
from sync_server.seed import SeedCase, make_case, practice_area
from sync_server.sync.models import SyncRow
from sync_server.sync.sequence import SequenceLock

# Every trainee signs in with this until an administrator sets another (``set-password``).
TRAINING_PASSWORD = "imi-training"  # noqa: S105 - printed by init and in the README

# The steps that lead to each state of the workflow; a test checks that every state is here.
STEPS_TO: Final[dict[CaseStatus, tuple[str, ...]]] = {
    CaseStatus.DRAFT: ("create",),
    CaseStatus.SENT: ("create", "send"),
    CaseStatus.ACCEPTED: ("create", "send", "accept"),
    CaseStatus.ANSWERED: ("create", "send", "accept", "answer"),
    CaseStatus.CLOSED: ("create", "send", "accept", "answer", "accept_reply"),
    CaseStatus.WITHDRAWN: ("create", "send", "withdraw"),
    CaseStatus.AWAITING_APPROVAL: ("create", "send"),
    CaseStatus.REPLY_AWAITING_APPROVAL: ("create", "send", "accept", "answer"),
}
CASES_PER_STATE = 8
# How long ago cases in each state started, in days (a range, so lists look lived-in).
_AGE: Final[dict[CaseStatus, tuple[int, int]]] = {
    CaseStatus.DRAFT: (0, 3), CaseStatus.SENT: (1, 8), CaseStatus.ACCEPTED: (4, 30),
    CaseStatus.ANSWERED: (6, 25), CaseStatus.CLOSED: (20, 120), CaseStatus.WITHDRAWN: (3, 40),
    CaseStatus.AWAITING_APPROVAL: (0, 4), CaseStatus.REPLY_AWAITING_APPROVAL: (5, 20),
}

_NAMES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "DE": (("Becker", "Hoffmann", "Krüger", "Wolf", "Neumann", "Zimmermann"),
           ("Lena", "Jonas", "Miriam", "Tobias", "Sabine", "Florian")),
    "HU": (("Kiss", "Molnár", "Balogh", "Farkas", "Lakatos", "Papp"),
           ("Réka", "Bence", "Dóra", "Levente", "Katalin", "Ádám")),
    "FR": (("Lefèvre", "Girard", "Fontaine", "Rousseau", "Chevalier", "Garnier"),
           ("Élodie", "Mathieu", "Clémence", "Théo", "Aurélie", "Nicolas")),
    "AT": (("Gruber", "Huber", "Wimmer", "Steiner", "Moser", "Hofer"),
           ("Katharina", "Lukas", "Theresa", "Matthias", "Johanna", "Stefan")),
    "PL": (("Wójcik", "Kamińska", "Lewandowski", "Zielińska", "Szymański", "Dąbrowska"),
           ("Agnieszka", "Tomasz", "Magdalena", "Paweł", "Joanna", "Krzysztof")),
    "ES": (("López", "Sánchez", "Romero", "Navarro", "Torres", "Domínguez"),
           ("Lucía", "Javier", "Carmen", "Alejandro", "Marta", "Pablo")),
    "IT": (("Bianchi", "Colombo", "Ricci", "Marino", "Greco", "Bruno"),
           ("Giulia", "Luca", "Francesca", "Matteo", "Chiara", "Alessandro")),
}
_QUALIFICATIONS: Final[dict[str, str]] = {
    "dentist": "Diploma in dentistry",
    "doctor": "Medical degree",
    "nurse": "Diploma in general care nursing",
    "midwife": "Diploma in midwifery",
    "pharmacist": "Degree in pharmacy",
    "architect": "Diploma in architecture",
}


class NotTraining(Exception):
    """The command is for a training system and this database is not one."""


def is_training(session: Session) -> bool:
    return bool(session.scalar(select(ServerState.training).where(ServerState.id == 1)))


def has_cases(session: Session) -> bool:
    return session.scalar(select(Case.id).limit(1)) is not None


def mark_training(session: Session) -> None:
    session.execute(update(ServerState).where(ServerState.id == 1).values(training=True))


def seed_training_cases(session: Session, sealer: Sealer, *,
                        now: dt.datetime | None = None) -> int:
    """The practice exchanges: ``CASES_PER_STATE`` in every state, between authorities of
    different member states. The same every time (fixed random seed), dated relative to now."""
    rng = random.Random(11)
    now = now or dt.datetime.now(dt.UTC)
    area = practice_area()
    in_area = {a.id for a in session.scalars(select(Authority)) if area in a.areas and a.active}
    handlers = sorted({u.authority_id for u in session.scalars(select(User))
                       if "request_handler" in u.roles and u.authority_id in in_area})
    # The cases waiting for approval are between authorities the approval rules hold back.
    organisation = organisation_for(session, handlers)
    held = {
        CaseStatus.AWAITING_APPROVAL: [h for h in handlers if organisation.approver(
            h, area, Direction.REQUEST)],
        CaseStatus.REPLY_AWAITING_APPROVAL: [h for h in handlers if organisation.approver(
            h, area, Direction.REPLY)],
    }
    made = 0
    for state, steps in STEPS_TO.items():
        for _number in range(CASES_PER_STATE):
            # Requesters in turn, so every trainee's authority has cases on both sides.
            requester = handlers[made % len(handlers)]
            if state is CaseStatus.AWAITING_APPROVAL:
                requester = rng.choice(held[state])
            if state is CaseStatus.REPLY_AWAITING_APPROVAL:
                responder = rng.choice(held[state])
                if requester[:2] == responder[:2]:
                    requester = rng.choice([a for a in handlers if a[:2] != responder[:2]])
            else:
                responder = rng.choice([a for a in handlers if a[:2] != requester[:2]])
            low, high = _AGE[state]
            make_case(session, sealer, SeedCase(
                requester=requester, responder=responder,
                subject=_professional(rng, responder[:2]),
                questions=tuple(sorted(rng.sample(range(1, 13), k=rng.randint(2, 5)))),
                steps=steps, answer_in_days=rng.randint(7, 21),
                started=now - dt.timedelta(days=rng.randint(low, high), hours=rng.randint(1, 9)),
                waits=state in held,
            ))
            made += 1
    return made


def reset_training(session: Session, sealer: Sealer) -> int:
    """Replace every exchange by the practice set; return how many were made.

    Refuses (``NotTraining``) on a production database. One transaction: a failure changes
    nothing.
    """
    if not is_training(session):
        raise NotTraining("this database is not a training system: nothing was reset")
    if session.get_bind().dialect.name != "sqlite":
        # The cases first, in id order, then the sequence lock, as a push takes them: a push
        # holding a case and waiting for the sequence lock would otherwise deadlock with this.
        session.execute(select(Case.id).order_by(Case.id).with_for_update()).all()
    seq = SequenceLock(session).acquire()
    for row in session.scalars(select(SyncRow).where(SyncRow.kind == EntityKind.CASE.value,
                                                     SyncRow.payload.is_not(None))):
        row.seq, row.version, row.payload, row.sealed, row.reason = (
            seq.next(), row.version + 1, None, False, "deleted")
    seq.flush()
    session.execute(delete(CaseEvent))
    session.execute(delete(CaseParticipant))
    session.execute(delete(Case))
    session.flush()
    return seed_training_cases(session, sealer)


def _professional(rng: random.Random, member_state: str) -> dict[str, str]:
    """A fictitious professional qualified in ``member_state``."""
    families, givens = _NAMES.get(member_state, _NAMES["DE"])
    profession = rng.choice(sorted(_QUALIFICATIONS))
    born = dt.date(rng.randint(1965, 1998), rng.randint(1, 12), rng.randint(1, 28))
    return {"family_name": rng.choice(families), "given_names": rng.choice(givens),
            "date_of_birth": born.isoformat(), "profession": profession,
            "qualification": _QUALIFICATIONS[profession]}

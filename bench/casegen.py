"""Realistic case records for the benchmarks, built by the workflow the server enforces.

Every case is walked through ``sync_protocol.workflow.apply_step`` from ``create`` to its final
state, exactly as pushed mutations would drive it, so records carry real timelines, answers
checked against the catalogue, and the audiences their state implies.
"""

import dataclasses
import datetime as dt
import json
import random
import uuid

from sync_protocol.cases import Action, CaseRecord, CaseStatus
from sync_protocol.catalogue import AnswerOption, QuestionSet
from sync_protocol.mutations import MUTATIONS
from sync_protocol.workflow import HANDLER_ROLE, Actor, apply_step
from sync_server.seed import CATALOGUE_FILE, DIRECTORY_FILE

HOME = "DE-LZK-BW"

# Final state -> the steps that lead there after create; weights are per direction.
PATHS: dict[CaseStatus, tuple[Action, ...]] = {
    CaseStatus.DRAFT: (),
    CaseStatus.SENT: (Action.SEND,),
    CaseStatus.ACCEPTED: (Action.SEND, Action.ACCEPT),
    CaseStatus.ANSWERED: (Action.SEND, Action.ACCEPT, Action.ANSWER),
    CaseStatus.CLOSED: (Action.SEND, Action.ACCEPT, Action.ANSWER, Action.ACCEPT_REPLY),
    CaseStatus.WITHDRAWN: (Action.SEND, Action.WITHDRAW),
}
OUT_WEIGHTS = {"draft": 8, "sent": 22, "accepted": 18, "answered": 17, "closed": 25,
               "withdrawn": 10}
IN_WEIGHTS = {"sent": 25, "accepted": 20, "answered": 20, "closed": 30, "withdrawn": 5}

FAMILY = ["Nagy", "Kovács", "Tóth", "Szabó", "Müller", "Schmidt", "Schneider", "Fischer",
          "Dubois", "Lefèvre", "Moreau", "Nowak", "Wiśniewski", "Kowalczyk", "García López",
          "Martínez Ruiz", "Rossi", "Russo", "Ferrari", "Gruber", "Huber", "Pichler",
          "Papadopoulos", "Novák", "Horváth", "Jansen", "de Vries", "O'Brien", "Virtanen"]
GIVEN = ["László", "Péter", "Katalin", "Anna", "Markus", "Sabine", "Claire", "Julien",
         "Agnieszka", "Tomasz", "María José", "Carlos", "Giulia", "Marco", "Eszter", "Jan",
         "Elisabeth", "Michael", "Sophie", "Nikos", "Jana", "Pieter", "Siobhán", "Aino"]
PROFESSIONS = ["dentist", "doctor", "nurse", "midwife", "pharmacist", "architect",
               "veterinary_surgeon", "physiotherapist"]
REQUEST_TEXTS = {
    "de": "Bitte bestätigen Sie die Echtheit des beigefügten Diploms und teilen Sie mit, ob "
          "gegen die Person berufsrechtliche Maßnahmen anhängig sind.",
    "hu": "Kérjük, erősítsék meg a mellékelt oklevél hitelességét, és tájékoztassanak az "
          "esetleges fegyelmi eljárásokról.",
    "fr": "Merci de confirmer l'authenticité du diplôme joint et de nous indiquer si une "
          "procédure disciplinaire est en cours.",
    "en": "Please confirm that the attached diploma is authentic and whether any "
          "disciplinary proceedings are pending against the professional.",
}
REPLY_TEXTS = {
    "de": "Das Diplom ist echt. Es sind keine Verfahren anhängig.",
    "hu": "Az oklevél hiteles. Fegyelmi eljárás nincs folyamatban.",
    "fr": "Le diplôme est authentique. Aucune procédure n'est en cours.",
    "en": "The diploma is authentic. No proceedings are pending.",
}
LANG_OF_STATE = {"DE": "de", "AT": "de", "HU": "hu", "FR": "fr"}


@dataclasses.dataclass(frozen=True)
class Directory:
    """Who can take part: PQ authorities other than ``HOME``, and an actor for each."""

    counterparts: list[str]
    actors: dict[str, Actor]
    member_state: dict[str, str]
    question_set: QuestionSet


def load_directory() -> Directory:
    directory = json.loads(DIRECTORY_FILE.read_text(encoding="utf-8"))
    catalogue = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    qs = QuestionSet.model_validate(catalogue["question_sets"][0])
    pq = [a for a in directory["authorities"] if "PQ" in a["areas"]]
    actors: dict[str, Actor] = {}
    for user in directory["users"]:
        if HANDLER_ROLE in user["roles"] and user["authority_id"] not in actors:
            actors[user["authority_id"]] = Actor(
                user_id=uuid.uuid5(uuid.NAMESPACE_DNS, user["username"]).hex,
                user_name=user["display_name"], authority_id=user["authority_id"],
                roles=frozenset(user["roles"]))
    return Directory(
        counterparts=[a["id"] for a in pq if a["id"] != HOME and a["id"] in actors],
        actors=actors,
        member_state={a["id"]: a["member_state"] for a in directory["authorities"]},
        question_set=qs,
    )


def _weighted(rng: random.Random, weights: dict[str, int]) -> CaseStatus:
    return CaseStatus(rng.choices(list(weights), weights=list(weights.values()))[0])


def _text(texts: dict[str, str], directory: Directory, authority: str) -> dict[str, str]:
    lang = LANG_OF_STATE.get(directory.member_state[authority], "en")
    return {"text": texts[lang], "lang": lang}


def make_case(rng: random.Random, directory: Directory, *, started: dt.datetime) -> CaseRecord:
    """One case involving ``HOME``, in a random final state, through the real workflow."""
    outgoing = rng.random() < 0.5
    other = rng.choice(directory.counterparts)
    requester, responder = (HOME, other) if outgoing else (other, HOME)
    final = _weighted(rng, OUT_WEIGHTS if outgoing else IN_WEIGHTS)
    qs = directory.question_set
    questions = rng.sample([q.code for q in qs.questions], rng.randint(3, 8))
    now = started
    create = {
        "case_id": uuid.UUID(int=rng.getrandbits(128)).hex,
        "area": qs.area, "question_set": qs.code, "question_set_version": qs.version,
        "responder_authority_id": responder,
        "subject": {"family_name": rng.choice(FAMILY), "given_names": rng.choice(GIVEN),
                    "date_of_birth": dt.date(rng.randint(1955, 1998), rng.randint(1, 12),
                                             rng.randint(1, 28)).isoformat(),
                    "profession": rng.choice(PROFESSIONS),
                    "qualification": f"Diploma no. {rng.randint(10000, 99999)}, "
                                     f"{rng.randint(1980, 2022)}"},
        "questions": questions,
        "answer_by": (now.date() + dt.timedelta(days=rng.randint(14, 60))).isoformat(),
        "request_text": _text(REQUEST_TEXTS, directory, requester),
    }
    case = _step(None, "case.create", create, directory.actors[requester], now, qs)
    for action in PATHS[final]:
        now += dt.timedelta(hours=rng.randint(2, 200), seconds=rng.randint(0, 3599))
        args: dict[str, object] = {"case_id": case.id}
        actor = directory.actors[responder if action in (Action.ACCEPT, Action.ANSWER)
                                 else requester]
        if action is Action.ANSWER:
            args["answers"] = [{"question": q, "answer": rng.choice(_options(qs, q)).code}
                               for q in case.questions]
            args["reply_text"] = _text(REPLY_TEXTS, directory, responder)
        if action is Action.WITHDRAW:  # a sent request is withdrawn with a reason (protocol 3)
            args["reason"] = {"text": "The professional withdrew the application.",
                              "lang": "en"}
        name = next(n for n, (_, a) in MUTATIONS.items() if a is action)
        case = _step(case, name, args, actor, now, qs)
    return case


def _options(qs: QuestionSet, code: str) -> tuple[AnswerOption, ...]:
    question = qs.question(code)
    assert question is not None, f"{code} is not in {qs.code}"
    return question.answers


def _step(case: CaseRecord | None, name: str, args: dict[str, object], actor: Actor,
          now: dt.datetime, qs: QuestionSet) -> CaseRecord:
    model, action = MUTATIONS[name]
    return apply_step(case, action, model.model_validate(args), actor=actor, now=now,
                      question_set=qs)


def make_cases(count: int, *, seed: int = 20240601) -> list[CaseRecord]:
    """``count`` cases over the last two years, oldest update first (the order they'd publish)."""
    rng = random.Random(seed)
    directory = load_directory()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=730)
    cases = [make_case(rng, directory,
                       started=start + dt.timedelta(minutes=rng.randint(0, 700 * 24 * 60)))
             for _ in range(count)]
    cases.sort(key=lambda c: c.updated_at)
    return cases

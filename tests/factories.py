"""Builders for tests: a small directory on a server database, mutation arguments, API peers.

``build_directory`` gives every server test the same small world: the 30 EEA member states and
the shipped catalogue (``seed_base``), one authority each in Germany, Hungary and France that
handles the PQ area, and one request handler per authority. ``Peer`` is a signed-in device
talking to the API through any ``httpx.Client`` (FastAPI's ``TestClient`` is one), keeping its
own mutation counter and pull cursor the way a real replica does.
"""

import dataclasses
import datetime as dt
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from sync_protocol.version import PROTOCOL_VERSION
from sync_server.directory.service import add_authority, add_user
from sync_server.migrate import upgrade
from sync_server.seed import seed_base
from sync_server.sync.sequence import SequenceLock

PASSWORD = "correct horse battery staple"
AREA = "PQ"
QUESTION_SET = "PQ-GEN"
QUESTION_SET_VERSION = 1
QUESTIONS = ("PQ-GEN-Q01", "PQ-GEN-Q02")

# member state -> (authority id, official name, request handler's user name)
AUTHORITIES: dict[str, tuple[str, str, str]] = {
    "DE": ("DE-LZK-T", "Landeszahnärztekammer Teststadt", "de.handler"),
    "HU": ("HU-ENKK-T", "Egészségügyi Nyilvántartási Központ", "hu.handler"),
    "FR": ("FR-ONCD-T", "Ordre national des chirurgiens-dentistes", "fr.handler"),
}


@dataclasses.dataclass(frozen=True, kw_only=True)
class UserHandle:
    username: str
    password: str
    user_id: str
    authority_id: str
    display_name: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class Directory:
    """Handles on what ``build_directory`` created, by member state."""

    authorities: dict[str, str]
    users: dict[str, UserHandle]

    @property
    def de(self) -> UserHandle:
        return self.users["DE"]

    @property
    def hu(self) -> UserHandle:
        return self.users["HU"]

    @property
    def fr(self) -> UserHandle:
        return self.users["FR"]


def init_database(engine: Engine) -> None:
    """Migrate an empty database to the newest schema and load what every server starts with."""
    upgrade(engine)
    with Session(engine) as session, session.begin():
        seed_base(session)


def build_directory(engine: Engine, *, password: str = PASSWORD) -> Directory:
    """Authorities DE/HU/FR in area PQ with one request handler each (on a migrated database).

    ``seed_base`` runs first (it adds only what is missing), so the member states and the
    catalogue are there whether or not the caller seeded already.
    """
    users: dict[str, UserHandle] = {}
    with Session(engine) as session, session.begin():
        seed_base(session)
        seq = SequenceLock(session).acquire()
        for member_state, (authority_id, name, _) in AUTHORITIES.items():
            add_authority(session, seq, {"id": authority_id, "member_state": member_state,
                                         "official_name": name, "areas": [AREA],
                                         "competences": ["dentist"]})
        session.flush()
        for member_state, (authority_id, _, username) in AUTHORITIES.items():
            display_name = f"{member_state} Handler"
            user = add_user(session, username=username, password=password,
                            display_name=display_name, authority_id=authority_id,
                            roles=["request_handler"], language=member_state.lower())
            users[member_state] = UserHandle(username=username, password=password,
                                             user_id=user.id, authority_id=authority_id,
                                             display_name=display_name)
        seq.flush()
    return Directory(authorities={ms: a[0] for ms, a in AUTHORITIES.items()}, users=users)


def wait_until(condition: Callable[[], object], *, what: str, timeout: float = 30.0) -> None:
    """Poll ``condition`` (another thread reaching a point) until it holds; fail with ``what``
    after ``timeout`` seconds. Only the order of events is waited for, never a duration."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def new_id() -> str:
    return uuid.uuid4().hex


def create_args(
    *,
    responder: str,
    case_id: str | None = None,
    family_name: str = "Kovács",
    questions: tuple[str, ...] = QUESTIONS,
    answer_by: dt.date | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Arguments of a valid ``case.create`` addressed to ``responder``."""
    args: dict[str, Any] = {
        "case_id": case_id or new_id(),
        "area": AREA,
        "question_set": QUESTION_SET,
        "question_set_version": QUESTION_SET_VERSION,
        "responder_authority_id": responder,
        "subject": {"family_name": family_name, "given_names": "Éva", "profession": "dentist"},
        "questions": list(questions),
        "answer_by": (answer_by or _today() + dt.timedelta(days=30)).isoformat(),
    }
    args.update(overrides)
    return args


def answer_args(case_id: str, questions: tuple[str, ...] = QUESTIONS, option: int = 1
                ) -> dict[str, Any]:
    """Arguments of a ``case.answer`` giving answer option ``option`` to every question."""
    return {"case_id": case_id,
            "answers": [{"question": q, "answer": f"{q}-A{option}"} for q in questions]}


class Peer:
    """One signed-in device: its token, its next mutation id, its pull cursor."""

    def __init__(self, client: httpx.Client, *, token: str, user: dict[str, Any],
                 device_id: str) -> None:
        self.client = client
        self.token = token
        self.user = user
        self.device_id = device_id
        self.next_mutation_id = 1
        self.cursor = ""

    @classmethod
    def login(cls, client: httpx.Client, username: str, password: str = PASSWORD,
              device_id: str | None = None) -> "Peer":
        device_id = device_id or new_id()
        response = client.post("/v1/auth/login", json=login_body(username, password, device_id))
        assert response.status_code == 200, response.text
        body = response.json()
        return cls(client, token=body["token"], user=body["user"], device_id=device_id)

    @property
    def authority_id(self) -> str:
        return str(self.user["authority_id"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def mutation(self, name: str, args: dict[str, Any], *, base_version: int | None = None,
                 mutation_id: int | None = None) -> dict[str, Any]:
        """A mutation with the next id (which is then used up)."""
        if mutation_id is None:
            mutation_id = self.next_mutation_id
            self.next_mutation_id += 1
        return {"mutation_id": mutation_id, "name": name, "args": args,
                "base_version": base_version,
                "created_at": dt.datetime.now(dt.UTC).isoformat()}

    def push_raw(self, *mutations: dict[str, Any]) -> httpx.Response:
        body = {"protocol_version": PROTOCOL_VERSION, "device_id": self.device_id,
                "mutations": list(mutations)}
        return self.client.post("/v1/sync/push", json=body, headers=self.headers)

    def push(self, *mutations: dict[str, Any]) -> list[dict[str, Any]]:
        response = self.push_raw(*mutations)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results

    def step(self, name: str, args: dict[str, Any], *, base_version: int | None = None
             ) -> dict[str, Any]:
        """Push one mutation; return its result."""
        (result,) = self.push(self.mutation(name, args, base_version=base_version))
        return result

    def pull_raw(self, cursor: str | None = None, limit: int | None = None) -> httpx.Response:
        params: dict[str, Any] = {"cursor": self.cursor if cursor is None else cursor,
                                  "protocol_version": PROTOCOL_VERSION}
        if limit is not None:
            params["limit"] = limit
        return self.client.get("/v1/sync/pull", params=params, headers=self.headers)

    def pull_page(self, limit: int | None = None) -> dict[str, Any]:
        """One page from this peer's cursor; the cursor moves on."""
        response = self.pull_raw(limit=limit)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        self.cursor = page["cursor"]
        return page

    def pull_all(self, limit: int | None = None, max_pages: int = 1000) -> list[dict[str, Any]]:
        """Every change since this peer's cursor, walking pages until ``has_more`` is false."""
        changes: list[dict[str, Any]] = []
        for _ in range(max_pages):
            page = self.pull_page(limit)
            changes.extend(page["changes"])
            if not page["has_more"]:
                return changes
        raise AssertionError(f"still has_more after {max_pages} pages")

    def cases(self, changes: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in changes if c["kind"] == "case"}

    def wait_raw(self, cursor: str | None = None, timeout: float = 0.2) -> httpx.Response:
        params = {"cursor": self.cursor if cursor is None else cursor, "timeout": timeout}
        return self.client.get("/v1/sync/wait", params=params, headers=self.headers)


def login_body(username: str, password: str, device_id: str) -> dict[str, Any]:
    return {"protocol_version": PROTOCOL_VERSION, "username": username, "password": password,
            "device_id": device_id}


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()

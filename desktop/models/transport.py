"""HTTP to the sync server, with the protocol's messages. No Qt; called from worker threads.

A ``Connection`` carries what a roll-out configures (an extra CA certificate, a proxy). A
transport made for a training or a production profile checks every answer's system header,
and asks ``/v1/meta`` before every push, so a profile never sends to, nor takes from, a system
of the other kind.
"""

import atexit
import dataclasses
import functools
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import certifi
import pydantic_core
import requests

from sync_protocol.messages import (
    DEFAULT_PULL_LIMIT,
    SYSTEM_HEADER,
    TRAINING_SYSTEM,
    WAIT_SECONDS,
    ErrorBody,
    LoginRequest,
    LoginResponse,
    Meta,
    PullResponse,
    PushRequest,
    PushResponse,
    WaitResponse,
)
from sync_protocol.version import PROTOCOL_VERSION

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0


class Offline(Exception):
    """The server cannot be reached; work goes on locally and is delivered later."""


class ServerRefused(Exception):
    """The server answered with an error body."""

    def __init__(self, status: int, body: ErrorBody) -> None:
        super().__init__(body.message)
        self.status = status
        self.code = body.code
        self.message = body.message
        self.expected_mutation_id = body.expected_mutation_id


class WrongSystem(ServerRefused):
    """The server is a training system and the profile a production one, or the other way."""

    def __init__(self, *, training_profile: bool) -> None:
        super().__init__(0, ErrorBody(
            code="wrong_system",
            message=("this training profile does not talk to a production server"
                     if training_profile else
                     "this profile does not talk to a training server"),
        ))
        self.training_profile = training_profile


@dataclasses.dataclass(frozen=True, kw_only=True)
class Connection:
    """How to reach the server: ``ca_bundle`` is a PEM file of CA certificates trusted in
    addition to the usual ones; ``proxy`` an ``http://host:port`` every call goes through."""

    ca_bundle: str | None = None
    proxy: str | None = None

    @property
    def verify(self) -> str | bool:
        return _trust_bundle(self.ca_bundle) if self.ca_bundle else True

    @property
    def proxies(self) -> dict[str, str] | None:
        return {"http": self.proxy, "https": self.proxy} if self.proxy else None


@functools.cache
def _trust_bundle(extra: str) -> str:
    """The usual CAs (certifi's, as requests uses) plus ``extra``, in one file for this run."""
    handle, name = tempfile.mkstemp(prefix="imi-ca-", suffix=".pem")
    with os.fdopen(handle, "wb") as bundle:
        bundle.write(Path(certifi.where()).read_bytes())
        bundle.write(b"\n" + Path(extra).read_bytes())
    atexit.register(Path(name).unlink, missing_ok=True)
    return name


class Transport:
    """Calls to one server. Safe to share between threads: each thread gets its own HTTP
    session (``requests`` does not promise a session is thread-safe), so the long-poll and a
    sync pass never share a connection pool."""

    def __init__(self, base_url: str, *, token: str | None = None,
                 connection: Connection | None = None, training: bool | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.connection = connection or Connection()
        # The kind of system the profile belongs to; None (set-up) checks nothing.
        self.training = training
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    @property
    def _http(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def _call(self, method: str, path: str, *, json_body: Any = None,
              params: dict[str, Any] | None = None, read_timeout: float = READ_TIMEOUT) -> bytes:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = self._http.request(
                method, self.base_url + path, json=json_body, params=params, headers=headers,
                timeout=(CONNECT_TIMEOUT, read_timeout),
                # Per call: requests lets REQUESTS_CA_BUNDLE and HTTP(S)_PROXY in the
                # environment override a session's own settings, but not a call's.
                verify=self.connection.verify, proxies=self.connection.proxies,
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Offline(str(exc)) from None
        self._check_system(response.headers.get(SYSTEM_HEADER, ""))
        if response.status_code >= 400:
            try:
                body = ErrorBody.model_validate_json(response.content)
            except ValueError:
                body = ErrorBody(code=f"http_{response.status_code}",
                                 message=response.reason or "the server refused the request")
            raise ServerRefused(response.status_code, body)
        return bytes(response.content)

    def _check_system(self, kind: str) -> None:
        if self.training is not None and (kind == TRAINING_SYSTEM) != self.training:
            raise WrongSystem(training_profile=self.training)

    def meta(self) -> Meta:
        meta = Meta.model_validate_json(self._call("GET", "/v1/meta"))
        if self.training is not None and meta.training != self.training:
            raise WrongSystem(training_profile=self.training)
        return meta

    def login(self, *, username: str, password: str, device_id: str,
              device_name: str = "") -> LoginResponse:
        request = LoginRequest(protocol_version=PROTOCOL_VERSION, username=username,
                               password=password, device_id=device_id, device_name=device_name)
        answer = LoginResponse.model_validate_json(
            self._call("POST", "/v1/auth/login", json_body=request.model_dump(mode="json"))
        )
        self.token = answer.token
        return answer

    def push(self, request: PushRequest) -> PushResponse:
        if self.training is not None:
            self.meta()  # asked first: steps never reach a system of the other kind
        body = self._call("POST", "/v1/sync/push", json_body=request.model_dump(mode="json"))
        return PushResponse.model_validate_json(body)

    def pull(self, cursor: str, *, limit: int = DEFAULT_PULL_LIMIT) -> PullResponse:
        body = self._call("GET", "/v1/sync/pull", params={"cursor": cursor, "limit": limit})
        # Parse, then validate: from_json caches the strings a page repeats (keys, states,
        # authority ids), so this is ~30% faster on a 2,000-case page than
        # model_validate_json, with the same checks and the same ValueError on bad input.
        return PullResponse.model_validate(pydantic_core.from_json(body))

    def wait(self, cursor: str, *, timeout: float = WAIT_SECONDS) -> bool:
        body = self._call("GET", "/v1/sync/wait", params={"cursor": cursor, "timeout": timeout},
                          read_timeout=timeout + READ_TIMEOUT)
        return WaitResponse.model_validate_json(body).changed

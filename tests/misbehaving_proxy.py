"""A real HTTP server on 127.0.0.1 between a client and the sync server, that misbehaves on
demand: a 5xx, a connection reset (before or after the server applied the request), an answer
that never comes, an answer that is not JSON, a pull page whose last change is not a valid one
(``bad_row``: the rest of the page is the server's own). No mock of the client's transport:
the client talks HTTP to this, as it would to a broken proxy or a failing server.
"""

import collections
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests

FAULTS = ("500", "reset", "reset_after", "hang", "malformed", "bad_row")
# Request headers passed on to the server, and answer headers passed back (documents by
# content hash: ``/v1/blobs``).
FORWARDED = ("authorization", "content-type", "content-range", "range")
RETURNED = ("upload-offset", "upload-length", "upload-complete", "content-range",
            "accept-ranges")


class MisbehavingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self._lock = threading.Lock()
        # (fault, path prefix, matching requests to let pass first)
        self._faults: collections.deque[list[Any]] = collections.deque()
        self._released = threading.Event()
        self.seen: list[tuple[str, str, str]] = []  # (method, path, fault or "")
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def fail_next(self, fault: str, *, path: str = "/", times: int = 1, skip: int = 0) -> None:
        """The next ``times`` requests whose path starts with ``path`` get ``fault``, after
        ``skip`` such requests went through."""
        assert fault in FAULTS, fault
        with self._lock:
            self._faults.extend([fault, path, skip] for _ in range(times))

    def release(self) -> None:
        """Let every request held by ``hang`` go: their connections close unanswered."""
        self._released.set()

    def count(self, path: str, fault: str | None = None) -> int:
        with self._lock:
            return sum(1 for _m, p, f in self.seen
                       if p.startswith(path) and (fault is None or f == fault))

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def _take(self, method: str, path: str) -> str:
        with self._lock:
            fault = ""
            for index, (candidate, prefix, skip) in enumerate(self._faults):
                if path.startswith(prefix):
                    if skip:
                        self._faults[index][2] = skip - 1
                        break
                    fault = candidate
                    del self._faults[index]
                    break
            self.seen.append((method, path, fault))
            return fault


def _handler(proxy: MisbehavingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_PUT(self) -> None:
            self._serve()

        def do_HEAD(self) -> None:
            self._serve()

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = proxy._take(self.command, self.path)
            if fault == "hang":
                proxy._released.wait(60)
            if fault in ("reset", "hang"):
                self._reset()
            elif fault == "500":
                self._answer(500, b"Internal Server Error", "text/plain")
            elif fault == "malformed":
                self._answer(200, b'{"changes": [{"kind": "case", "id"', "application/json")
            else:
                self._forward(body, reset=fault == "reset_after", bad_row=fault == "bad_row")

        def _forward(self, body: bytes, *, reset: bool, bad_row: bool = False) -> None:
            forwarded = requests.request(
                self.command, proxy.upstream + self.path, data=body, timeout=60,
                headers={k: v for k, v in self.headers.items()
                         if k.lower() in FORWARDED})
            if reset:
                self._reset()  # the server applied it; the client never hears
                return
            content = forwarded.content
            if bad_row:
                last = content.rindex(b'"reason":null}')
                content = content[:last] + b'"reason":"lost"}' + content[last + 14:]
            self._answer(forwarded.status_code, content,
                         forwarded.headers.get("content-type", "application/json"),
                         {k: v for k, v in forwarded.headers.items() if k.lower() in RETURNED})

        def _answer(self, status: int, content: bytes, content_type: str,
                    headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        def _reset(self) -> None:
            # Linger 0: closing sends a TCP reset, as a crashed peer or a middlebox does.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

    return Handler

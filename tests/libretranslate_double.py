"""A real local HTTP server speaking the LibreTranslate API, for machine-translation tests.

Not a mock of our client: the server's ``LibreTranslate`` provider talks HTTP to it exactly as
to a real engine. ``mode`` makes it misbehave: ``"ok"`` translates (deterministically: the
target code in brackets before the text, so a test can tell the translation from the original),
``"slow"`` holds every answer until released (the caller's timeout fires first), ``"garbage"``
answers a page that is not JSON, ``"empty"`` JSON without a translation, ``"error"`` HTTP 500.
``close()`` stops it: the engine is down. Every ``/translate`` body received is kept.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# What /languages offers: every pair among these (LibreTranslate names Norwegian "nb").
OFFERED = ("de", "en", "fr", "hu")


class LibreTranslateDouble:
    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[dict[str, Any]] = []
        self.release = threading.Event()
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path != "/languages":
                    self._answer(404, {"error": "Not Found"})
                    return
                self._answer(200, [{"code": code, "name": code,
                                    "targets": [t for t in OFFERED if t != code]}
                                   for code in OFFERED])

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                if self.path != "/translate":
                    self._answer(404, {"error": "Not Found"})
                    return
                double.received.append(body)
                if double.mode == "slow":
                    double.release.wait(30)
                if double.mode == "garbage":
                    self._raw(200, b"<html><body>Service maintenance</body></html>", "text/html")
                elif double.mode == "empty":
                    self._answer(200, {"detectedLanguage": {"language": "de"}})
                elif double.mode == "error":
                    self._answer(500, {"error": "engine crashed"})
                else:
                    self._answer(200, {"translatedText": f"[{body['target']}] {body['q']}"})

            def _answer(self, status: int, data: object) -> None:
                self._raw(status, json.dumps(data).encode(), "application/json")

            def _raw(self, status: int, payload: bytes, content_type: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the caller gave up waiting (slow mode)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

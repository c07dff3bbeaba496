"""A ``TranslationProvider`` speaking the LibreTranslate HTTP API.

``GET /languages`` lists what the engine offers (kept for ``LANGUAGES_TTL``, so a pair it does
not offer is refused without sending the text); ``POST /translate`` with ``q``, ``source``,
``target``, ``format`` ("text": the free text is plain text, never HTML) and ``api_key``
answers ``{"translatedText": ...}``. LibreTranslate names Norwegian Bokmål ``nb``.
"""

import threading
import time
from typing import Any

import requests

from sync_server.translation.provider import ProviderFailed, TranslationSettings

LANGUAGES_TTL_S = 600.0
_ENGINE_CODES = {"no": "nb"}


class LibreTranslate:
    def __init__(self, settings: TranslationSettings) -> None:
        self._settings = settings
        self._base = settings.url.rstrip("/")
        self._lock = threading.Lock()
        self._offered: tuple[float, dict[str, frozenset[str]]] | None = None

    @property
    def name(self) -> str:
        return self._settings.engine_name

    def translate(self, text: str, *, source: str, target: str) -> str:
        src, dst = _ENGINE_CODES.get(source, source), _ENGINE_CODES.get(target, target)
        offered = self._languages()
        if dst not in offered.get(src, frozenset()):
            raise ProviderFailed("translation_language_unsupported",
                                 f"the engine does not translate {source} to {target}")
        body: dict[str, Any] = {"q": text, "source": src, "target": dst, "format": "text"}
        if self._settings.api_key:
            body["api_key"] = self._settings.api_key
        answer = self._call("POST", "/translate", body)
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str) or not translated.strip():
            raise ProviderFailed("translation_garbled", "the answer holds no translated text")
        return translated

    def _languages(self) -> dict[str, frozenset[str]]:
        with self._lock:
            if self._offered is not None and time.monotonic() - self._offered[0] < LANGUAGES_TTL_S:
                return self._offered[1]
        answer = self._call("GET", "/languages", None)
        offered: dict[str, frozenset[str]] = {}
        if not isinstance(answer, list):
            raise ProviderFailed("translation_garbled", "/languages is not a list")
        for entry in answer:
            if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
                raise ProviderFailed("translation_garbled", "/languages: an entry without a code")
            targets = entry.get("targets", [])
            if not isinstance(targets, list):
                raise ProviderFailed("translation_garbled", "/languages: targets not a list")
            offered[entry["code"]] = frozenset(t for t in targets if isinstance(t, str))
        with self._lock:
            self._offered = (time.monotonic(), offered)
        return offered

    def _call(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        timeout = self._settings.timeout_s
        try:
            response = requests.request(method, self._base + path, json=body,
                                        timeout=(min(timeout, 5.0), timeout))
        except requests.Timeout:
            raise ProviderFailed("translation_timeout", f"no answer within {timeout} s") from None
        except requests.RequestException as exc:
            raise ProviderFailed("translation_unavailable", type(exc).__name__) from None
        if response.status_code >= 400:
            raise ProviderFailed("translation_unavailable", f"HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError:
            raise ProviderFailed("translation_garbled", "the answer is not JSON") from None

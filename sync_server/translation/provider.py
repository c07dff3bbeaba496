"""The interface every machine-translation engine implements, and how it fails.

The server speaks to an engine only through ``TranslationProvider``: LibreTranslate's HTTP API
today (``libretranslate``); the Commission's eTranslation service can be added as another
implementation without touching the service or the routes. Every failure is one of three
kinds, each with its own code, so the reader is told what happened rather than "error".
"""

import dataclasses
from typing import Protocol


@dataclasses.dataclass(frozen=True, kw_only=True)
class TranslationSettings:
    """How the administrator configured the engine (``config.load_translation``)."""

    url: str
    engine_name: str = "LibreTranslate"
    api_key: str | None = None
    timeout_s: float = 15.0


class ProviderFailed(Exception):
    """The engine could not translate. ``code`` is a protocol code (``sync_protocol.errors``):

    - ``translation_unavailable``: not reachable, or it answered with an error status;
    - ``translation_timeout``: no answer within the configured time;
    - ``translation_garbled``: an answer that is not a translation (not JSON, no text, empty);
    - ``translation_language_unsupported``: the engine does not offer this pair.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


class TranslationProvider(Protocol):
    @property
    def name(self) -> str:
        """The engine's name, shown to readers beside every translation it made."""

    def translate(self, text: str, *, source: str, target: str) -> str:
        """``text`` (in ``source``) in ``target``; raises ``ProviderFailed``."""

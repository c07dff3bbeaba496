"""Finding an authority in one's own language, without knowing the other state's structure.

The search text of an authority holds its official name, its designation in the reader's
language, its country in the reader's language, region, city and competences (professions,
translated). Every word typed must occur in it.
"""

from collections.abc import Iterable
from typing import Any

from desktop import formatting
from desktop.labels import PROFESSIONS, label
from sync_protocol.languages import localized


def search_text(authority: dict[str, Any], language: str) -> str:
    """Everything a user might type to find an authority, in their language and the original."""
    return " ".join([
        authority["official_name"], localized(authority.get("designation") or {}, language),
        formatting.country_name(authority["member_state"]), authority["member_state"],
        authority.get("region", ""), authority.get("city", ""),
        " ".join(label(PROFESSIONS, c) for c in authority.get("competences", [])),
    ]).casefold()


class AuthoritySearch:
    """The authorities one may ask (not one's own), searchable by words in ``language``."""

    def __init__(self, authorities: Iterable[dict[str, Any]], *, my_authority: str,
                 language: str) -> None:
        self.language = language
        self._authorities = [a for a in authorities if a["id"] != my_authority]
        self._texts = {a["id"]: search_text(a, language) for a in self._authorities}

    def find(self, query: str, *, area: str) -> list[dict[str, Any]]:
        """The authorities competent in ``area`` whose search text holds every word typed."""
        words = query.casefold().split()
        return [a for a in self._authorities
                if area in a.get("areas", []) and all(w in self._texts[a["id"]] for w in words)]

    def get(self, authority_id: str) -> dict[str, Any] | None:
        return next((a for a in self._authorities if a["id"] == authority_id), None)

    def describe(self, authority: dict[str, Any]) -> tuple[str, str]:
        """Two lines for a list: official name and country; designation in the reader's
        language."""
        country = formatting.country_name(authority["member_state"])
        designation = localized(authority.get("designation") or {}, self.language)
        return f"{authority['official_name']} — {country}", designation

"""Finding an authority offline, as one types, in one's own language.

Every typed word must be satisfied by the authority in one of three ways:

- it names the authority's member state, in any language ("Ungarn", "Németország",
  "ungarische"; ``directory_terms.country_states``);
- it names one of the authority's competences, in any language, also inside a compound
  ("Zahnärztekammer", "fogorvos", "médecins"; ``directory_terms.CompetenceTerms``);
- its stem occurs in the authority's own texts: official name, designations and descriptions
  in every language, region and city (the replica's trigram index ``authority_text``).

A word that satisfies nothing is taken as a typo: the nearest known word at one edit (rapidfuzz)
stands in for it. Results are ranked by how many words named a competence or the country,
then by text relevance (bm25), then by name. Searches run on the database lane; the index of
authorities in memory is reloaded when ``directory_generation`` changes.
"""

import dataclasses
import heapq
import json
from collections.abc import Iterable
from typing import Any

from rapidfuzz import process
from rapidfuzz.distance import OSA

from desktop.models.directory_terms import (
    CompetenceTerms,
    Token,
    country_states,
    tokens,
    words,
)
from sync_protocol.directory import Competence
from sync_protocol.languages import localized

# Beyond this many results a list tells how many more there are instead of showing them.
RESULT_LIMIT = 60
_TYPO_MIN = 4
_MIN_WORD = 3
_RANKED_FROM = 5  # letters from which text matches are ranked by relevance


@dataclasses.dataclass(frozen=True, kw_only=True)
class Filters:
    """Narrowing a search: each one set must hold (empty string: any)."""

    member_state: str = ""
    region: str = ""
    area: str = ""
    competence: str = ""
    level: str = ""
    exclude: str = ""  # one's own authority, when choosing whom to ask


@dataclasses.dataclass(frozen=True, kw_only=True)
class DirectoryChoices:
    """What the filters offer: the controlled lists and the regions of each member state."""

    competences: list[Competence]
    regions: dict[str, list[str]]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Hit:
    """One result: the authority's entry and which typed words it met how."""

    authority: dict[str, Any]
    by_competence: int
    by_country: int
    matched_competences: tuple[str, ...]


@dataclasses.dataclass(frozen=True, kw_only=True)
class Results:
    query: str
    hits: tuple[Hit, ...]
    total: int
    corrected: tuple[tuple[str, str], ...] = ()  # (typed, taken as)


@dataclasses.dataclass(frozen=True)
class _Met:
    """What one typed word meets: authorities of the states it names, authorities competent
    for what it names, and authorities whose texts hold it (with their bm25)."""

    in_state: set[int]
    competent: set[int]
    text: dict[int, float]
    competences: frozenset[str]
    exact: bool
    every: frozenset[int] = frozenset()  # all of the above

    @classmethod
    def of(cls, *, in_state: set[int], competent: set[int], text: dict[int, float],
           competences: frozenset[str], exact: bool) -> "_Met":
        return cls(in_state, competent, text, competences, exact,
                   frozenset(in_state.union(competent, text)))

    def any(self) -> bool:
        return bool(self.every)

    def narrow(self, candidates: set[int]) -> set[int]:
        return candidates & self.every


@dataclasses.dataclass(frozen=True)
class _Entry:
    rowid: int
    id: str
    member_state: str
    official_name: str
    level: str
    region: str
    areas: frozenset[str]
    competences: frozenset[str]


class DirectoryIndex:
    """The replica's directory, searchable. Use it on the database lane only."""

    def __init__(self, connection: Any) -> None:
        self._db = connection
        self._generation: str | None = None
        self._entries: dict[int, _Entry] = {}
        self._by_state: dict[str, set[int]] = {}
        self._by_competence: dict[str, set[int]] = {}
        self._terms = CompetenceTerms(())
        self._competences: dict[str, Competence] = {}
        self._vocabulary: list[str] = []
        self._text_hits: dict[str, dict[int, float]] = {}
        self._met: dict[Token, _Met] = {}
        self._filter_cache: dict[Filters, set[int]] = {}
        self._by_id: dict[str, int] = {}
        self._by_name: list[int] = []
        self._name_rank: dict[int, int] = {}

    # -- loading -----------------------------------------------------------------------------

    def _fresh(self) -> None:
        row = self._db.execute(
            "SELECT value FROM meta WHERE key = 'directory_generation'").fetchone()
        generation = str(row[0]) if row else ""
        if generation == self._generation:
            return
        self._load()
        self._generation = generation

    def _load(self) -> None:
        self._competences = {
            c.code: c for c in (Competence.model_validate_json(r[0]) for r in self._db.execute(
                "SELECT data FROM competences ORDER BY area, rowid"))}
        self._terms = CompetenceTerms(self._competences.values())
        entries: dict[int, _Entry] = {}
        by_state: dict[str, set[int]] = {}
        by_competence: dict[str, set[int]] = {}
        vocabulary: set[str] = set(self._terms.vocabulary())
        rows = self._db.execute(
            "SELECT a.rowid, a.id, a.member_state, a.official_name, "
            "json_extract(a.data, '$.level'), json_extract(a.data, '$.region'), "
            "json_extract(a.data, '$.areas'), json_extract(a.data, '$.competences'), "
            "t.official_name || ' ' || t.designation, t.places "
            "FROM authorities a JOIN authority_text t ON t.rowid = a.rowid")
        for rowid, aid, state, name, level, region, areas, competences, names, places in rows:
            entry = _Entry(rowid, aid, state, name, level or "", region or "",
                           frozenset(json.loads(areas or "[]")),
                           frozenset(json.loads(competences or "[]")))
            entries[rowid] = entry
            by_state.setdefault(state, set()).add(rowid)
            for code in entry.competences:
                by_competence.setdefault(code, set()).add(rowid)
            vocabulary.update(w for w in f"{names} {places}".split() if len(w) >= _TYPO_MIN)
        self._entries, self._by_state, self._by_competence = entries, by_state, by_competence
        self._vocabulary = sorted(vocabulary)
        self._text_hits, self._met, self._filter_cache = {}, {}, {}
        self._by_id = {e.id: r for r, e in entries.items()}
        self._by_name = sorted(entries, key=lambda r: entries[r].official_name.casefold())
        self._name_rank = {r: n for n, r in enumerate(self._by_name)}
        country_states(Token("", ""))  # the country names of 26 languages, read once now

    # -- what the filters offer ----------------------------------------------------------------

    def competence_list(self) -> list[Competence]:
        self._fresh()
        return list(self._competences.values())

    def regions_by_state(self) -> dict[str, list[str]]:
        self._fresh()
        regions: dict[str, set[str]] = {}
        for entry in self._entries.values():
            if entry.region:
                regions.setdefault(entry.member_state, set()).add(entry.region)
        return {state: sorted(names) for state, names in regions.items()}

    # -- searching -----------------------------------------------------------------------------

    def search(self, query: str, *, language: str, filters: Filters = Filters(),
               limit: int = RESULT_LIMIT) -> Results:
        self._fresh()
        candidates = self._filtered(filters)
        met: list[_Met] = []
        corrected: list[tuple[str, str]] = []
        typed = tokens(query, language)
        # Short words ("cu", "de", "of") are skipped beside longer ones: they name nothing.
        if any(len(t.word) >= _MIN_WORD for t in typed):
            typed = [t for t in typed if len(t.word) >= _MIN_WORD]
        for token in typed:
            found = self._satisfying(token)
            if not found.any() and len(token.word) >= _TYPO_MIN:
                replacement = self._nearest(token)
                if replacement is not None:
                    corrected.append((token.word, replacement))
                    found = self._satisfying(Token(replacement, replacement))
            candidates = found.narrow(candidates)
            met.append(found)
        if not met:  # nothing typed: by name, the order kept since loading
            ranked = [r for r in self._by_name if r in candidates]
            hits = tuple(Hit(authority=self._authority(r), by_competence=0, by_country=0,
                             matched_competences=()) for r in ranked[:limit])
            return Results(query=query, hits=hits, total=len(ranked))
        # Words that named a competence or the country count first (an exact name twice a
        # name being typed), then text relevance (bm25, lower is better), then the name.
        competence: dict[int, int] = {}
        country: dict[int, int] = {}
        relevance: dict[int, float] = {}
        for found in met:
            weight = 2 if found.exact else 1
            for r in found.competent & candidates:
                competence[r] = competence.get(r, 0) + weight
            for r in found.in_state & candidates:
                country[r] = country.get(r, 0) + weight
            for r, score in found.text.items():
                relevance[r] = relevance.get(r, 0.0) + score
        rank = self._name_rank
        boosted = competence.keys() | country.keys()
        ranked = heapq.nsmallest(limit, boosted, key=lambda r: (
            -competence.get(r, 0) - country.get(r, 0), -competence.get(r, 0),
            relevance.get(r, 0.0), rank[r]))
        if len(ranked) < limit:  # then text matches alone; by name when none is ranked
            rest = candidates - boosted
            ranked += heapq.nsmallest(
                limit - len(ranked), rest,
                key=(lambda r: (relevance.get(r, 0.0), rank[r])) if any(relevance.values())
                else rank.__getitem__)
        hits = tuple(Hit(authority=self._authority(r), by_competence=competence.get(r, 0),
                         by_country=country.get(r, 0), matched_competences=tuple(sorted(
                             set().union(*(f.competences for f in met if r in f.competent))
                             & self._entries[r].competences)))
                     for r in ranked)
        return Results(query=query, hits=hits, total=len(candidates),
                       corrected=tuple(corrected))

    def _filtered(self, filters: Filters) -> set[int]:
        key = dataclasses.replace(filters, exclude="")
        chosen = self._filter_cache.get(key)
        if chosen is None:
            rows: Iterable[_Entry] = self._entries.values()
            if filters.member_state:
                rows = (self._entries[r] for r in self._by_state.get(filters.member_state, ()))
            chosen = {
                e.rowid for e in rows
                if (not filters.region or e.region == filters.region)
                and (not filters.area or filters.area in e.areas)
                and (not filters.competence or filters.competence in e.competences)
                and (not filters.level or e.level == filters.level)
            }
            if len(self._filter_cache) > 64:
                self._filter_cache.clear()
            self._filter_cache[key] = chosen
        excluded = self._by_id.get(filters.exclude)
        return chosen - {excluded} if excluded is not None else set(chosen)

    def _satisfying(self, token: Token) -> "_Met":
        """The authorities whose country, competences or texts meet ``token`` (remembered per
        token: typing on repeats the words before)."""
        found = self._met.get(token)
        if found is None:
            country = country_states(token)
            meaning = self._terms.meaning(token)
            in_state = {r for s in country.states for r in self._by_state.get(s, ())}
            competent = {r for c in meaning.competences for r in self._by_competence.get(c, ())}
            found = _Met.of(in_state=in_state, competent=competent, text=self._text(token),
                         competences=meaning.competences, exact=meaning.exact or country.exact)
            if len(self._met) > 512:
                self._met.clear()
            self._met[token] = found
        return found

    def _text(self, token: Token) -> dict[int, float]:
        """rowid -> bm25 (lower is better) of the authorities whose texts hold the token's stem
        (its beginning: trigrams need three letters)."""
        needle = token.stem if len(token.stem) >= 3 else token.word
        if len(needle) < 3:
            return {}
        cached = self._text_hits.get(needle)
        if cached is None:
            phrase = '"' + needle.replace('"', '""') + '"'
            if len(needle) < _RANKED_FROM:
                # The first letters of a word match thousands: bm25 for each would cost more
                # than the whole rest of the search, and rank little; name order does.
                cached = dict.fromkeys((r for (r,) in self._db.execute(
                    "SELECT rowid FROM authority_text WHERE authority_text MATCH ?",
                    (phrase,))), 0.0)
            else:
                cached = {int(r): float(s) for r, s in self._db.execute(
                    "SELECT rowid, bm25(authority_text, 8.0, 3.0, 1.0, 2.0) "
                    "FROM authority_text WHERE authority_text MATCH ?", (phrase,))}
            if len(self._text_hits) > 512:
                self._text_hits.clear()
            self._text_hits[needle] = cached
        return cached

    def _nearest(self, token: Token) -> str | None:
        """The known word one edit (or one swap of neighbours) away from the typed word or its
        stem (a typo), if there is one."""
        for typed in dict.fromkeys((token.word, token.stem)):
            best = process.extractOne(typed, self._vocabulary, scorer=OSA.distance,
                                      score_cutoff=1)
            if best is not None:
                return str(best[0])
        return None

    def _authority(self, rowid: int) -> dict[str, Any]:
        row = self._db.execute("SELECT data FROM authorities WHERE rowid = ?",
                               (rowid,)).fetchone()
        return dict(json.loads(row[0]))


def competence_labels(competences: dict[str, Competence], codes: Iterable[str],
                      language: str) -> list[str]:
    """The labels of ``codes`` in ``language`` (a code the lists do not have, as is)."""
    return [localized(competences[c].labels, language) if c in competences else c
            for c in codes]


__all__ = ["DirectoryChoices", "DirectoryIndex", "Filters", "Hit", "Results",
           "competence_labels", "words"]

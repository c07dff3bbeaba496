"""What a typed word can name in the directory, in any of the 26 languages.

A word can name a member state ("Ungarn", "Németország", "Autriche", or the adjective
"ungarische" through the language name "Ungarisch"), a competence from the controlled lists
("Zahnärzte", "fogorvos", "médecins", also inside compounds like "Zahnärztekammer"), or
neither (then only the authorities' own texts can match it). Words are folded (case and
accents) and stemmed with the Snowball stemmer of the reader's language.
"""

import bisect
import dataclasses
import functools
import re
from collections.abc import Iterable

import Stemmer
from babel import Locale

from desktop.models.folding import fold
from sync_protocol.directory import EEA_STATES, Competence
from sync_protocol.languages import LANGUAGES, babel_locale

# The Snowball stemmers there are for the catalogue languages; Croatian shares Serbian's
# (Latin script) inflection. The others are matched by their folded form and by prefix.
_SNOWBALL = {
    "cs": "czech", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "et": "estonian", "fi": "finnish", "fr": "french", "ga": "irish",
    "hr": "serbian", "hu": "hungarian", "it": "italian", "lt": "lithuanian", "nl": "dutch",
    "no": "norwegian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "sv": "swedish",
}
# The member state a language's adjective names ("ungarische" -> Hungarian -> HU).
_STATE_OF_LANGUAGE = {
    "bg": "BG", "cs": "CZ", "da": "DK", "de": "DE", "el": "GR", "es": "ES", "et": "EE",
    "fi": "FI", "fr": "FR", "ga": "IE", "hr": "HR", "hu": "HU", "it": "IT", "lt": "LT",
    "lv": "LV", "mt": "MT", "nl": "NL", "pl": "PL", "pt": "PT", "ro": "RO", "sk": "SK",
    "sl": "SI", "sv": "SE", "is": "IS", "no": "NO",
}
_WORD = re.compile(r"\w+")
# Shorter words are only matched whole, never inside another word.
_MIN_INSIDE = 5
_MIN_PREFIX = 3


def words(text: str) -> list[str]:
    """The folded words of ``text``."""
    return _WORD.findall(fold(text) or "")


@functools.cache
def _stemmer(language: str) -> "Stemmer.Stemmer | None":
    algorithm = _SNOWBALL.get(language)
    return Stemmer.Stemmer(algorithm) if algorithm else None


def stem(word: str, language: str) -> str:
    """``word`` (case-folded, accents kept) stemmed in ``language``, then folded."""
    stemmer = _stemmer(language)
    stemmed = stemmer.stemWord(word) if stemmer is not None else word
    return fold(stemmed) or ""


@dataclasses.dataclass(frozen=True)
class Token:
    """A typed word: folded as typed (``word``) and its folded stem (``stem``)."""

    word: str
    stem: str


def tokens(query: str, language: str) -> list[Token]:
    return [Token(word=fold(w) or "", stem=stem(w, language))
            for w in _WORD.findall(query.casefold())]


@dataclasses.dataclass(frozen=True)
class Meaning:
    """What one token names: member states and competences, each found ``exact`` (a whole
    word, a stem, a compound) or only as the beginning of a word being typed."""

    states: frozenset[str] = frozenset()
    competences: frozenset[str] = frozenset()
    exact: bool = False


@dataclasses.dataclass(frozen=True)
class _CountryNames:
    """Country and language names of every catalogue language, folded, arranged for lookups:

    - ``roots``: a word beginning with one of these names the state ("németországi",
      "ungarische": a country's name less its last letter, a language's name likewise);
    - ``stems``: a stem that a country's name begins with, at most two letters short
      ("ungar" of "Ungarn");
    - ``ordered``: every country name, sorted, for names that begin with what is being typed.
    """

    roots: dict[str, frozenset[str]]
    stems: dict[str, frozenset[str]]
    ordered: tuple[tuple[str, str], ...]


@functools.cache
def _country_names() -> _CountryNames:
    roots: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}
    ordered: set[tuple[str, str]] = set()
    for language in LANGUAGES:
        locale = Locale.parse(babel_locale(language))
        for state in EEA_STATES:
            name = fold(locale.territories.get(state, "")) or ""
            if not name:
                continue
            first = name.split()[0]
            ordered.add((name, state))
            if " " in name:  # "Česká republika": its first word, whole
                if len(first) >= _MIN_INSIDE:
                    roots.setdefault(first, set()).add(state)
                continue
            roots.setdefault(name[:-1] if len(name) >= _MIN_INSIDE else name,
                             set()).add(state)
            for cut in range(len(name) - 2, len(name) + 1):
                if cut >= 4:
                    stems.setdefault(name[:cut], set()).add(state)
        for lang, state in _STATE_OF_LANGUAGE.items():
            name = fold(locale.languages.get("nb" if lang == "no" else lang, "")) or ""
            if len(name) >= _MIN_INSIDE and " " not in name:
                roots.setdefault(name[:-1], set()).add(state)
    return _CountryNames(roots={k: frozenset(v) for k, v in roots.items()},
                         stems={k: frozenset(v) for k, v in stems.items()},
                         ordered=tuple(sorted(ordered)))


@functools.lru_cache(maxsize=4096)
def country_states(token: Token) -> Meaning:
    """The member states ``token`` names: a country's name (or its start while typing, or a
    longer word built on it: "németországi"), or a language's adjective ("ungarische")."""
    names = _country_names()
    exact: set[str] = set(names.stems.get(token.stem, ()))
    word = token.word
    for end in range(1, len(word) + 1):
        exact.update(names.roots.get(word[:end], ()))
    if exact:
        return Meaning(states=frozenset(exact), exact=True)
    prefix: set[str] = set()
    if len(word) >= _MIN_PREFIX:
        at = bisect.bisect_left(names.ordered, (word, ""))
        while at < len(names.ordered) and names.ordered[at][0].startswith(word):
            prefix.add(names.ordered[at][1])
            at += 1
    return Meaning(states=frozenset(prefix))


class CompetenceTerms:
    """The controlled lists' labels in every language, as words to match typed words against."""

    def __init__(self, competences: Iterable[Competence]) -> None:
        # (folded word, its stem, competence code, whether the word is the whole label)
        self._terms: list[tuple[str, str, str, bool]] = []
        for competence in competences:
            seen: set[str] = set()
            for language, label in competence.labels.items():
                label_words = _WORD.findall(label.casefold())
                for word in label_words:
                    folded = fold(word) or ""
                    if len(folded) < 3 or folded in seen:
                        continue
                    seen.add(folded)
                    self._terms.append((folded, stem(word, language), competence.code,
                                        len(label_words) == 1))

    def vocabulary(self) -> set[str]:
        return {word for word, _, _, _ in self._terms}

    def meaning(self, token: Token) -> Meaning:
        """The competences ``token`` names. A whole word, its stem, or a compound that holds a
        label ("Zahnärztekammer") counts as exact, and the longest label found wins, so
        "fogorvos" (dentist) is not also "orvos" (doctor), and a word that is a whole label
        beats the same word inside a longer one; otherwise labels that begin with
        what is being typed."""
        best, exact = 0.0, set[str]()
        prefix: set[str] = set()
        word, stemmed = token.word, token.stem
        for term, term_stem, code, whole in self._terms:
            found = 0.0
            if word == term or stemmed in (term_stem, term):
                # "lekarz" is the whole label of doctor, one word of "lekarz dentysta"
                found = len(term) + (1.5 if whole else 1)
            elif (word.startswith(term) and len(term) >= 4) or (
                    len(term) >= _MIN_INSIDE and term in word):
                found = len(term)
            if found:
                if found > best:
                    best, exact = found, {code}
                elif found == best:
                    exact.add(code)
            elif len(word) >= _MIN_PREFIX and term.startswith(word):
                prefix.add(code)
        if exact:
            return Meaning(competences=frozenset(exact), exact=True)
        return Meaning(competences=frozenset(prefix))

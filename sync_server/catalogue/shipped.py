"""The catalogue shipped with the server: one folder per legislative area under ``seed/catalogue``.

Each folder holds ``structure.json`` (the area's question sets: versions, sections, questions,
answer types and answer codes, no text) and one ``<language>.json`` per language: a flat map
from a code to its text in that language, the way a translator works (``PQ`` is the area's
name, ``PQ-GEN`` the set's, ``PQ-S1`` a section's, ``PQ-GEN-Q01`` a question's,
``PQ-GEN-Q01.help`` its help text, ``PQ-GEN-Q01-A3`` an answer's). An answer that is a plain
"yes" or "no" names the shared text (``"text": "yes"``) instead of repeating it per question.

``shipped_catalogue`` puts these together into the one ``CatalogueFile`` the server loads, with
the question sets of earlier releases (``question_set_pq.json``: PQ-GEN version 1, which cases
made with it keep using).
"""

import functools
import json
from pathlib import Path
from typing import Any

from sync_protocol.catalogue import CatalogueFile

SEED_DIR = Path(__file__).parents[1] / "seed"
AREAS_DIR = SEED_DIR / "catalogue"
EARLIER_SETS_FILE = SEED_DIR / "question_set_pq.json"
HELP_SUFFIX = ".help"


def area_folders() -> list[Path]:
    return sorted(p for p in AREAS_DIR.iterdir() if (p / "structure.json").is_file())


def language_texts(folder: Path) -> dict[str, dict[str, str]]:
    """Every language file of an area folder: language -> code -> text."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(folder.glob("*.json")) if path.stem != "structure"}


def text_keys(structure: dict[str, Any]) -> list[str]:
    """The keys a language file of this area must have, in the order of the structure."""
    keys = [structure["area"]]
    shared: set[str] = set()
    for qs in structure["question_sets"]:
        keys += [qs["code"], *qs.get("sections", [])]
        for question in qs["questions"]:
            keys += [question["code"], question["code"] + HELP_SUFFIX]
            for answer in question.get("answers", []):
                if "text" in answer:
                    shared.add(answer["text"])
                else:
                    keys.append(answer["code"])
    return keys + sorted(shared)


def area_catalogue(folder: Path) -> dict[str, Any]:
    """The area and its question sets as catalogue data (``CatalogueFile`` fields)."""
    structure = json.loads((folder / "structure.json").read_text(encoding="utf-8"))
    texts = language_texts(folder)
    known = set(text_keys(structure))
    for lang, mapping in texts.items():
        stray = sorted(set(mapping) - known)
        if stray:
            raise ValueError(f"{folder.name}/{lang}.json: unknown keys {', '.join(stray)}")

    def text_map(key: str) -> dict[str, str]:
        return {lang: mapping[key] for lang, mapping in texts.items() if key in mapping}

    def question(q: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": q["code"], "section": q.get("section"), "texts": text_map(q["code"]),
            "help": text_map(q["code"] + HELP_SUFFIX),
            "answer_type": q.get("answer_type", "single_choice"),
            "free_text": q.get("free_text", True),
            "answers": [{"code": a["code"], "texts": text_map(a.get("text", a["code"]))}
                        for a in q.get("answers", [])],
        }

    return {
        "areas": [{"code": structure["area"], "names": text_map(structure["area"])}],
        "question_sets": [
            {"code": qs["code"], "area": structure["area"], "version": qs["version"],
             "names": text_map(qs["code"]),
             "sections": [{"code": s, "texts": text_map(s)} for s in qs.get("sections", [])],
             "questions": [question(q) for q in qs["questions"]]}
            for qs in structure["question_sets"]
        ],
    }


@functools.cache
def shipped_catalogue() -> CatalogueFile:
    """Every area and question set the server ships, earlier versions first. Read and
    validated once per process (the files ship with the code; the model is frozen): seeding
    asks for it once per case, and validating every text costs a fraction of a second."""
    earlier = json.loads(EARLIER_SETS_FILE.read_text(encoding="utf-8"))
    areas: list[dict[str, Any]] = []
    sets: list[dict[str, Any]] = list(earlier["question_sets"])
    for folder in area_folders():
        data = area_catalogue(folder)
        areas += data["areas"]
        sets += data["question_sets"]
    return CatalogueFile.model_validate({"format": 1, "areas": areas, "question_sets": sets})

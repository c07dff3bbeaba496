# ruff: noqa: E501 (the tables below read best one language a line)
"""A realistic directory for the search benchmark: N authorities across the 30 EEA states.

Most authorities are municipalities (as in the real IMI, where local authorities handle the
Services area), then regional chambers and offices for the professions, registers, and a few
national bodies. Official names are in the state's own language(s) (all 26 catalogue
languages occur), designations in English and the state's language, and competences come from
the shipped controlled lists. Deterministic for a given seed.
"""

import json
import random
from pathlib import Path
from typing import Any

SEED_DIR = Path(__file__).resolve().parent.parent / "sync_server" / "seed"

# state -> its languages (the first names its authorities)
STATE_LANGUAGES = {
    "AT": ("de",), "BE": ("fr", "nl"), "BG": ("bg",), "CY": ("el",), "CZ": ("cs",),
    "DE": ("de",), "DK": ("da",), "EE": ("et",), "ES": ("es",), "FI": ("fi",), "FR": ("fr",),
    "GR": ("el",), "HR": ("hr",), "HU": ("hu",), "IE": ("en", "ga"), "IT": ("it",),
    "LT": ("lt",), "LU": ("fr", "de"), "LV": ("lv",), "MT": ("mt", "en"), "NL": ("nl",),
    "PL": ("pl",), "PT": ("pt",), "RO": ("ro",), "SE": ("sv",), "SI": ("sl",), "SK": ("sk",),
    "IS": ("is",), "LI": ("de",), "NO": ("no",),
}
# language -> (municipality of {p}, chamber of {x} {p}, register {p}, office {p})
NAMES = {
    "bg": ("Община {p}", "Регионална колегия {x} {p}", "Търговски регистър {p}", "Областна администрация {p}"),
    "cs": ("Obec {p}", "Okresní komora {x} {p}", "Živnostenský úřad {p}", "Krajský úřad {p}"),
    "da": ("{p} Kommune", "Kredsforening {x} {p}", "Erhvervsregister {p}", "Regionskontor {p}"),
    "de": ("Gemeinde {p}", "Bezirkskammer {x} {p}", "Gewerbeamt {p}", "Landratsamt {p}"),
    "el": ("Δήμος {p}", "Σύλλογος {x} {p}", "Επιμελητήριο {p}", "Περιφερειακή Ενότητα {p}"),
    "en": ("{p} County Council", "{x} Board {p}", "Local Enterprise Office {p}", "{p} Regional Office"),
    "es": ("Ayuntamiento de {p}", "Colegio Oficial de {x} de {p}", "Registro Mercantil de {p}", "Delegación Territorial de {p}"),
    "et": ("{p} vald", "{x} koda {p}", "{p} ettevõtlusregister", "{p} maavalitsus"),
    "fi": ("{p} kunta", "{x} alueyhdistys {p}", "{p} kaupparekisteri", "{p} aluehallintovirasto"),
    "fr": ("Commune de {p}", "Conseil départemental de l'Ordre {x} {p}", "Greffe du tribunal de commerce de {p}", "Préfecture de {p}"),
    "ga": ("Comhairle Contae {p}", "Bord {x} {p}", "Oifig Fiontair Áitiúil {p}", "Oifig Réigiúnach {p}"),
    "hr": ("Općina {p}", "Županijska komora {x} {p}", "Trgovački sud u {p}", "Ured državne uprave {p}"),
    "hu": ("{p} Község Önkormányzata", "{x} Területi Kamara {p}", "{p} Járási Hivatal", "{p} Vármegyei Kormányhivatal"),
    "it": ("Comune di {p}", "Ordine provinciale {x} di {p}", "Camera di Commercio di {p}", "Prefettura di {p}"),
    "lt": ("{p} rajono savivaldybė", "{x} rūmai {p}", "{p} registrų skyrius", "{p} apskrities tarnyba"),
    "lv": ("{p} novada pašvaldība", "{x} biedrība {p}", "{p} uzņēmumu reģistrs", "{p} reģionālā pārvalde"),
    "mt": ("Kunsill Lokali {p}", "Kamra tal-{x} {p}", "Reġistru tan-Negozju {p}", "Uffiċċju Reġjonali {p}"),
    "nl": ("Gemeente {p}", "Regionale kamer {x} {p}", "Kamer van Koophandel {p}", "Provincie {p}"),
    "pl": ("Gmina {p}", "Okręgowa Izba {x} w {p}", "Wydział Gospodarczy KRS w {p}", "Urząd Wojewódzki w {p}"),
    "pt": ("Câmara Municipal de {p}", "Secção Regional da Ordem dos {x} de {p}", "Conservatória do Registo Comercial de {p}", "Comissão de Coordenação de {p}"),
    "ro": ("Primăria {p}", "Colegiul {x} {p}", "Oficiul Registrului Comerțului {p}", "Prefectura {p}"),
    "sk": ("Obec {p}", "Regionálna komora {x} {p}", "Okresný úrad {p} – živnostenský register", "Vyšší územný celok {p}"),
    "sl": ("Občina {p}", "Regijska zbornica {x} {p}", "Izpostava AJPES {p}", "Upravna enota {p}"),
    "sv": ("{p} kommun", "{x}förbundet {p}", "Företagsregistret {p}", "Länsstyrelsen {p}"),
    "is": ("Sveitarfélagið {p}", "Félag {x} {p}", "Fyrirtækjaskrá {p}", "Sýsluskrifstofa {p}"),
    "no": ("{p} kommune", "{x}foreningen {p}", "Foretaksregisteret {p}", "Statsforvalteren i {p}"),
}  # fmt: skip
# Syllables place names are built from, per language (a realistic spread of letters).
SYLLABLES = {
    "bg": "бе ла во ри ко ст ра дин ни ка се", "cs": "br no kra lo va ho tice ov ice ná",
    "da": "ha der by lev sted rup borg ring kø hol", "de": "neu bach dorf heim berg stadt feld ober wald au",
    "el": "κα λα μα τα ρι νο πο λη θε σσα", "en": "bally kil more glen don ross ford wick ton shire",
    "es": "val la dol ri ja san to se go via", "et": "pä rnu vil ja ta ra ku kü la saa",
    "fi": "jär vi kos ki lah ti ta lo jo en su", "fr": "mont ville saint bourg lac sur val ne ris",
    "ga": "bail e cill dún ros ach mór ard na", "hr": "vara ždin sla vo ni ja za dar ko rić",
    "hu": "ke cs ke mét szé kes fe hér vár ka po", "it": "mon te ca stel la no fio ren za vi",
    "lt": "kau nas pa ne vė žys šiau liai tel šiai", "lv": "jel ga va lie pā ja cē sis ta ls",
    "mt": "bir kir ka ħal qor mi żeb bu ġ naxx", "nl": "drecht dam hui zen wijk berg ven lo ter",
    "pl": "wło cła wek grudz iądz ko szal in pi ła", "pt": "vi la no va gai a bra ga ma ia",
    "ro": "cra io va ti mi șoa ra bra șov ia și", "sk": "ko ši ce pre šov ni tra ži li na",
    "sl": "kra nj ce lje ma ri bor ko per no vo", "sv": "sunds vall ö ster sund vä ster ås lin",
    "is": "ísa fjörð ur sel foss hús avík bor gar", "no": "trom sø bo dø mol de ha mar lil",
}


def _place(rng: random.Random, language: str) -> str:
    parts = SYLLABLES[language].split()
    return "".join(rng.choice(parts) for _ in range(rng.randint(2, 3))).capitalize()


def generate(count: int, *, seed: int = 8) -> list[dict[str, Any]]:
    """``count`` authority entries in ``add_authority``'s shape (ids ``gen-XX-N``)."""
    rng = random.Random(seed)
    lists = json.loads((SEED_DIR / "competences.json").read_text(encoding="utf-8"))
    professions = [c for c in lists["competences"] if c["area"] == "PQ"]
    activities = [c["code"] for c in lists["competences"] if c["area"] == "SERV"]
    states = sorted(STATE_LANGUAGES)
    out = []
    for n in range(count):
        state = states[n % len(states)]
        language = rng.choice(STATE_LANGUAGES[state])
        place = _place(rng, language)
        region = _place(rng, language)
        kind = rng.choices(("municipality", "chamber", "register", "office"), (70, 15, 8, 7))[0]
        names = NAMES[language]
        if kind == "municipality":
            name, level = names[0].format(p=place), "local"
            competences = rng.sample(activities, rng.randint(1, 4))
        elif kind == "chamber":
            profession = rng.choice(professions)
            name = names[1].format(x=profession["labels"][language], p=place)
            level, competences = "regional", [profession["code"]]
        elif kind == "register":
            name, level = names[2].format(p=place), "regional"
            competences = ["business_registration", "business_services"]
        else:
            name, level = names[3].format(p=region), "regional"
            competences = [p["code"] for p in rng.sample(professions, 3)] + rng.sample(
                activities, 2)
        designation = {"en": f"{kind.capitalize()} {place} ({state})"}
        if rng.random() < 0.3:
            designation[language] = name
        out.append({
            "id": f"gen-{state}-{n}", "member_state": state, "official_name": name,
            "designation": designation,
            "description": {"en": f"Competent {kind} for {place} in the region of {region}."},
            "region": region, "level": level, "city": place,
            "email": f"info{n}@{state.lower()}.example", "phone": f"+00 {n:07d}",
            "competences": competences,
        })
    return out

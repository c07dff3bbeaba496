"""The gallery's data: the demo server's exchanges, as two officers' replicas hold them.

A real server process with demo data (``desktop.local_server``), two real profiles synced
from it, and a few steps taken the way officers take them, so every screen has something to
show: an answer accepted after three hours offline (the history shows both times), an
accept and an answer taken offline on a request the other side withdrew meanwhile (two
refusals under *Needs attention*, with the answers entered in full), and a request with the
whole workflow in it: another answer date proposed, a question split off to another
authority, further information asked and given, a comment, and a request for information that
waits on Anna.
"""

import contextlib
import dataclasses
import datetime as dt
import shutil
import sqlite3
import uuid
from pathlib import Path

from desktop import local_server
from desktop.models import account, attachments, case_list, cases
from desktop.models.attachment_files import inspect_file
from desktop.models.case_list import ListQuery
from desktop.models.db_lane import InlineLane
from desktop.models.replica import Replica
from desktop.models.request_form import today
from desktop.models.sync_engine import SyncEngine
from desktop.models.transport import Transport

PASSWORD = "imi-demo"  # every demo user's (sync_server.seed.DEMO_PASSWORD)
PASSPHRASE = "gallery-passphrase"  # protects the gallery's throwaway profiles
# The third is a coordinator (the Bavarian SDIMIC): its approval queue.
OFFICERS = ("de.weber", "hu.kovacs", "by.hofmann")
# Files an officer attaches (a scanned diploma, a letter), beside the profiles.
DOCUMENTS = "documents"
# A file the picker refuses (an installer), to show the reason.
REFUSED_DOCUMENT = "setup.exe"


@dataclasses.dataclass
class Officer:
    replica: Replica
    engine: SyncEngine
    url: str

    def sync(self) -> None:
        self.engine.sync()

    def offline(self) -> None:
        self.engine.transport.base_url = f"http://127.0.0.1:{local_server.free_port()}"

    def online(self) -> None:
        self.engine.transport.base_url = self.url

    def close(self) -> None:
        self.engine.transport.close()
        self.replica.close()


def _officer(url: str, username: str, path: Path) -> Officer:
    profile, _key, replica = account.set_up(path, server_url=url, username=username,
                                            password=PASSWORD, passphrase=PASSPHRASE)
    engine = SyncEngine(transport=Transport(url, token=replica.get_meta("token")),
                        device_id=profile.device_id, db=InlineLane(replica))
    officer = Officer(replica=replica, engine=engine, url=url)
    officer.sync()
    return officer


def _find(replica: Replica, family_name: str) -> str:
    for row in case_list.page(replica, ListQuery(folder="all", text=family_name),
                               after=None, limit=1000):
        if row[1].startswith(family_name.upper()):
            return str(row[0])
    raise LookupError(f"no demo case about {family_name}")


def prepare(base: Path, *, seed: Path | None = None) -> dict[str, Path]:
    """Make the profiles under ``base``; return each officer's profile directory. ``seed``:
    a server data folder just initialised with the demo data, copied instead of seeding."""
    server_dir = base / "server"
    if seed is None:
        local_server.init(server_dir, demo=True)
    else:
        server_dir.mkdir()
        shutil.copy(seed / "server.key", server_dir)
        with contextlib.closing(sqlite3.connect(seed / "imi.db")) as source, \
                contextlib.closing(sqlite3.connect(server_dir / "imi.db")) as copy:
            source.backup(copy)
    process, url = local_server.start(server_dir)
    try:
        de, hu, coordinator = (_officer(url, name, base / name) for name in OFFICERS)
        try:
            _offline_accept_reply(de)
            _refused_answer(de, hu)
            _conversation(de, hu)
            _with_documents(de, hu, base / DOCUMENTS)
        finally:
            de.close()
            hu.close()
            coordinator.close()
    finally:
        local_server.stop(process)
    return {name: base / name for name in OFFICERS}


def _offline_accept_reply(de: Officer) -> None:
    # Anna accepted the answer about Tóth Gábor on the train, three hours before she was back.
    case_id = _find(de.replica, "Tóth")
    cases.perform(de.replica, name="case.accept_reply", args={"case_id": case_id},
                  now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3))
    de.sync()


def _refused_answer(de: Officer, hu: Officer) -> None:
    case_id = uuid.uuid4().hex
    qs = de.replica.question_sets("PQ")[0]
    asked = [q for q in qs.questions if q.is_choice][:3]
    questions = [q.code for q in asked]
    cases.perform(de.replica, name="case.create", args={
        "case_id": case_id, "area": qs.area, "question_set": qs.code,
        "question_set_version": qs.version, "responder_authority_id": "HU-ENKK",
        "subject": {"family_name": "Kiss", "given_names": "Ádám", "profession": "dentist",
                    "date_of_birth": "1986-04-12",
                    "qualification": "Fogorvos, Semmelweis Egyetem, 2011"},
        "questions": questions,
        "answer_by": (today() + dt.timedelta(days=14)).isoformat(),
    })
    cases.perform(de.replica, name="case.send", args={"case_id": case_id})
    de.sync()
    hu.sync()
    # Péter works offline: he accepts and answers every question, with a message.
    hu.offline()
    cases.perform(hu.replica, name="case.accept", args={"case_id": case_id})
    cases.perform(hu.replica, name="case.answer", args={
        "case_id": case_id,
        "answers": [{"question": q.code, "answer": q.answers[0].code} for q in asked],
        "reply_text": {"text": "A diploma hiteles; a nyilvántartási szám: 12345/2011.",
                       "lang": "hu"},
    })
    # Meanwhile Anna withdraws the request.
    cases.perform(de.replica, name="case.withdraw", args={
        "case_id": case_id, "reason": {"text": "Die Person hat den Antrag zurückgenommen.",
                                       "lang": "de"}})
    de.sync()
    hu.online()
    hu.sync()


def _conversation(de: Officer, hu: Officer) -> None:
    """Péter asks Anna about Szabó Réka; Anna accepts proposing a later date, splits a question
    off to the Bavarian chamber and asks for the diploma; Péter sends it, comments, and asks
    something back, which waits on Anna."""
    case_id = uuid.uuid4().hex
    qs = hu.replica.question_sets("PQ")[0]
    questions = [q.code for q in qs.questions if q.is_choice][:3]
    cases.perform(hu.replica, name="case.create", args={
        "case_id": case_id, "area": qs.area, "question_set": qs.code,
        "question_set_version": qs.version, "responder_authority_id": "DE-LZK-BW",
        "subject": {"family_name": "Szabó", "given_names": "Réka", "profession": "dentist",
                    "date_of_birth": "1990-03-08"},
        "questions": questions,
        "answer_by": (today() + dt.timedelta(days=10)).isoformat(),
        "request_text": {"text": "Kérjük, erősítsék meg a fogorvosi nyilvántartásba vételt.",
                         "lang": "hu"},
    })
    cases.perform(hu.replica, name="case.send", args={"case_id": case_id})
    hu.sync()
    de.sync()
    cases.perform(de.replica, name="case.accept", args={
        "case_id": case_id, "proposed_answer_by": (today() + dt.timedelta(days=30)).isoformat(),
        "note": {"text": "Das Archiv ist erst ab nächstem Monat wieder zugänglich.",
                 "lang": "de"}})
    cases.perform(de.replica, name="case.split", args={
        "case_id": case_id, "new_case_id": uuid.uuid4().hex, "responder_authority_id": "DE-BLZK",
        "questions": questions[-1:],
        "note": {"text": "Die Tätigkeit in Bayern kann nur die BLZK bestätigen.", "lang": "de"}})
    cases.perform(de.replica, name="case.ask_info", args={
        "case_id": case_id,
        "text": {"text": "Bitte senden Sie uns eine Kopie des Diploms.", "lang": "de"}})
    de.sync()
    hu.sync()
    cases.perform(hu.replica, name="case.give_info", args={
        "case_id": case_id,
        "text": {"text": "A diploma másolatát e-mailben is elküldtük; száma: 4471/2014.",
                 "lang": "hu"}})
    cases.perform(hu.replica, name="case.comment", args={
        "case_id": case_id, "text": {"text": "Köszönjük a gyors visszajelzést.", "lang": "hu"}})
    cases.perform(hu.replica, name="case.ask_info", args={
        "case_id": case_id,
        "text": {"text": "Folyamatban van-e fegyelmi eljárás a fogorvos ellen?", "lang": "hu"}})
    hu.sync()
    de.sync()


def _with_documents(de: Officer, hu: Officer, folder: Path) -> None:
    """Anna sends a request about Bauer Katalin with her diploma and a letter attached; Péter
    keeps the diploma for offline reading."""
    folder.mkdir(parents=True, exist_ok=True)
    diploma = folder / "Diplom_Bauer_Katalin.pdf"
    diploma.write_bytes(b"%PDF-1.4\n% Diplom Zahnmedizin, Universitaet Wien, 2009\n"
                        + bytes(180_000))
    letter = folder / "Anschreiben.odt"
    letter.write_bytes(b"PK\x03\x04 Anschreiben" + bytes(24_000))
    (folder / REFUSED_DOCUMENT).write_bytes(b"MZ" + bytes(1000))
    picked = [inspect_file(diploma), inspect_file(letter)]
    case_id = uuid.uuid4().hex
    qs = de.replica.question_sets("PQ")[0]
    with de.replica.transaction():
        attachments.attach(de.replica, picked)
        cases.perform(de.replica, name="case.create", args={
            "case_id": case_id, "area": qs.area, "question_set": qs.code,
            "question_set_version": qs.version, "responder_authority_id": "HU-ENKK",
            "subject": {"family_name": "Bauer", "given_names": "Katalin",
                        "profession": "dentist", "date_of_birth": "1983-09-02"},
            "questions": [q.code for q in qs.questions if q.is_choice][:2],
            "answer_by": (today() + dt.timedelta(days=21)).isoformat(),
            "request_text": {"text": "Anbei das Diplom und unser Anschreiben.", "lang": "de"},
            "attachments": [p.ref.model_dump(mode="json") for p in picked],
        })
    cases.perform(de.replica, name="case.send", args={"case_id": case_id})
    de.sync()
    hu.sync()
    ref = picked[0].ref
    attachments.save_download(hu.replica, ref, hu.engine.transport.get_blob(ref.sha256),
                              keep=True)

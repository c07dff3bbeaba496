"""End to end: the Commission creates a legislative area in the app, with no code change, and
two authorities exchange a request in it.

The editor's steps are the ones the catalogue window takes (``desktop.models.authoring`` to
build the draft, ``Transport`` to save and publish it); the request goes between two clients
with their own encrypted replicas through a real server process.
"""

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from desktop import local_server
from desktop.models import authoring, cases
from sync_protocol.authoring import set_text
from sync_protocol.cases import CaseStatus
from sync_protocol.messages import EntityKind
from sync_server.db import make_engine
from sync_server.directory.models import Authority, AuthorityArea
from sync_server.directory.service import add_user, authority_payload
from sync_server.seed import DEMO_PASSWORD
from sync_server.sync.publish import PUBLIC, json_payload, publish
from sync_server.sync.sequence import SequenceLock
from tests import factories
from tests.conftest import LiveServer, copy_database, make_client


@pytest.fixture
def server(live_server: LiveServer, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A copy of the live server where the administrator has made a catalogue editor."""
    data_dir = tmp_path / "server"
    data_dir.mkdir()
    shutil.copy(live_server.data_dir / "server.key", data_dir)
    copy_database(live_server.data_dir / "imi.db", data_dir / "imi.db")
    engine = make_engine(f"sqlite:///{data_dir / 'imi.db'}")
    with Session(engine) as session, session.begin():
        add_user(session, username="eu.editor", password=DEMO_PASSWORD, display_name="EU Editor",
                 authority_id="DE-LZK-BW", roles=["catalogue_editor"], language="en")
    engine.dispose()
    process, url = local_server.start(data_dir)
    yield url, data_dir
    local_server.stop(process)


def _make_competent(data_dir: Path, authority_id: str, area: str) -> None:
    """The administrator registers the authority in the area, which exists once published
    (competences are rows that name a known area)."""
    engine = make_engine(f"sqlite:///{data_dir / 'imi.db'}")
    with Session(engine) as session, session.begin():
        seq = SequenceLock(session).acquire()
        session.add(AuthorityArea(authority_id=authority_id, area=area))
        session.flush()
        authority = session.get_one(Authority, authority_id)
        session.refresh(authority)
        publish(session, seq, kind=EntityKind.AUTHORITY, entity_id=authority.id, version=2,
                payload=json_payload(authority_payload(authority)), audiences=PUBLIC)
        seq.flush()
    engine.dispose()


def test_a_new_area_made_in_the_app_carries_a_request_between_two_authorities(
        server, tmp_path):
    server_url, data_dir = server
    editor = make_client(server_url, "eu.editor", tmp_path / "eu.editor")
    draft = authoring.new_draft(area_code="DENT", area_name="Dental hygienists",
                                set_code="DENT-REG", set_name="Registration",
                                first_question="Describe the person's duties.")
    draft = authoring.add_section(draft, code="DENT-S1", text="Registration")
    draft = authoring.add_question(draft, section="DENT-S1", answer_type="yes_no",
                                   text="Is the person registered?", answers=("Yes", "No"))
    draft = authoring.add_question(draft, section="DENT-S1", answer_type="date",
                                   text="Since when?")
    for text_id, german in (("DENT", "Dentalhygieniker"), ("DENT-REG", "Registrierung"),
                            ("DENT-S1", "Registrierung"),
                            ("DENT-REG-Q1", "Beschreiben Sie die Tätigkeit der Person."),
                            ("DENT-REG-Q02", "Ist die Person registriert?"),
                            ("DENT-REG-Q02-A1", "Ja"), ("DENT-REG-Q02-A2", "Nein"),
                            ("DENT-REG-Q03", "Seit wann?")):
        draft = set_text(draft, text_id, "de", german)
    saved = editor.engine.transport.save_draft(draft)
    outcome = editor.engine.transport.publish_draft(saved.code)
    assert (outcome.published, outcome.version, outcome.problems) == (True, 1, ())
    _make_competent(data_dir, "HU-ENKK", "DENT")

    germany = make_client(server_url, "de.weber", tmp_path / "de.weber")
    hungary = make_client(server_url, "hu.kovacs", tmp_path / "hu.kovacs")
    germany.sync()
    published = germany.replica.question_set("DENT-REG", 1)
    assert published is not None and published.question("DENT-REG-Q02").texts["de"] == (
        "Ist die Person registriert?")
    case_id = uuid.uuid4().hex
    cases.perform(germany.replica, name="case.create", args=factories.create_args(
        responder="HU-ENKK", case_id=case_id, area="DENT", question_set="DENT-REG",
        question_set_version=1, questions=["DENT-REG-Q02", "DENT-REG-Q03"]))
    cases.perform(germany.replica, name="case.send", args={"case_id": case_id})
    germany.sync()
    assert germany.replica.attention() == []

    hungary.sync()
    received = cases.get_case(hungary.replica, case_id)
    assert received is not None and received.question_set == "DENT-REG"
    cases.perform(hungary.replica, name="case.accept", args={"case_id": case_id})
    cases.perform(hungary.replica, name="case.answer", args={
        "case_id": case_id, "answers": [{"question": "DENT-REG-Q02", "answer": "DENT-REG-Q02-A1"},
                                        {"question": "DENT-REG-Q03", "value": "2019-05-01"}]})
    hungary.sync()
    assert hungary.replica.attention() == []
    germany.sync()
    answered = cases.get_case(germany.replica, case_id)
    assert answered.state is CaseStatus.ANSWERED
    assert {a.question: a.answer or a.value for a in answered.answers} == {
        "DENT-REG-Q02": "DENT-REG-Q02-A1", "DENT-REG-Q03": "2019-05-01"}
    for client in (editor, germany, hungary):
        client.close()

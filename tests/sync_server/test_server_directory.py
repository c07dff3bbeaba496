"""The directory on the server: competences as rows, their controlled lists, the coordinators."""

import json

import pytest
from alembic import command
from sqlalchemy import column, insert, select, table, text
from sqlalchemy.orm import Session

from sync_protocol.directory import LEVELS
from sync_protocol.errors import LocalProtocolError
from sync_protocol.languages import LANGUAGES
from sync_server.db import make_engine
from sync_server.directory.models import Authority, AuthorityCompetence, Competence
from sync_server.directory.service import add_authority, authority_payload
from sync_server.migrate import alembic_config, upgrade
from sync_server.seed import COORDINATORS_FILE, seed_base
from sync_server.sync.models import SyncRow
from sync_server.sync.sequence import SequenceLock


def test_lists_move_into_rows_when_the_schema_is_upgraded(database_url):
    engine = make_engine(database_url)
    try:
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0005")
        authorities = table("authorities", *(column(c) for c in (
            "id", "member_state", "official_name", "designation", "description", "region",
            "level", "city", "email", "phone", "areas", "competences", "active")))
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO member_states (code) VALUES ('HU')"))
            connection.execute(text("INSERT INTO areas (code, names) VALUES ('PQ', '{}')"))
            connection.execute(insert(authorities).values(
                id="HU-OLD", member_state="HU", official_name="Régi Kamara", designation="{}",
                description="{}", region="", level="national", city="", email="", phone="",
                areas='["PQ", "GONE"]', competences='["dentist", "juggler"]', active=True))
        upgrade(engine)
        with Session(engine) as session:
            old = session.get_one(Authority, "HU-OLD")
            # What the lists held, as rows; codes nobody knows are not kept.
            assert old.areas == ["PQ"] and old.competences == ["dentist"]
            assert old.coordinator_id is None and old.address == ""
            dentist = session.get_one(Competence, "dentist")
            assert {label.language for label in dentist.labels} == set(LANGUAGES)
    finally:
        engine.dispose()


def test_every_server_starts_with_the_lists_and_the_coordinators(server):
    coordinators = json.loads(COORDINATORS_FILE.read_text(encoding="utf-8"))["authorities"]
    with Session(server.engine) as session:
        nimics = session.scalars(select(Authority).where(Authority.id.like("nimic-%"))).all()
        assert len(nimics) == 30
        assert {a.coordinator_id for a in nimics} == {"commission"}
        sdimics = session.scalars(select(Authority).where(Authority.id.like("sdimic-DE-%"))).all()
        assert {a.id[-2:] for a in sdimics} == {
            "BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST",
            "SH", "TH"}
        assert {a.coordinator_id for a in sdimics} == {"nimic-DE"}
        assert session.get_one(Authority, "commission").level == "european"
        assert len(coordinators) == 47
        # Each list entry is published once to every replica, with all its labels.
        rows = session.scalars(select(SyncRow).where(SyncRow.kind == "competence")).all()
        codes = set(session.scalars(select(Competence.code)))
        assert sorted(r.entity_id for r in rows) == sorted(codes)
        assert all(r.audience == "public" for r in rows)
        # Seeding again adds nothing.
        before = session.scalar(select(SyncRow.seq).order_by(SyncRow.seq.desc()).limit(1))
    with Session(server.engine) as session, session.begin():
        seed_base(session)
    with Session(server.engine) as session:
        assert session.scalar(select(SyncRow.seq).order_by(SyncRow.seq.desc()).limit(1)) == before


def test_an_authority_gets_its_areas_from_its_competences_and_its_state_coordinator(server):
    with Session(server.engine) as session, session.begin():
        seq = SequenceLock(session).acquire()
        authority = add_authority(session, seq, {
            "id": "AT-TEST", "member_state": "AT", "official_name": "Testkammer",
            "competences": ["dentist", "retail"], "level": "regional", "region": "Tirol",
            "address": "Maria-Theresien-Straße 1", "postal_code": "6020", "city": "Innsbruck"})
        seq.flush()
        payload = authority_payload(authority)
    assert payload["areas"] == ["PQ", "SERV"]
    assert payload["competences"] == ["dentist", "retail"]
    assert payload["coordinator_id"] == "nimic-AT"
    assert payload["postal_code"] == "6020"
    with Session(server.engine) as session:
        rows = session.scalars(select(AuthorityCompetence.competence).where(
            AuthorityCompetence.authority_id == "AT-TEST")).all()
        assert sorted(rows) == ["dentist", "retail"]


@pytest.mark.parametrize(("change", "code"), [
    ({"competences": ["juggler"]}, "unknown_competence"),
    ({"areas": ["NOPE"]}, "unknown_area"),
    ({"level": "galactic"}, "invalid_arguments"),
    ({"coordinator_id": "nimic-XX"}, "unknown_authority"),
    ({"member_state": "US"}, "unknown_member_state"),
])
def test_a_bad_entry_is_refused_with_a_code_and_nothing_is_written(server, change, code):
    assert "galactic" not in LEVELS
    with Session(server.engine) as session:
        seq = SequenceLock(session).acquire()
        with pytest.raises(LocalProtocolError) as refused:
            add_authority(session, seq, {"id": "AT-BAD", "member_state": "AT",
                                         "official_name": "X"} | change)
        assert refused.value.code == code
        session.rollback()
    with Session(server.engine) as session:
        assert session.get(Authority, "AT-BAD") is None

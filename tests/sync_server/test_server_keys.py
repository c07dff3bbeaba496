"""Item 1 of issue 6, keys: derived purpose keys, key ids, rotation, resealing, binding.

Every test here runs on SQLite and PostgreSQL (the ``server`` / ``database_url`` fixtures).
"""

import dataclasses
import json
import logging
import os

import pytest
from alembic import command
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from factories import Peer, create_args, new_id
from fastapi.testclient import TestClient
from sqlalchemy import column, func, insert, select, table
from sqlalchemy.orm import Session

from sync_protocol.audiences import authority_audience
from sync_protocol.cursor import Cursor, decode_cursor, encode_cursor
from sync_server.app import create_app
from sync_server.auth.colleagues import UNPUBLISHED
from sync_server.auth.models import Device, User
from sync_server.auth.passwords import hash_password
from sync_server.cases.models import Case
from sync_server.config import Settings
from sync_server.context import build_context
from sync_server.crypto import SCHEME, Sealer, Unreadable, header, sync_row_binding
from sync_server.db import make_engine
from sync_server.directory.models import MemberState
from sync_server.keys import Keyring, KeyringError
from sync_server.migrate import alembic_config, upgrade
from sync_server.orm import ServerState
from sync_server.reseal import reseal
from sync_server.sync.models import AppliedMutation, SyncRow


def _sealed_values(server):
    """Every sealed value in the database, as bytes."""
    return [
        *(bytes(v) for (v,) in server.rows(select(Case.sealed))),
        *(bytes(v) for (v,) in server.rows(select(SyncRow.payload).where(SyncRow.sealed))),
        *(bytes(v) for (v,) in server.rows(select(AppliedMutation.sealed_result))),
    ]


def _send_case(de, hu, family_name="Kovács"):
    case_id = new_id()
    results = de.push(
        de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id,
                                               family_name=family_name)),
        de.mutation("case.send", {"case_id": case_id}, base_version=1),
    )
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return case_id


def test_item1_cursor_and_sealing_keys_are_separate_hkdf_derivations_of_the_master_key():
    ring = Keyring.generate()
    master = ring.masters[1]

    def hkdf(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    assert ring.cursor_key == hkdf(b"imi/sync-server/cursor-signing/v1")
    assert ring.seal_key(1) == hkdf(b"imi/sync-server/personal-data-sealing/v1")
    assert len({master, ring.cursor_key, ring.seal_key(1)}) == 3
    # A sealed value does not open with the master key, nor with the cursor key.
    sealed = Sealer(ring).seal(b"Kiss Anna", where=b"x")
    for wrong in (master, ring.cursor_key):
        with pytest.raises(InvalidTag):
            AESGCM(wrong).decrypt(sealed[5:17], sealed[17:], b"x")
    # Key material is in no representation that could reach a log, nor in a refusal of a
    # damaged key text.
    damaged = "1:" + master.hex()[:-1] + "g 2:" + master.hex()
    with pytest.raises(KeyringError) as refused:
        Keyring.from_text(damaged, source="IMI_SERVER_KEY")
    assert master.hex()[:16] not in str(refused.value)
    rotated = ring.rotated()
    settings = Settings(data_dir=".", database_url="sqlite://", keyring=rotated)
    for text in (repr(ring), repr(rotated), repr(settings), str(settings)):
        for key_id in rotated.ids:
            assert rotated.masters[key_id].hex() not in text
        assert rotated.cursor_key.hex() not in text


def test_item1_every_sealed_value_names_the_current_key(server):
    de, hu = server.peer("DE"), server.peer("HU")
    _send_case(de, hu)

    values = _sealed_values(server)

    assert len(values) == 1 + 2 + 2
    current = header(SCHEME, server.settings.keyring.current_id)
    assert all(value.startswith(current) for value in values)


def test_item1_a_sealed_row_copied_to_another_authoritys_audience_is_not_served_there(
        server, caplog):
    de, hu, fr = server.peer("DE"), server.peer("HU"), server.peer("FR")
    case_id = _send_case(de, hu, family_name="Kovács")
    fr.pull_all()
    # Someone with write access to the database copies HU's row into FR's audience.
    with Session(server.engine) as session, session.begin():
        row = session.scalars(select(SyncRow).where(
            SyncRow.entity_id == case_id,
            SyncRow.audience == authority_audience(hu.authority_id))).one()
        state = session.get_one(ServerState, 1)
        state.last_seq += 1
        session.add(SyncRow(kind=row.kind, entity_id=case_id, seq=state.last_seq,
                            audience=authority_audience(fr.authority_id), version=row.version,
                            payload=row.payload, sealed=True))

    with caplog.at_level(logging.ERROR, logger="imi.server"):
        changes = fr.pull_all()  # answers 200: the row is skipped, not served, not a 500

    assert case_id not in fr.cases(changes)
    reports = [r.getMessage() for r in caplog.records if case_id in r.getMessage()]
    assert reports and "does not open" in reports[0]
    assert authority_audience(fr.authority_id) in reports[0]
    assert "Kovács" not in caplog.text and "Éva" not in caplog.text
    # The rightful reader still reads it.
    assert hu.cases(hu.pull_all())[case_id]["data"]["subject"]["family_name"] == "Kovács"


def test_item1_a_case_record_copied_onto_another_case_is_refused_with_a_code(server, caplog):
    de, hu = server.peer("DE"), server.peer("HU")
    first = _send_case(de, hu, family_name="Tóth")
    second = _send_case(de, hu, family_name="Nagy")
    with Session(server.engine) as session, session.begin():
        record = session.get_one(Case, first).sealed
        session.get_one(Case, second).sealed = record

    with caplog.at_level(logging.ERROR, logger="imi.server"):
        result = hu.step("case.accept", {"case_id": second}, base_version=2)

    assert result["status"] == "rejected"
    assert result["code"] == "record_unreadable"
    assert result.get("change") is None
    assert any(second in r.getMessage() for r in caplog.records)
    assert "Tóth" not in caplog.text and "Nagy" not in caplog.text
    # The case it was copied from is untouched and works.
    assert hu.step("case.accept", {"case_id": first}, base_version=2)["status"] == "applied"


def test_item1_a_stored_push_result_moved_to_another_mutation_answers_a_code(server):
    de, hu = server.peer("DE"), server.peer("HU")
    case_id = new_id()
    create = de.mutation("case.create", create_args(responder=hu.authority_id, case_id=case_id))
    send = de.mutation("case.send", {"case_id": case_id}, base_version=1)
    de.push(create, send)
    with Session(server.engine) as session, session.begin():
        one = session.get_one(AppliedMutation, (de.device_id, 1))
        session.get_one(AppliedMutation, (de.device_id, 2)).sealed_result = one.sealed_result

    retry = de.push_raw(send)

    assert retry.status_code == 409
    assert retry.json()["code"] == "record_unreadable"
    assert de.push_raw(create).json()["results"][0]["replayed"] is True


def test_item1_after_rotation_new_writes_use_the_new_key_and_old_values_and_cursors_still_work(
        server):
    de, hu = server.peer("DE"), server.peer("HU")
    old_case = _send_case(de, hu, family_name="Régi")
    hu.pull_all()
    old_cursor = hu.cursor
    assert decode_cursor(old_cursor, key=server.settings.keyring.cursor_key)

    # imi-server rotate-key, then a restart: the same database, a ring with key 2 current.
    rotated = dataclasses.replace(server.settings, keyring=server.settings.keyring.rotated())
    context, client = server.new_app_client(rotated)
    de.client = hu.client = client
    new_case = _send_case(de, hu, family_name="Új")

    assert bytes(server.scalar(select(Case.sealed).where(Case.id == new_case))
                 ).startswith(header(SCHEME, 2))
    assert bytes(server.scalar(select(Case.sealed).where(Case.id == old_case))
                 ).startswith(header(SCHEME, 1))
    # The cursor signed with key 1 still works; the next one is signed with key 2.
    page = hu.pull_page()
    assert new_case in hu.cases(page["changes"])
    assert decode_cursor(hu.cursor, key=rotated.keyring.cursor_key).seq > 0
    everything = hu.cases(Peer(client, token=hu.token, user=hu.user,
                               device_id=hu.device_id).pull_all())
    assert everything[old_case]["data"]["subject"]["family_name"] == "Régi"
    assert everything[new_case]["data"]["subject"]["family_name"] == "Új"
    # A forged cursor signed with neither key is still refused.
    forged = encode_cursor(Cursor(epoch=server.epoch, scope=1, seq=0), key=os.urandom(32))
    assert hu.pull_raw(cursor=forged).status_code == 400

    # reseal: every value under key 2, still readable, bound to its row.
    done = reseal(server.engine, context.sealer, batch=2)
    assert sum(p.resealed for p in done) > 0 and sum(p.unreadable for p in done) == 0
    assert all(v.startswith(header(SCHEME, 2)) for v in _sealed_values(server))
    again = Peer(client, token=hu.token, user=hu.user, device_id=hu.device_id).pull_all()
    assert hu.cases(again)[old_case]["data"]["subject"]["family_name"] == "Régi"
    assert hu.step("case.accept", {"case_id": old_case}, base_version=2)["status"] == "applied"


def test_item1_reseal_is_resumable_reports_progress_and_skips_what_does_not_open(
        server, caplog):
    de, hu = server.peer("DE"), server.peer("HU")
    for n in range(3):
        _send_case(de, hu, family_name=f"Kiss{n}")
    rotated = dataclasses.replace(server.settings, keyring=server.settings.keyring.rotated())
    sealer = Sealer(rotated.keyring)
    stale = len(_sealed_values(server))
    # One value is damaged: it is reported and left alone, and does not stop the run.
    with Session(server.engine) as session, session.begin():
        row = session.scalars(select(Case).order_by(Case.id)).first()
        damaged_id, row.sealed = row.id, row.sealed[:-1] + bytes([row.sealed[-1] ^ 1])

    seen = []

    def interrupt_after_the_first_batch(progress):
        seen.append((progress.column, progress.resealed, progress.total))
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reseal(server.engine, sealer, batch=2, report=interrupt_after_the_first_batch)
    assert seen == [("cases", 1, 3)]  # two read, one damaged, one resealed and committed
    current = header(SCHEME, 2)
    assert sum(v.startswith(current) for v in _sealed_values(server)) == 1

    progress = []
    with caplog.at_level(logging.ERROR, logger="imi.server"):
        done = reseal(server.engine, sealer, batch=2, report=lambda p: progress.append(
            (p.column, p.resealed, p.unreadable, p.total)))

    assert sum(p.resealed for p in done) == stale - 2  # not the one done before, nor the damaged
    assert [p.unreadable for p in done] == [1, 0, 0, 0, 0]
    assert progress[0] == ("cases", 1, 1, 2)
    assert progress[-1][0] == "applied_mutations"
    assert damaged_id in caplog.text and "Kiss" not in caplog.text
    assert sum(not v.startswith(current) for v in _sealed_values(server)) == 1
    # Run again: nothing left but the damaged value.
    assert sum(p.resealed for p in reseal(server.engine, sealer)) == 0


def _legacy_seal(master: bytes, plaintext: bytes) -> bytes:
    """How values were sealed before key ids: nonce | AES-GCM under the master key itself."""
    nonce = os.urandom(12)
    return nonce + AESGCM(master).encrypt(nonce, plaintext, None)


def test_item1_values_sealed_before_key_ids_are_migrated_and_stay_readable(
        database_url, tmp_path):
    engine = make_engine(database_url)
    try:
        config = alembic_config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
        master = os.urandom(32)
        case_id, device_id = new_id(), new_id()
        record = json.dumps({"id": case_id, "subject": {"family_name": "Öreg"}}).encode()
        result = b'{"mutation_id":1,"status":"applied"}'
        # Rows of revision 0001: its users are not published (no user_areas table yet).
        with Session(engine, info={UNPUBLISHED: True}) as session, session.begin():
            # server_state as revision 0001 has it (later revisions add columns)
            session.execute(insert(table("server_state", column("id"), column("epoch"),
                                         column("last_seq"))).values(id=1, epoch="e0",
                                                                     last_seq=2))
            session.add(MemberState(code="HU"))
            session.flush()
            # authorities as revision 0001 has them (0006 moves the lists into tables)
            session.execute(insert(table(
                "authorities", column("id"), column("member_state"), column("official_name"),
                column("designation"), column("description"), column("region"),
                column("level"), column("city"), column("email"), column("phone"),
                column("areas"), column("competences"), column("active"),
            )).values(id="HU-OLD", member_state="HU", official_name="Régi Hatóság",
                      designation="{}", description="{}", region="", level="national",
                      city="", email="", phone="", areas='["PQ"]', competences="[]",
                      active=True))
            session.add(User(id="u1", username="hu.old", display_name="Régi", authority_id="HU-OLD",
                             password_hash=hash_password("pw"), roles=["request_handler"],
                             language="hu", scope_version=1, active=True))
            session.flush()
            session.add(Device(id=device_id, user_id="u1", name="", last_mutation_id=1,
                               created_at=func.now()))
            # cases as revision 0001 has it (0007 moves the parties to case_participants)
            session.execute(insert(table(
                "cases", column("id"), column("version"), column("state"), column("area"),
                column("requester_authority_id"), column("responder_authority_id"),
                column("sealed"), column("updated_at"),
            )).values(id=case_id, version=1, state="sent", area="PQ",
                      requester_authority_id="HU-OLD", responder_authority_id="HU-OLD",
                      sealed=_legacy_seal(master, record), updated_at=func.now()))
            session.add(SyncRow(kind="case", entity_id=case_id, audience="authority:HU-OLD",
                                seq=1, version=1, payload=_legacy_seal(master, record),
                                sealed=True))
            session.add(SyncRow(kind="member_state", entity_id="HU", audience="public", seq=2,
                                version=1, payload=b'{"code":"HU"}', sealed=False))
            session.flush()
            # applied_mutations as revision 0001 has it (0005 adds ``digest``)
            session.execute(insert(table(
                "applied_mutations", column("device_id"), column("mutation_id"),
                column("status"), column("sealed_result"), column("applied_at"),
            )).values(device_id=device_id, mutation_id=1, status="applied",
                      sealed_result=_legacy_seal(master, result), applied_at=func.now()))

        upgrade(engine)  # 0001 -> head, as 'imi-server init' does on an old database

        legacy = header(0, 1)
        with Session(engine) as session:
            values = [bytes(session.scalar(select(Case.sealed))),
                      bytes(session.scalar(select(SyncRow.payload).where(SyncRow.sealed))),
                      bytes(session.scalar(select(AppliedMutation.sealed_result)))]
            public = session.scalar(select(SyncRow.payload).where(SyncRow.kind == "member_state"))
        assert all(v.startswith(legacy) for v in values)
        assert public == b'{"code":"HU"}'
        ring = Keyring.single(master)  # the old key file, read as key 1
        sealer = Sealer(ring)
        assert [sealer.open(v, where=b"ignored for old values") for v in values] == [
            record, record, result]

        settings = Settings(data_dir=tmp_path, database_url=database_url, keyring=ring)
        context = build_context(settings)
        try:
            with TestClient(create_app(context=context)) as client:
                peer = Peer.login(client, "hu.old", "pw")
                assert peer.cases(peer.pull_all())[case_id]["data"]["subject"] == {
                    "family_name": "Öreg"}
                done = reseal(engine, context.sealer)
                assert sum(p.resealed for p in done) == 3
                with Session(engine) as session:
                    assert bytes(session.scalar(select(Case.sealed))).startswith(
                        header(SCHEME, 1))
                fresh = Peer(client, token=peer.token, user=peer.user, device_id=peer.device_id)
                assert fresh.cases(fresh.pull_all())[case_id]["data"]["subject"] == {
                    "family_name": "Öreg"}
                # Now bound to its row: moved to another audience, it no longer opens.
                with Session(engine) as session:
                    moved = bytes(session.scalar(select(SyncRow.payload).where(SyncRow.sealed)))
                with pytest.raises(Unreadable, match="belongs elsewhere"):
                    context.sealer.open(moved, where=sync_row_binding("case", case_id,
                                                                      "authority:HU-OTHER"))
        finally:
            context.engine.dispose()
    finally:
        engine.dispose()

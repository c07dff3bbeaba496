"""Rights per legislative area (issue 8 item 4) enforced on every case step, from the token.

A user with ``user_areas`` rows acts only on cases of those areas; the refusal is the code
``area_not_allowed``. A change by the local data administrator takes effect at the next
request, through the token cache (SQLite and PostgreSQL)."""

from factories import create_args, new_id
from registration_world import AREA, OTHER_AREA, build_world
from sqlalchemy.orm import Session

from sync_server.auth.models import UserArea
from sync_server.directory.models import AuthorityArea
from sync_server.seed import latest_question_set


def _rights(world, user_id, areas):
    answer = world.client.put(f"/v1/admin/users/{user_id}/rights",
                              headers=world.peers["local_admin"].headers,
                              json={"roles": ["request_handler"], "areas": areas})
    assert answer.status_code == 200, answer.text
    assert answer.json()["areas"] == areas


def test_item4_a_handler_limited_to_an_area_acts_only_on_cases_of_that_area(server):
    with Session(server.engine) as session, session.begin():
        session.add_all(AuthorityArea(authority_id=server.directory.authorities[state],
                                      area=OTHER_AREA) for state in ("DE", "HU"))
    world = build_world(server)
    handler = world.peers["request_handler"]
    hu = server.directory.authorities["HU"]
    # No area rows yet: not limited per area (users made before rights per area).
    draft = create_args(responder=hu)
    assert handler.step("case.create", draft)["status"] == "applied"

    # An area row written past the administration routes (the ``imi-server`` command line,
    # another instance): the token verified before it is not trusted from the cache.
    with Session(server.engine) as session, session.begin():
        session.add(UserArea(user_id=server.directory.de.user_id, area=OTHER_AREA))
    refused = handler.step("case.send", {"case_id": draft["case_id"]}, base_version=1)
    assert (refused["status"], refused["code"]) == ("rejected", "area_not_allowed")
    assert refused["params"] == {"area": AREA}
    another = handler.step("case.create", create_args(responder=hu))
    assert (another["status"], another["code"]) == ("rejected", "area_not_allowed")
    services = latest_question_set(OTHER_AREA)
    serv_case = create_args(responder=hu, area=OTHER_AREA, question_set=services.code,
                            question_set_version=services.version,
                            questions=[services.questions[0].code])
    assert handler.step("case.create", serv_case)["status"] == "applied"
    assert handler.step("case.send", {"case_id": serv_case["case_id"]},
                        base_version=1)["status"] == "applied"
    # Moving a draft into an area without rights is refused too.
    serv_draft = {**serv_case, "case_id": new_id()}
    assert handler.step("case.create", serv_draft)["status"] == "applied"
    moved = handler.step("case.edit_draft", {**draft, "case_id": serv_draft["case_id"]},
                         base_version=1)
    assert (moved["status"], moved["code"], moved["params"]) == (
        "rejected", "area_not_allowed", {"area": AREA})

    # The administrator grants PQ: the same token's next push is applied.
    _rights(world, server.directory.de.user_id, [AREA, OTHER_AREA])
    assert handler.step("case.send", {"case_id": draft["case_id"]},
                        base_version=1)["status"] == "applied"

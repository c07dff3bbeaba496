"""Case links: what a mail carries and the client opens."""

import pytest

from sync_protocol.links import case_id_from_link, case_link

CASE = "0123456789abcdef0123456789abcdef"


def test_a_case_link_names_its_case():
    assert case_link(CASE) == f"imi://case/{CASE}"
    assert case_id_from_link(case_link(CASE)) == CASE
    assert case_id_from_link(f" imi://case/{CASE}/\n") == CASE


@pytest.mark.parametrize("link", ["imi://case/", "imi://case/xyz", "https://case/" + CASE,
                                  f"imi://case/{CASE}/../x", f"imi://other/{CASE}"])
def test_anything_else_is_not_a_case_link(link):
    assert case_id_from_link(link) is None

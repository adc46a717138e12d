"""Green-channel groups an ID number cannot show (现役军人, 残疾人, 孕妇 …): the
kiosk claims one, the ticket is green and "claimed", and the clerk confirms
or removes the claim at the window; both are audited and on the record."""

from typing import Any

import pytest

from tests.server.conftest import ID_CARD, Hall
from tests.server.test_tickets_api import ADULT_ID, ELDER_ID


def groups(hall: Hall, headers: dict[str, str]) -> Any:
    return hall.c.get("/api/halls/h1/declared-groups", headers=headers)


def put_groups(hall: Hall, body: Any, headers: dict[str, str] | None = None) -> Any:
    return hall.c.put("/api/halls/h1/declared-groups", json=body, headers=headers or hall.admin)


def check(hall: Hall, n: int, confirm: Any, headers: dict[str, str] | None = None) -> Any:
    return hall.act(n, "green-check", {"confirm": confirm}, headers)


def steps(hall: Hall, number: str) -> list[str]:
    path = f"/api/halls/h1/tickets/{number}/transitions"
    return [s["action"] for s in hall.ok(hall.c.get(path, headers=hall.supervisor))["steps"]]


def audit(hall: Hall) -> list[dict[str, Any]]:
    records = hall.ok(hall.c.get("/api/halls/h1/audit", headers=hall.supervisor))["records"]
    return [r for r in records if r["action"].startswith(("ticket.green", "declared_groups"))]


def called_claim(hall: Hall, group: str = "military") -> dict[str, Any]:
    ticket = hall.ticket(declared=group)
    hall.open(1)
    called = hall.do(1, "call-next")
    assert called["ticket"]["number"] == ticket["number"]
    return ticket


def test_a_hall_offers_the_default_groups_until_it_sets_its_own(hall: Hall) -> None:
    listed = hall.ok(groups(hall, hall.kiosk))["groups"]
    assert [g["label"] for g in listed] == ["现役军人及军属", "残疾人", "孕妇", "高层次人才"]
    mine = [{"id": "veteran", "label": "退役军人", "priority": "military"}]
    hall.ok(put_groups(hall, {"groups": mine}))
    assert hall.ok(groups(hall, hall.kiosk))["groups"] == mine
    (record,) = audit(hall)
    assert record["action"] == "declared_groups.set"
    assert record["after"] == {"groups": mine}
    assert hall.issue(declared="military").json()["error"] == "unknown_declared_group"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"groups": [{"id": "x", "label": "老人", "priority": "elderly"}]}, "优先类别"),
        ({"groups": [{"id": "x", "label": "", "priority": "other"}]}, "名称"),
        ({"groups": [{"id": "X Y", "label": "孕妇", "priority": "other"}]}, "id"),
    ],
)
def test_groups_the_id_number_proves_or_bad_entries_are_refused(
    hall: Hall, body: Any, field: str
) -> None:
    refused = put_groups(hall, body)
    assert refused.status_code == 422
    assert field in refused.json()["message"]


def test_twice_the_same_group_or_a_kiosk_setting_them_is_refused(hall: Hall) -> None:
    twin = {"id": "a", "label": "孕妇", "priority": "other"}
    assert put_groups(hall, {"groups": [twin, twin]}).json()["error"] == "duplicate_group"
    assert put_groups(hall, {"groups": []}, hall.kiosk).status_code == 403


def test_a_claim_is_green_and_the_clerk_sees_it_waiting_for_the_check(hall: Hall) -> None:
    ticket = hall.ticket(declared="military")
    assert ticket["green_channel"] is True
    hall.open(1)
    shown = hall.do(1, "call-next")["ticket"]
    assert (shown["green_check"], shown["green_group"]) == ("claimed", "现役军人及军属")
    # An ID number that proves the age needs no check; a plain one does not replace the claim.
    assert hall.ticket(id_number=ELDER_ID, declared="pregnant")["green_channel"] is True
    assert hall.ticket(id_number=ADULT_ID, declared="pregnant")["green_channel"] is True


def test_the_clerk_confirms_a_claim_on_the_record_and_in_the_audit(hall: Hall) -> None:
    ticket = called_claim(hall)
    view = hall.ok(check(hall, 1, True))
    assert view["ticket"]["green_check"] == "confirmed"
    assert view["ticket"]["green_channel"] is True
    assert steps(hall, ticket["number"]) == ["issue", "call", "green_confirmed"]
    (record,) = audit(hall)
    assert (record["action"], record["target"]) == ("ticket.green_confirm", ticket["number"])
    assert record["after"] == {"green_check": "confirmed"}
    # Checked once: a second verdict is refused.
    assert check(hall, 1, False).json()["error"] == "no_green_claim"


def test_a_removed_claim_counts_as_normal_and_the_supervisor_may_remove_it(hall: Hall) -> None:
    ticket = called_claim(hall, "pregnant")
    view = hall.ok(check(hall, 1, False, hall.supervisor))
    assert view["ticket"]["green_check"] == "removed"
    assert view["ticket"]["green_channel"] is False
    assert view["window"]["state"] == "calling"  # already called: nothing else moves
    assert steps(hall, ticket["number"])[-1] == "green_removed"
    assert [r["action"] for r in audit(hall)] == ["ticket.green_remove"]
    hall.do(1, "start")
    hall.do(1, "finish")
    by_channel = hall.stats()["by_channel"]
    assert (by_channel["green"]["issued"], by_channel["normal"]["issued"]) == (0, 1)


def test_a_ticket_without_a_claim_or_another_window_is_refused(hall: Hall) -> None:
    hall.ticket(id_number=ELDER_ID)
    hall.open(1)
    hall.do(1, "call-next")
    refused = check(hall, 1, True)
    assert (refused.status_code, refused.json()["error"]) == (409, "no_green_claim")
    assert check(hall, 2, True).json()["error"] == "no_green_claim"  # window 2 holds nothing
    assert check(hall, 1, True, hall.windows[2]).status_code == 403
    assert check(hall, 1, True, hall.kiosk).status_code == 403
    assert check(hall, 1, "yes").status_code == 422
    assert audit(hall) == []


def test_a_class_sent_by_a_kiosk_is_checked_but_staff_vouch_for_theirs(hall: Hall) -> None:
    hall.ticket(priority="military")  # a kiosk's word: the clerk checks it
    hall.c.post(
        "/api/halls/h1/tickets",
        json={"service": ID_CARD, "priority": "talent"},
        headers=hall.supervisor,
    )
    hall.open(1)
    first = hall.do(1, "call-next")["ticket"]
    assert (first["green_check"], first["green_group"]) == ("claimed", "现役军人及军属")
    hall.do(1, "start")
    hall.do(1, "finish")
    second = hall.do(1, "call-next")["ticket"]
    assert second["green_channel"] is True and second["green_check"] is None

"""Issuing tickets and the holder's view, through the HTTP API, on both databases."""

from starlette.testclient import TestClient

from queue_server.desk import new_ticket_id
from queue_server.settings import Settings
from queue_server.store import Store
from tests.conftest import Clock
from tests.server.conftest import ID_CARD, PASSPORT, Hall, bearer


def valid_id(first17: str) -> str:
    """Append the ISO 7064 MOD 11-2 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


ELDER_ID = "11010519491231002X"  # born 1949-12-31: 76 in 2026 (the standard's example)
ADULT_ID = valid_id("11010519900101001")  # born 1990-01-01
CHILD_ID = valid_id("11010520150101001")  # born 2015-01-01: 11


def test_issue_numbers_per_prefix_and_returns_the_holder_view(hall: Hall) -> None:
    first = hall.ticket(ID_CARD)
    second = hall.ticket(ID_CARD)
    passport = hall.ticket(PASSPORT)
    assert (first["number"], second["number"], passport["number"]) == ("A001", "A002", "B001")
    assert first["status"] == "waiting"
    assert first["service_name"] == "居民身份证换领"
    assert first["green_channel"] is False
    assert second["position"] == 1
    assert first["issued_at"].endswith("+08:00")  # the hall's time zone
    assert {"id", "estimated_wait_s", "issued_at", "position"} <= first.keys()


def test_without_a_public_address_the_qr_names_the_address_in_use(
    hall: Hall, client: TestClient
) -> None:
    ticket = hall.ticket(ID_CARD)
    # No QUEUE_PUBLIC_URL: no made-up 127.0.0.1:8000; the kiosk and printer use their own.
    assert ticket["status_url"] is None
    ours = f"{client.base_url}/t/{ticket['id']}"
    assert client.get("/qr.svg", params={"data": ours}).status_code == 200
    foreign = f"http://elsewhere.example/t/{ticket['id']}"
    assert client.get("/qr.svg", params={"data": foreign}).status_code == 403


def test_numbers_restart_on_the_next_business_day(hall: Hall, clock: Clock) -> None:
    assert hall.ticket()["number"] == "A001"
    clock.advance(15 * 3600)  # 09:30 -> 00:30 next day in Shanghai
    assert hall.ticket()["number"] == "A001"


def test_retry_with_the_same_idempotency_key_returns_the_same_ticket(hall: Hall) -> None:
    first = hall.issue(key="kiosk-1-0001")
    again = hall.issue(key="kiosk-1-0001")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert hall.ticket()["number"] == "A002"  # the retry used no number


def test_idempotency_key_reused_for_another_service_is_refused(hall: Hall) -> None:
    hall.ok(hall.issue(ID_CARD, key="k"), 201)
    reply = hall.issue(PASSPORT, key="k")
    assert reply.status_code == 409
    assert "Idempotency-Key" in reply.json()["message"]


def test_elderly_id_number_gives_the_green_channel_without_revealing_it(
    hall: Hall, client: TestClient
) -> None:
    ticket = hall.ticket(ID_CARD, id_number=ELDER_ID)
    assert ticket["green_channel"] is True
    view = client.get(f"/api/tickets/{ticket['id']}").text
    board = client.get("/api/halls/h1/board", headers=hall.display).text
    for text in (str(ticket), view, board):
        assert ELDER_ID not in text and "1101" not in text and "elderly" not in text


def test_minor_gets_green_channel_and_adult_does_not(hall: Hall) -> None:
    assert hall.ticket(id_number=CHILD_ID)["green_channel"] is True
    assert hall.ticket(id_number=ADULT_ID)["green_channel"] is False


def test_claimed_age_class_without_a_matching_id_is_refused(hall: Hall) -> None:
    reply = hall.issue(priority="elderly")
    assert reply.status_code == 422 and reply.json()["error"] == "green_channel_needs_id"
    assert reply.json()["message"] == "老年人绿色通道需要能证明年龄的身份证号码"
    assert hall.issue(priority="elderly", id_number=ADULT_ID).status_code == 422
    assert hall.ticket(priority="military")["green_channel"] is True


def test_invalid_id_numbers_are_explained(hall: Hall) -> None:
    cases = {
        "11010519491231002": ("id_length", "18位"),
        "110105194912310021": ("id_check_digit", "校验位"),
        valid_id("11010519490230001"): ("id_birth_date", "出生日期"),
        "11010519491231002A": ("id_characters", "数字或X"),
    }
    for number, (code, words) in cases.items():
        reply = hall.issue(id_number=number)
        assert reply.status_code == 422, number
        assert reply.json()["error"] == code and words in reply.json()["message"], reply.json()


def test_id_number_is_stored_hashed_and_masked_only(hall: Hall, settings: Settings) -> None:
    ticket = hall.ticket(id_number=ELDER_ID)
    store = Store(settings.database_url)
    with store.read() as tx:
        row = tx.ticket_row(ticket["id"])
    store.dispose()
    assert row.id_masked == "11***************X"  # province and check character only
    assert row.id_hash and ELDER_ID not in row.id_hash and len(row.id_hash) == 64
    assert ELDER_ID not in str(row._asdict())  # in no column at all


def test_one_active_ticket_per_person_and_service(hall: Hall) -> None:
    first = hall.ticket(ID_CARD, id_number=ADULT_ID)
    reply = hall.issue(ID_CARD, id_number=ADULT_ID)
    assert reply.status_code == 409
    assert first["number"] in reply.json()["message"]
    hall.ticket(PASSPORT, id_number=ELDER_ID)
    assert hall.issue(PASSPORT, id_number=ELDER_ID.lower()).status_code == 409
    assert hall.issue(PASSPORT, id_number=ADULT_ID).status_code == 201  # another service
    hall.open(1)
    assert hall.serve(1)["green_channel"] is True  # the elder's passport goes first
    assert hall.serve(1)["number"] == first["number"]
    assert hall.issue(ID_CARD, id_number=ADULT_ID).status_code == 201  # served: may come again


def test_a_foreigner_takes_a_ticket_with_a_passport_where_the_item_accepts_it(
    hall: Hall,
) -> None:
    lodging = "CRJ-WG-ZS"  # 外国人住宿登记: resident ID, passport or permanent residence card
    passport = {"document_type": "passport", "id_number": "C01X00T47"}
    hall.ticket(lodging, **passport)
    again = hall.issue(lodging, **passport | {"id_number": "c01x00t47"})
    assert again.status_code == 409 and again.json()["error"] == "duplicate_ticket"
    refused = hall.issue(ID_CARD, **passport)  # 身份证换领 takes a resident ID only
    assert refused.status_code == 422 and refused.json()["error"] == "document_not_accepted"


def test_issue_refusals(hall: Hall, client: TestClient) -> None:
    assert hall.issue("NO-SUCH").status_code == 404
    no_hall = client.post("/api/halls/nope/tickets", json={"service": ID_CARD}, headers=hall.kiosk)
    assert no_hall.status_code == 403  # a kiosk of h1 has no business elsewhere
    admin_no_hall = client.post(
        "/api/halls/nope/tickets", json={"service": ID_CARD}, headers=hall.admin
    )
    assert admin_no_hall.status_code == 404
    anonymous = client.post("/api/halls/h1/tickets", json={"service": ID_CARD})
    assert anonymous.status_code == 401
    wrong_token = client.post(
        "/api/halls/h1/tickets", json={"service": ID_CARD}, headers=bearer("yc_forged")
    )
    assert wrong_token.status_code == 401
    display = client.post("/api/halls/h1/tickets", json={"service": ID_CARD}, headers=hall.display)
    assert display.status_code == 403


def test_hall_with_a_subset_of_services_refuses_the_others(client: TestClient) -> None:
    admin = bearer("admin-secret-for-tests")
    Hall.ok(
        client.post(
            "/api/halls",
            json={"id": "town", "name": "镇便民服务站", "services": [ID_CARD]},
            headers=admin,
        )
    )
    kiosk = Hall.ok(
        client.post("/api/tokens", json={"role": "kiosk", "hall": "town"}, headers=admin)
    )["token"]
    reply = client.post(
        "/api/halls/town/tickets", json={"service": PASSPORT}, headers=bearer(kiosk)
    )
    assert reply.status_code == 404
    assert reply.json()["error"] == "service_not_offered"
    assert reply.json()["message"] == "本大厅不办理「普通护照首次申请」，请咨询工作人员"


def test_holder_view_follows_the_ticket(hall: Hall, client: TestClient, clock: Clock) -> None:
    ticket = hall.ticket()
    behind = hall.ticket()
    view = client.get(f"/api/tickets/{behind['id']}").json()
    assert (view["status"], view["position"], view["window"]) == ("waiting", 1, None)
    hall.open(2)
    hall.do(2, "call-next")
    view = client.get(f"/api/tickets/{ticket['id']}").json()
    assert (view["status"], view["window"]) == ("called", 2)
    assert client.get(f"/api/tickets/{behind['id']}").json()["position"] == 0
    assert client.get("/api/tickets/unknown-id").status_code == 404


def test_holder_can_cancel_a_waiting_ticket_once(hall: Hall, client: TestClient) -> None:
    ticket = hall.ticket()
    nxt = hall.ticket()
    assert client.post(f"/api/tickets/{ticket['id']}/cancel").json()["status"] == "cancelled"
    again = client.post(f"/api/tickets/{ticket['id']}/cancel")
    assert again.status_code == 409 and again.json()["error"] == "invalid_transition"
    assert again.json()["message"] == "该号码当前为「已取消」，不能取消"
    hall.open(1)
    assert hall.do(1, "call-next")["ticket"]["number"] == nxt["number"]


def test_rating_once_after_finish(hall: Hall, client: TestClient, clock: Clock) -> None:
    ticket = hall.ticket()
    early = client.post(f"/api/tickets/{ticket['id']}/rating", json={"score": 5})
    assert early.status_code == 409 and early.json()["error"] == "not_finished"
    hall.open(1)
    hall.serve(1)
    assert client.post(f"/api/tickets/{ticket['id']}/rating", json={"score": 6}).status_code == 422
    rated = client.post(f"/api/tickets/{ticket['id']}/rating", json={"score": 4, "comment": "快"})
    assert rated.status_code == 201
    changed = client.post(f"/api/tickets/{ticket['id']}/rating", json={"score": 5})
    assert changed.status_code == 201 and changed.json()["changed"] is True  # within 10 minutes
    clock.advance(10 * 60)
    twice = client.post(f"/api/tickets/{ticket['id']}/rating", json={"score": 4})
    assert twice.status_code == 409 and twice.json()["error"] == "already_rated"
    ratings = hall.stats()["ratings"]
    assert ratings["count"] == 1 and ratings["by_grade"]["5"] == 1 and ratings["mean"] == 5


def test_a_kiosk_catches_up_on_its_own_tickets_after_a_seq(hall: Hall, client: TestClient) -> None:
    other_kiosk = hall.token("kiosk")
    seq = hall.ok(client.get("/api/halls/h1/board", headers=hall.kiosk))["seq"]
    mine = hall.ticket()
    client.post("/api/halls/h1/tickets", json={"service": ID_CARD}, headers=other_kiosk)
    later = hall.ticket(PASSPORT)
    listed = hall.ok(client.get(f"/api/halls/h1/tickets?since_seq={seq}", headers=hall.kiosk))
    assert [t["id"] for t in listed["tickets"]] == [mine["id"], later["id"]]
    everyone = hall.ok(
        client.get(f"/api/halls/h1/tickets?since_seq={seq}", headers=hall.supervisor)
    )
    assert len(everyone["tickets"]) == 3
    assert client.get("/api/halls/h1/tickets?since_seq=x", headers=hall.kiosk).status_code == 422
    assert client.get("/api/halls/h1/tickets", headers=hall.display).status_code == 403


def test_appointment_only_services_refuse_walk_in_tickets(hall: Hall) -> None:
    reply = hall.issue("CRJ-WG-JL")  # 外国人工作类居留许可: by appointment only
    assert reply.status_code == 409 and reply.json()["error"] == "appointment_only"
    assert "需预约办理" in reply.json()["message"]


def test_ticket_ids_never_start_with_a_dash() -> None:
    """A printer's command line (`ticket-printer print --ticket ID`) would read one
    as an option; one id in 64 started so before."""
    ids = [new_ticket_id() for _ in range(5000)]
    assert not [i for i in ids if i.startswith("-")]
    assert len(set(ids)) == 5000 and {len(i) for i in ids} == {16}

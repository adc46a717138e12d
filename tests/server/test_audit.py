"""The audit (issue 14): a change made for a person is recorded with the change,
in the same transaction; supervisors read the day's records and export them;
no secret or personal data is ever in them."""

from datetime import UTC, datetime

from queue_server.access import Principal, Role
from queue_server.audit import record
from queue_server.store import Store
from tests.server.conftest import SET_UP, Hall


def audit(hall: Hall, query: str = "") -> list[dict[str, object]]:
    """The day's records but the hall fixture's own set-up (its windows)."""
    answer = hall.ok(hall.c.get(f"/api/halls/h1/audit{query}", headers=hall.supervisor))
    records: list[dict[str, object]] = answer["records"]
    return [r for r in records if r["action"] not in SET_UP]


def test_a_supervisor_cancelling_a_ticket_is_on_the_days_record(hall: Hall) -> None:
    ticket = hall.ticket()
    cancel = f"/api/halls/h1/tickets/{ticket['number']}/cancel"
    hall.ok(hall.c.post(cancel, headers=hall.supervisor))
    [entry] = audit(hall)
    assert entry["action"] == "ticket.cancel"
    assert entry["target"] == ticket["number"]
    assert str(entry["actor"]).startswith("supervisor:")
    assert str(entry["at"]).startswith("2026-11-25T")  # the hall's day, in its zone
    assert audit(hall, "?date=2026-11-24") == []


def test_a_refused_change_leaves_no_record(hall: Hall) -> None:
    refused = hall.c.post("/api/halls/h1/tickets/A999/cancel", headers=hall.supervisor)
    assert refused.status_code == 404
    assert audit(hall) == []


def test_only_the_halls_supervisors_and_admins_read_it(hall: Hall) -> None:
    for caller in (hall.kiosk, hall.display, hall.windows[1]):
        assert hall.c.get("/api/halls/h1/audit", headers=caller).status_code == 403
    bad = hall.c.get("/api/halls/h1/audit?date=25.11.2026", headers=hall.supervisor)
    assert bad.status_code == 422
    assert "2026-11-25" in bad.json()["message"]
    for far in ("9999-12-31", "0001-01-01"):  # a day with no next (or previous) day
        for path in ("audit", "audit.csv", "stats"):
            answer = hall.c.get(f"/api/halls/h1/{path}?date={far}", headers=hall.supervisor)
            assert answer.status_code == 422, (path, far, answer.text)


def test_the_csv_export_is_headed_in_chinese_and_neutralises_formulas(hall: Hall) -> None:
    hall.ok(
        hall.c.post(
            f"/api/halls/h1/tickets/{hall.ticket()['number']}/cancel", headers=hall.supervisor
        )
    )
    answer = hall.c.get("/api/halls/h1/audit.csv?date=2026-11-25", headers=hall.supervisor)
    assert answer.status_code == 200
    assert 'filename="h1-audit-2026-11-25.csv"' in answer.headers["content-disposition"]
    lines = answer.text.lstrip("\ufeff").splitlines()
    assert lines[0] == "时间,操作人,操作,对象,修改前,修改后"
    assert "ticket.cancel" in lines[-1]  # after the fixture's windows


def test_secrets_and_personal_data_never_enter_a_record(db_url: str) -> None:
    store = Store(db_url)
    store.create_all()
    now = datetime(2026, 11, 25, 2, tzinfo=UTC)
    admin = Principal(Role.ADMIN)
    changed = {
        "name": "新名字",
        "password": "hunter2",
        "nested": [{"phone": "13800138000", "x": 1}],
    }
    try:
        with store.write() as tx:
            record(
                tx, admin, "h0", "staff.put", "A001", before={"token": "t"}, after=changed, now=now
            )
        with store.read() as tx:
            [row] = tx.audit_rows("h0", now, now.replace(hour=3))
    finally:
        store.dispose()
    assert row.before == {}
    assert row.after == {"name": "新名字", "nested": [{"x": 1}]}
    assert row.actor == "admin:admin"


def test_another_halls_records_are_not_shown(hall: Hall) -> None:
    assert hall.c.get("/api/halls/h9/audit", headers=hall.supervisor).status_code == 403
    assert hall.c.get("/api/halls/h9/audit", headers=hall.admin).status_code == 404

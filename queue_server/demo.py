"""The demo hall `demo`: 8 comprehensive windows, an exit-entry window, a green lane.

Idempotent: creating it twice keeps the first hall; each start hands out a
fresh set of demo tokens (the previous set is revoked, since tokens are
stored hashed and cannot be shown again) and fresh passwords for the demo
staff (an admin, a supervisor and three clerks), for the same reason.
"""

import secrets
from typing import Any

from .access import Principal, Role
from .bodies import HallIn, HallPatchIn, HoursIn, StaffIn, StaffPatchIn, WindowIn
from .domain import Lane
from .errors import Conflict
from .hours import WEEKDAYS
from .services import HallServices

DEMO_HALL = "demo"
DEMO_LABEL = "demo"
COMPREHENSIVE = range(1, 9)
EXIT_ENTRY_WINDOW = 9
GREEN_WINDOW = 10
# Open all day, every day, so that hours, closing and appointment slots can be
# tried whenever someone starts the demo (a real hall sets 09:00-12:00 and so on).
DEMO_HOURS = HoursIn(weekly={day: [["00:00", "23:59"]] for day in WEEKDAYS})
DEMO_STAFF = [
    ("D001", "演示管理员", "admin"),
    ("D002", "演示值班主管", "supervisor"),
    ("D101", "演示窗口一", "clerk"),
    ("D102", "演示窗口二", "clerk"),
    ("D103", "演示窗口三", "clerk"),
]


def ensure_demo_hall(services: HallServices) -> None:
    admin = Principal(Role.ADMIN)
    try:
        services.create_hall(admin, HallIn(id=DEMO_HALL, name="市公安局政务服务中心（演示大厅）"))
    except Conflict:
        # A demo database made before the demo had hours gets them now.
        if not services.hall_view(admin, DEMO_HALL)["hours"]["weekly"]:
            services.set_hours(admin, DEMO_HALL, DEMO_HOURS)
        return
    services.set_hours(admin, DEMO_HALL, DEMO_HOURS)
    # Where a booking's calendar entry sends the visitor (an invented address).
    services.update_hall(admin, DEMO_HALL, HallPatchIn(address="演示市人民路 100 号"))
    for n in COMPREHENSIVE:
        services.put_window(admin, DEMO_HALL, n, WindowIn(label=f"{n}号综合窗口", services="all"))
    services.put_window(
        admin,
        DEMO_HALL,
        EXIT_ENTRY_WINDOW,
        WindowIn(label=f"{EXIT_ENTRY_WINDOW}号出入境窗口", categories=["exit_entry"]),
    )
    services.put_window(
        admin,
        DEMO_HALL,
        GREEN_WINDOW,
        WindowIn(label=f"{GREEN_WINDOW}号绿色通道窗口", services="all", lane=Lane.GREEN),
    )


def demo_tokens(services: HallServices) -> list[dict[str, Any]]:
    """Revoke the previous demo tokens and issue one per device."""
    services.tokens.revoke_labelled(DEMO_HALL, DEMO_LABEL)
    wanted: list[tuple[Role, int | None]] = [
        (Role.KIOSK, None),
        (Role.DISPLAY, None),
        (Role.SUPERVISOR, None),
    ]
    wanted += [(Role.WINDOW, n) for n in [*COMPREHENSIVE, EXIT_ENTRY_WINDOW, GREEN_WINDOW]]
    return [services.tokens.issue(role, DEMO_HALL, n, DEMO_LABEL) for role, n in wanted]


def demo_staff(services: HallServices) -> list[dict[str, str]]:
    """The demo staff with a new password each (the accounts are made once)."""
    admin = Principal(Role.ADMIN)
    members = []
    for staff_no, name, role in DEMO_STAFF:
        password = secrets.token_urlsafe(9)
        try:
            body = StaffIn(staff_no=staff_no, name=name, role=role, password=password)
            services.create_staff(admin, DEMO_HALL, body)
        except Conflict:
            change = StaffPatchIn(password=password, active=True)
            services.change_staff(admin, DEMO_HALL, staff_no, change)
        members.append({"staff_no": staff_no, "name": name, "role": role, "password": password})
    return members

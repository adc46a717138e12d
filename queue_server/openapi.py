"""`GET /api/openapi.json`: the HTTP API as OpenAPI 3.1, from the app's own route table.

Every HTTP route appears, with its methods and typed path parameters, so a
new route is never missing. `DOCS` adds what the table cannot say: a summary,
who may call it, its request body (the pydantic models' JSON Schema) and its
query parameters. The websocket feed is described in docs/feed.md. A staff
session (the `yc_session` cookie of `POST /api/login`) is taken where a token
is, when no token is sent. `openapi_document.describe` builds the document.
"""

from dataclasses import dataclass

from pydantic import BaseModel

from .bodies import (
    AppointmentIn,
    CallIn,
    CancelIn,
    CatalogueItemIn,
    ChallengeIn,
    CheckInIn,
    ConfirmIn,
    DeclaredGroupsIn,
    DeviceIn,
    DeviceStatusIn,
    DoorCheckInIn,
    ExtendIn,
    ExtraSessionsIn,
    FinishIn,
    FollowupCloseIn,
    GreenChannelIn,
    GreenCheckIn,
    HallIn,
    HallPatchIn,
    HoursIn,
    LoginIn,
    MoveIn,
    PolicyIn,
    RatingIn,
    ReminderConfirmIn,
    ReminderIn,
    RemoteArrivalIn,
    RemoteConfirmIn,
    RemoteTicketIn,
    StaffIn,
    StaffPatchIn,
    TicketIn,
    TicketRefIn,
    TokenIn,
    TradeoffIn,
    TransferIn,
    WebhookIn,
    WindowIn,
)
from .case_bodies import (
    CaseAssignIn,
    CaseCallbackIn,
    CaseCloseIn,
    CaseDismissIn,
    CaseRectifyIn,
    CaseVerifyIn,
    FeedbackIn,
    NotDoneIn,
)
from .visit_bodies import VisitCodeIn, VisitDeclineIn, VisitDoneIn, VisitIn, VisitScheduleIn

PUBLIC = "public"


@dataclass(frozen=True, slots=True)
class Doc:
    summary: str
    who: str = PUBLIC
    body: tuple[type[BaseModel], ...] = ()  # several: the body is one of them
    query: tuple[str, ...] = ()


HALL = "/api/halls/{hall}"
DOCS: dict[tuple[str, str], Doc] = {
    ("GET", "/healthz"): Doc("liveness"),
    ("GET", "/readyz"): Doc("readiness: the database, Redis (when configured), the scheduler"),
    ("GET", "/metrics"): Doc(
        "Prometheus metrics of this process", "QUEUE_METRICS_TOKEN, else this machine only"
    ),
    ("GET", "/api/services"): Doc("the catalogue of categories and service items"),
    ("GET", "/api/openapi.json"): Doc("this description"),
    ("POST", "/api/halls"): Doc("create a hall", "admin", (HallIn,)),
    ("GET", HALL): Doc("hall, policy, offered services, windows", "any token of the hall"),
    ("PUT", f"{HALL}/policy"): Doc("dispatch settings of the hall", "admin", (PolicyIn,)),
    ("GET", f"{HALL}/policy/tradeoff"): Doc("trade-offs in plain words", "admin, supervisor"),
    ("PUT", f"{HALL}/policy/tradeoff"): Doc("set a trade-off", "admin", (TradeoffIn,)),
    ("PUT", f"{HALL}/hours"): Doc(
        "opening hours, closed dates and the holiday calendar", "admin", (HoursIn,)
    ),
    ("PATCH", HALL): Doc("the hall's name, time zone, lobby announcement", "admin", (HallPatchIn,)),
    ("PUT", f"{HALL}/extra-sessions"): Doc(
        "专项服务: sessions outside the usual hours", "admin", (ExtraSessionsIn,)
    ),
    ("POST", f"{HALL}/extend"): Doc(
        "延时服务: serve today's ticket holders until a later time", "supervisor", (ExtendIn,)
    ),
    ("PUT", f"{HALL}/windows/{{n:int}}"): Doc("create or change a window", "admin", (WindowIn,)),
    ("GET", f"{HALL}/windows/{{n:int}}"): Doc("the clerk's view", "the window's token, supervisor"),
    ("GET", f"{HALL}/outbox"): Doc(
        "the delivery log: messages to the provincial platform and SMS, and each attempt",
        "supervisor",
        query=("limit",),
    ),
    ("GET", f"{HALL}/alerts"): Doc("the day's alerts", "supervisor", query=("date",)),
    ("POST", f"{HALL}/alerts/{{alert}}/ack"): Doc("acknowledge an alert", "supervisor"),
    ("GET", f"{HALL}/audit"): Doc("the day's audit records", "supervisor", query=("date",)),
    ("GET", f"{HALL}/audit.csv"): Doc(
        "the day's audit records as CSV", "supervisor", query=("date",)
    ),
    ("POST", f"{HALL}/windows/{{n:int}}/{{action}}"): Doc(
        "a window action: open, pause, resume, close, call-next, call, recall, start, "
        "finish, no-show, transfer, suspend, resume-ticket, green-check",
        "the window's token, supervisor",
        (CallIn, FinishIn, TransferIn, TicketRefIn, GreenCheckIn),
    ),
    ("POST", f"{HALL}/tickets"): Doc(
        "issue a ticket; a staff member may add a pre-check note (导办)",
        "kiosk, supervisor, a staff session of the hall",
        (TicketIn,),
    ),
    ("GET", f"{HALL}/items"): Doc(
        "the hall's items by name or pinyin (initials), with materials",
        "a staff session of the hall",
        query=("q",),
    ),
    ("GET", f"{HALL}/estimate"): Doc(
        "how long a ticket for the service taken now would wait",
        "any token or staff session of the hall",
        query=("service",),
    ),
    ("GET", f"{HALL}/green-channels"): Doc(
        "temporary green channels (专项服务), each saying whether it runs today",
        "any token or staff session of the hall",
    ),
    ("POST", f"{HALL}/green-channels"): Doc(
        "open a temporary green channel for a group, items and dates", "admin", (GreenChannelIn,)
    ),
    ("DELETE", f"{HALL}/green-channels/{{id}}"): Doc("remove a temporary green channel", "admin"),
    ("GET", f"{HALL}/declared-groups"): Doc(
        "green-channel groups an ID number cannot show (checked by the clerk)",
        "any token or staff session of the hall",
    ),
    ("PUT", f"{HALL}/declared-groups"): Doc(
        "set the hall's declared green-channel groups", "admin", (DeclaredGroupsIn,)
    ),
    ("GET", f"{HALL}/webhooks"): Doc("the hall's webhook subscriptions (no secrets)", "admin"),
    ("POST", f"{HALL}/webhooks"): Doc(
        "subscribe a receiver to events; the secret is in this answer only", "admin", (WebhookIn,)
    ),
    ("DELETE", f"{HALL}/webhooks/{{id}}"): Doc("remove a webhook subscription", "admin"),
    ("GET", f"{HALL}/followups"): Doc(
        "容缺受理 follow-ups, soonest due first (open, or all)",
        "window, supervisor",
        query=("status",),
    ),
    ("POST", f"{HALL}/followups/{{ticket_id}}/close"): Doc(
        "the missing materials arrived: close the follow-up",
        "window, supervisor",
        (FollowupCloseIn,),
    ),
    ("GET", f"{HALL}/tickets"): Doc(
        "tickets issued after a feed seq", "kiosk, supervisor", query=("since_seq",)
    ),
    ("GET", f"{HALL}/stats"): Doc("the day's figures", "supervisor", query=("date",)),
    ("GET", f"{HALL}/calls/reasons"): Doc(
        "the day's calls by reason (叫号原因), the out-of-order ones with the tickets "
        "they passed over and the wait that cost them",
        "supervisor",
        query=("date",),
    ),
    ("GET", f"{HALL}/ratings/report"): Doc(
        "好差评 figures over business dates, by hall, window, staff, service, day or month",
        "supervisor",
        query=("from", "to", "by"),
    ),
    ("GET", f"{HALL}/ratings/report.csv"): Doc(
        "the 好差评 report as CSV headed in Chinese", "supervisor", query=("from", "to", "by")
    ),
    ("GET", f"{HALL}/staffing"): Doc(
        "排班建议: per half-hour of a day, forecast arrivals and work, the windows to open "
        "and the expected mean wait, from the same weekday's recorded days",
        "supervisor",
        query=("date",),
    ),
    ("GET", f"{HALL}/snapshots"): Doc("figures every 5 minutes", "supervisor", query=("date",)),
    ("GET", f"{HALL}/queues"): Doc("waiting per service", "window, supervisor"),
    ("GET", f"{HALL}/tickets.csv"): Doc(
        "the day's tickets as CSV", "supervisor", query=("date", "lang")
    ),
    ("POST", f"{HALL}/tickets/{{ticket}}/cancel"): Doc("cancel a ticket", "supervisor"),
    ("GET", f"{HALL}/board"): Doc("the display snapshot", "any token of the hall"),
    ("GET", f"{HALL}/devices"): Doc(
        "every credential of the hall with its last heartbeat and printer state",
        "kiosk, display, supervisor, admin",
    ),
    ("POST", f"{HALL}/devices"): Doc(
        "a device credential without a secret, and its one-time link and QR", "admin", (DeviceIn,)
    ),
    ("POST", f"{HALL}/devices/status"): Doc("a printer's state", "kiosk", (DeviceStatusIn,)),
    ("POST", f"{HALL}/devices/heartbeat"): Doc("a device page is alive", "kiosk, display, window"),
    ("POST", "/api/devices/claim/{code}"): Doc(
        "open a one-time device link: the device's token, shown once, and its page"
    ),
    ("GET", "/api/city"): Doc("every hall's live figures", "admin (server-wide)"),
    ("GET", f"{HALL}/booking"): Doc(
        "what the booking page offers: items by category, the days up to the horizon"
    ),
    ("GET", f"{HALL}/slots"): Doc("appointment slots", query=("service", "date")),
    ("POST", f"{HALL}/appointments"): Doc("book an appointment", body=(AppointmentIn,)),
    ("POST", f"{HALL}/appointments/confirm"): Doc(
        "confirm a booking with the code texted to the phone", body=(ConfirmIn,)
    ),
    ("POST", f"{HALL}/appointments/check-in"): Doc("check in a booking", "kiosk", (CheckInIn,)),
    ("GET", f"{HALL}/remote-tickets"): Doc(
        "线上取号: the items a phone may queue for now, whether the hall is open, the grace"
    ),
    ("POST", f"{HALL}/remote-tickets"): Doc(
        "take a place in today's queue from a phone: checks the item, the hours, the share "
        "of remote places and one live place per phone, then texts a code (202: challenge)",
        body=(RemoteTicketIn,),
    ),
    ("POST", f"{HALL}/remote-tickets/confirm"): Doc(
        "the texted code issues the remote place (201); a retry returns the same ticket (200)",
        body=(RemoteConfirmIn,),
    ),
    ("POST", f"{HALL}/remote-tickets/check-in"): Doc(
        "a remote place's holder arrives at the ticket machine: the ticket's QR, the ID "
        "number it was taken with, or today's number then the code texted to its phone",
        "kiosk",
        (RemoteArrivalIn,),
    ),
    ("POST", "/api/tickets/{id}/check-in"): Doc(
        "a remote place's holder arrives: the code of the hall's door QR (today's)",
        body=(DoorCheckInIn,),
    ),
    ("GET", f"{HALL}/door"): Doc("today's door QR for the sign at the hall's door", "supervisor"),
    ("GET", "/api/appointments/{code}"): Doc("a booking, masked (the code is the key)"),
    ("GET", "/api/appointments/{code}.ics"): Doc("a booking as a calendar entry (text/calendar)"),
    ("POST", "/api/appointments/{code}/challenge"): Doc(
        "text a code to the booking's phone, to cancel or move it", body=(ChallengeIn,)
    ),
    ("POST", "/api/appointments/{code}/cancel"): Doc(
        "cancel a booking with its phone's code", body=(CancelIn,)
    ),
    ("POST", "/api/appointments/{code}/move"): Doc(
        "move a booking to another free slot with its phone's code", body=(MoveIn,)
    ),
    ("POST", f"{HALL}/home-visits"): Doc(
        "ask for a home visit (送服务上门): a code is texted to the phone", body=(VisitIn,)
    ),
    ("GET", f"{HALL}/home-visits/form"): Doc(
        "what the home visit page offers: the hall's items, kinds, reasons, dates"
    ),
    ("POST", f"{HALL}/home-visits/confirm"): Doc(
        "confirm a home visit request with the texted code: its code and masked view",
        body=(VisitCodeIn,),
    ),
    ("GET", f"{HALL}/home-visits"): Doc(
        "the hall's home visits (default: requested and scheduled), masked, and its staff",
        "supervisor",
        query=("status",),
    ),
    ("GET", f"{HALL}/home-visits/{{id}}/contact"): Doc(
        "the whole address and phone of a visit, audited",
        "the assigned member, a supervisor or admin, signed in by 工号",
    ),
    ("POST", f"{HALL}/home-visits/{{id}}/{{action}}"): Doc(
        "schedule (a time and a member), decline (a reason) or record done (as a served ticket)",
        "supervisor",
        (VisitScheduleIn, VisitDeclineIn, VisitDoneIn),
    ),
    ("GET", "/api/home-visits/{id}"): Doc("a home visit, masked (its code is the key)"),
    ("POST", "/api/home-visits/{id}/cancel"): Doc(
        "ask to cancel a home visit: a code is texted to the request's phone"
    ),
    ("POST", "/api/home-visits/{id}/cancel/confirm"): Doc(
        "cancel a home visit with the texted code", body=(VisitCodeIn,)
    ),
    ("POST", "/api/tokens"): Doc("create a token, shown once", "admin", (TokenIn,)),
    ("GET", "/api/tokens"): Doc("every token, without its secret", "admin", query=("hall",)),
    ("DELETE", "/api/tokens/{id}"): Doc("revoke a token at once", "admin"),
    ("POST", "/api/tokens/{id}/revoke"): Doc("revoke a token at once", "admin"),
    ("GET", "/api/whoami"): Doc(
        "the caller's role, hall and window; a signed-in member's account", "any token, a session"
    ),
    ("POST", f"{HALL}/staff"): Doc("add a staff member", "admin", (StaffIn,)),
    ("GET", f"{HALL}/staff"): Doc(
        "the hall's staff, without passwords, each with the window signed in at",
        "admin, supervisor",
    ),
    ("GET", f"{HALL}/tickets/{{ticket}}/transitions"): Doc(
        "a ticket's record (by id, or by number on the day, today by default):"
        " each step's time, window and 工号",
        "admin, supervisor",
        query=("date",),
    ),
    ("PATCH", f"{HALL}/staff/{{staff_no}}"): Doc(
        "change a member; a new password or deactivation signs them out", "admin", (StaffPatchIn,)
    ),
    ("POST", "/api/login"): Doc(
        "sign a staff member in: the session cookie yc_session", body=(LoginIn,)
    ),
    ("POST", f"{HALL}/windows/{{n:int}}/sign-in"): Doc(
        "sign the session in at a window: it then acts as that window", "a staff session"
    ),
    ("POST", f"{HALL}/windows/{{n:int}}/sign-out"): Doc(
        "sign the window's member out", "the window's session or token, supervisor"
    ),
    ("POST", "/api/logout"): Doc("end the cookie's session and clear the cookie"),
    ("GET", "/api/policy-settings"): Doc(
        "each policy setting: label, one-line explanation and unit (Chinese), default, range"
    ),
    ("GET", f"{HALL}/catalogue"): Doc(
        "every item as the hall runs it: enabled, its own settings marked, the catalogue's",
        "any token or staff session of the hall",
    ),
    ("PATCH", f"{HALL}/catalogue/{{code}}"): Doc(
        "switch an item on or off, or set the hall's own values (null: the catalogue's)",
        "admin",
        (CatalogueItemIn,),
    ),
    ("GET", "/api/tickets/{id}"): Doc("the holder's view (the id is the key)"),
    ("GET", "/api/tickets/{id}/checklist"): Doc(
        "the ticket's 办事指引: its item's tree, the answers given, the personal 收件清单"
    ),
    ("POST", "/api/tickets/{id}/rating"): Doc(
        "rate the service (5 grades; a bad one with reasons), or change it for a short time",
        body=(RatingIn,),
    ),
    ("GET", "/api/tickets/{id}/rating"): Doc("the grades, the hall's reasons and the rating given"),
    ("POST", "/api/tickets/{id}/cancel"): Doc("the holder gives up the ticket"),
    ("GET", "/api/tickets/{id}/reminders"): Doc(
        "whether text reminders are on (phone masked, N ahead), the hall's default N"
    ),
    ("POST", "/api/tickets/{id}/reminders"): Doc(
        "text reminders on: a code to the phone (202), or at once to the booking's phone",
        body=(ReminderIn,),
    ),
    ("POST", "/api/tickets/{id}/reminders/confirm"): Doc(
        "the code texted: reminders on", body=(ReminderConfirmIn,)
    ),
    ("DELETE", "/api/tickets/{id}/reminders"): Doc("text reminders off"),
    ("GET", f"{HALL}/cases"): Doc(
        "差评 and 办不成事 cases, the most pressing first (default: the running ones)",
        "supervisor",
        query=("status", "kind", "from", "to"),
    ),
    ("POST", f"{HALL}/cases"): Doc(
        "「办不成事」: a visitor says a matter could not be done; opens a case "
        "(without a token: the holder's ticket id is required)",
        "public with the ticket's id; kiosk, window, supervisor, staff",
        (NotDoneIn,),
    ),
    ("GET", f"{HALL}/cases/{{id}}"): Doc(
        "one case with its whole record (the whole call-back phone for a supervisor "
        "or admin signed in by 工号)",
        "supervisor",
    ),
    ("POST", f"{HALL}/cases/{{id}}/assign"): Doc(
        "hand a case to a supervisor of the hall", "supervisor", (CaseAssignIn,)
    ),
    ("POST", f"{HALL}/cases/{{id}}/{{action}}"): Doc(
        "move a case: verify (核实), rectify (整改), callback (回访), close (办结), "
        "dismiss (认定不实, with a reason)",
        "supervisor",
        (CaseVerifyIn, CaseRectifyIn, CaseCallbackIn, CaseCloseIn, CaseDismissIn),
    ),
    ("GET", f"{HALL}/feedback"): Doc(
        "the hall's 好差评 settings (the reasons)", "any token of the hall"
    ),
    ("PUT", f"{HALL}/feedback"): Doc(
        "set the reasons a 差评 may give (1-12, each 1-20 characters)", "admin", (FeedbackIn,)
    ),
}

"""A hall's devices: their credentials, handed over by one-time links and revoked
at once, their heartbeats and printer reports, and the list the director sees.

A credential made for a device (`create_device`) has no secret yet: the admin
gets a one-time link (its code stored hashed, valid CLAIM_S), and the device
that opens it gets the token's secret then (`claim_device`), so the secret
exists on that device alone. Making, handing over and revoking a credential
are audited, never with a secret.

Heartbeats come every few seconds from every device page; a beat is written
(DeviceRow.seen_at) only when the last one this process wrote for the device
is older than BEAT_WRITE_S, so a hall's devices cost the database a few rows
a minute, not one write per beat.
"""

import secrets
import time
from datetime import datetime, timedelta, tzinfo
from typing import Any

from .access import Principal, Role, new_token, require, token_hash
from .audit import record
from .bodies import DeviceIn, DeviceStatusIn
from .domain import Hall
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .models import DeviceRow, TokenRow
from .protocol import DEVICE_STATES_ZH, DeviceState, Event, EventType
from .public import local_iso, public_device
from .store import Tx
from .tokens import UNCLAIMED, token_state, token_view
from .transactions import Runner

CLAIM_S = 24 * 3600  # how long a one-time link may wait to be opened
BEAT_WRITE_S = 30  # a device's heartbeat is written at most this often (per process)
ONLINE_S = 120  # unheard for longer, a device shows as offline (pages beat every 20 s)
SILENT_S = 300  # unheard this long while the hall is open: an alert (device_silent)
DEVICE_ROLES = frozenset({Role.KIOSK, Role.DISPLAY, Role.WINDOW})
_ROLES = {"kiosk": Role.KIOSK, "display": Role.DISPLAY, "evaluator": Role.WINDOW}


class Devices(Runner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._beats: dict[str, datetime] = {}  # token id -> the last beat this process wrote

    # ------------------------------------------------------------ credentials

    def create_device(
        self, principal: Principal, hall_id: str, body: DeviceIn, base_url: str
    ) -> dict[str, Any]:
        """A credential without a secret, and the one-time link that hands it over."""
        require(principal, set(), hall=hall_id)
        role = _ROLES[body.role]
        if body.role == "evaluator" and body.window is None:
            raise InvalidInput("评价器须指定窗口号", en="an evaluator needs a window number")
        if body.role == "kiosk" and body.window is not None:
            raise InvalidInput("取号机不属于某个窗口", en="a kiosk takes no window number")
        code = secrets.token_urlsafe(24)

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            zone = tx.hall(hall_id).zone
            if body.window is not None:
                tx.window(hall_id, body.window)
            token_id = secrets.token_hex(4)
            days = body.expires_in_days
            row = TokenRow(
                id=token_id,
                token_hash=UNCLAIMED + token_id,
                role=role.value,
                hall_id=hall_id,
                window=body.window,
                label=body.label,
                created_at=now,
                expires_at=now + timedelta(days=days) if days else None,
                claim_hash=token_hash(code),
                claim_expires_at=now + timedelta(seconds=CLAIM_S),
            )
            tx.add_token(row)
            view = token_view(row, now)
            record(tx, principal, hall_id, "device.link", _target(row), after=view, now=now)
            return view | {
                "link": f"{base_url.rstrip('/')}/device/claim/{code}",
                "link_expires_at": local_iso(row.claim_expires_at, zone),
            }

        return self.write(None, work)

    def claim_device(self, code: str, address: str | None) -> dict[str, Any]:
        """Open a one-time link: the device's token is made now and shown this once,
        with the page the device is to show. A second opening is refused."""
        if address is not None:
            self.tokens.failures.check(address, time.monotonic())

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            row = tx.token_by_claim(token_hash(code))
            if row is None:
                if address is not None:
                    self.tokens.failures.failed(address, time.monotonic())
                raise NotFound(
                    "没有这个设备启用链接，请核对链接或向管理员重新申请",
                    en="no such device link; check it or ask an admin for a new one",
                    code="unknown_link",
                )
            _claimable(row, now)
            token = new_token()
            row.token_hash, row.claim_expires_at = token_hash(token), None
            tx.save_token(row)
            device = Principal(Role(row.role), hall=row.hall_id, window=row.window, token_id=row.id)
            record(tx, device, row.hall_id, "device.claim", _target(row), now=now)
            return {"token": token, "page": device_page(row)} | token_view(row, now)

        return self.write(None, work)

    def revoke_token(self, principal: Principal, token_id: str) -> dict[str, Any]:
        """Revoke at once (idempotent), by the server's admin or an admin of the
        token's hall. The caller tells the other processes (the doorbell's
        `tokens_revoked`); this process forgets its cache here."""

        def work(tx: Tx, now: datetime, _events: list[Event]) -> dict[str, Any]:
            row = tx.token_by_id(token_id)
            require(principal, set(), hall=row.hall_id)
            if row.revoked_at is None:
                before = token_view(row, now)
                row.revoked_at = now
                tx.save_token(row)
                after = token_view(row, now)
                record(
                    tx, principal, row.hall_id, "token.revoke", _target(row),
                    before=before, after=after, now=now,
                )  # fmt: skip
            return token_view(row, now)

        try:
            return self.write(None, work)
        finally:
            self.tokens.forget()

    # ------------------------------------------------------------ what devices say

    def heartbeat(self, principal: Principal, hall_id: str) -> None:
        """A device page is alive; written at most every BEAT_WRITE_S (see the module)."""
        require(principal, DEVICE_ROLES, hall=hall_id)
        if principal.staff_no is not None or principal.role is Role.ADMIN:
            raise Forbidden(
                "心跳只来自设备令牌", en="heartbeats come from device tokens", code="not_a_device"
            )
        key, last = principal.token_id, self._beats.get(principal.token_id)
        if last is not None and self.clock() - last < timedelta(seconds=BEAT_WRITE_S):
            return

        def work(tx: Tx, now: datetime, _events: list[Event]) -> None:
            row = tx.device(key) or DeviceRow(
                token_id=key, hall_id=hall_id, label=principal.label, state="", since=now
            )
            row.seen_at = now
            tx.save_device(row)
            self._beats[key] = now

        self.write(None, work)

    def report_device(
        self, principal: Principal, hall_id: str, body: DeviceStatusIn
    ) -> dict[str, Any]:
        """A ticket machine reports its printer; a change of state is announced once."""
        require(principal, {Role.KIOSK}, hall=hall_id)

        def work(tx: Tx, now: datetime, events: list[Event]) -> dict[str, Any]:
            zone = tx.hall(hall_id).zone
            row = tx.device(principal.token_id) or DeviceRow(
                token_id=principal.token_id, hall_id=hall_id, state="", since=now
            )
            changed = (row.state, row.detail) != (body.state, body.detail)
            if changed:
                row.label, row.state, row.detail, row.since = (
                    principal.label,
                    body.state,
                    body.detail,
                    now,
                )
                events.append(Event(EventType.DEVICE_STATUS, {"device": _reported(row, zone)}))
            # A report is a heartbeat too, written as seldom (printers report often).
            if (
                changed
                or row.seen_at is None
                or now - row.seen_at >= timedelta(seconds=BEAT_WRITE_S)
            ):
                row.seen_at = now
                tx.save_device(row)
            return _reported(row, zone)

        return self.write(hall_id, work)

    def devices(self, principal: Principal, hall_id: str) -> list[dict[str, Any]]:
        """Every credential of the hall, oldest first, with what its device last said."""
        require(principal, {Role.KIOSK, Role.SUPERVISOR, Role.DISPLAY}, hall=hall_id)
        now = self.clock()
        with self.store.read() as tx:
            zone = tx.hall(hall_id).zone
            reports = {row.token_id: row for row in tx.devices(hall_id)}
            tokens = tx.tokens(hall_id)
        return [_device_entry(t, reports.get(t.id), now, zone) for t in tokens]

    @staticmethod
    def device_alerts(tx: Tx, hall: Hall, now: datetime) -> list[tuple[str, str, dict[str, Any]]]:
        """A device that beat before and has been silent SILENT_S while the hall
        is open (kind, key, data): once per silence, keyed by its last beat. A
        revoked credential's device is meant to be silent; so is a closed hall's."""
        if hall.hours.session_at(now, hall.zone) is None:
            return []
        live = {t.id for t in tx.tokens(hall.id) if t.revoked_at is None}
        wanted = []
        for row in tx.devices(hall.id):
            if row.token_id not in live or row.seen_at is None:
                continue
            silent_s = int((now - row.seen_at).total_seconds())
            key = f"{row.token_id}:{row.seen_at.isoformat(timespec='seconds')}"
            if silent_s >= SILENT_S and tx.alert(hall.id, "device_silent", key) is None:
                data = {"label": row.label, "seen_at": local_iso(row.seen_at, hall.zone)}
                wanted.append(("device_silent", key, data | {"silent_s": silent_s}))
        return wanted


def device_page(row: TokenRow) -> str:
    """The page a claimed credential opens on its device (without the token)."""
    hall, window = row.hall_id, row.window
    if row.role == Role.KIOSK:
        return f"/kiosk/{hall}"
    if row.role == Role.WINDOW:
        return f"/window/{hall}/{window}/rate"
    return f"/display/{hall}" if window is None else f"/display/{hall}/window/{window}"


def _claimable(row: TokenRow, now: datetime) -> None:
    """Refuse a link already opened, past its time, or of a revoked credential."""
    if row.revoked_at is not None:
        raise Conflict(
            "此设备凭证已被吊销，链接不能再用",
            en="this device credential was revoked; the link no longer works",
            code="link_revoked",
        )
    if row.claim_expires_at is None:
        raise Conflict(
            "此链接已经使用过：每个链接只能打开一次。如需重新启用，请管理员重新创建",
            en="this link was already used; each link opens once. Ask an admin for a new one",
            code="link_used",
        )
    if row.claim_expires_at <= now:
        raise Conflict(
            "此链接已过期（24 小时内有效），请管理员重新创建",
            en="this link has expired (it lasts 24 hours); ask an admin for a new one",
            code="link_expired",
        )


def _target(row: TokenRow) -> str:
    return f"{row.id} {row.label}".strip()


def _reported(row: DeviceRow, zone: tzinfo) -> dict[str, Any]:
    return public_device(row.token_id, row.label, row.state, row.detail, row.since, zone)


def _device_entry(
    token: TokenRow, report: DeviceRow | None, now: datetime, zone: tzinfo
) -> dict[str, Any]:
    """A credential with its device's last heartbeat and printer state (`state`:
    None until a printer reported; `fault`: its Chinese name when not ok)."""
    seen = report.seen_at if report else None
    state = report.state if report and report.state else None
    return {
        "id": token.id,
        "role": token.role,
        "window": token.window,
        "label": token.label,
        "credential": token_state(token, now),
        "created_at": local_iso(token.created_at, zone),
        "expires_at": local_iso(token.expires_at, zone),
        "revoked_at": local_iso(token.revoked_at, zone),
        "link_expires_at": local_iso(token.claim_expires_at, zone),
        "seen_at": local_iso(seen, zone),
        "online": seen is not None and now - seen < timedelta(seconds=ONLINE_S),
        "state": state,
        "state_zh": DEVICE_STATES_ZH.get(state, state) if state else None,
        "fault": DEVICE_STATES_ZH.get(state, state) if state and state != DeviceState.OK else None,
        "detail": report.detail if state and report else None,
        "since": local_iso(report.since, zone) if state and report else None,
    }

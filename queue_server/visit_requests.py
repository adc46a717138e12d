"""The requester's side of 送服务上门 (home visits): ask for one from a phone,
prove the phone with a code (`PhoneChallenges`, purpose `visit`), look at it
by its code, cancel it with a new code to the same phone.

The request is checked whole before any text goes out; the challenge carries
it with the name masked and the address already sealed, so nothing personal
waits in the clear for the code. The code's answer and the stored visit
commit together.
"""

import secrets
from datetime import datetime, timedelta
from typing import Any

from . import otp
from .appointments import mask_phone
from .citizen_models import HomeVisitRow, PhoneChallengeRow
from .errors import InvalidInput
from .home_visits import (
    KIND_ZH,
    REASON_ZH,
    Mover,
    VisitAction,
    VisitKind,
    VisitReason,
    VisitRequest,
    VisitStatus,
    check_request,
    next_status,
    step,
)
from .identity import mask_name, personal_data_in
from .phone_challenges import PhoneChallenges
from .protocol import Event
from .services import HallServices
from .store import Tx
from .visit_bodies import VisitCodeIn, VisitIn
from .visit_desk import visit_of
from .visit_views import visit_view

PURPOSE = "visit"
REQUESTER = "申请人"  # how the record names the requester (never by name)


class VisitRequests:
    def __init__(self, services: HallServices, challenges: PhoneChallenges) -> None:
        self.services = services
        self.challenges = challenges

    def form(self, hall_id: str) -> dict[str, Any]:
        """What the request page offers: the hall's items (with materials), the
        kinds and reasons, the dates that may be wanted, a company's fewest people."""
        s = self.services
        with s.store.read() as tx:
            hall = tx.hall(hall_id)
        items, _targets = s.catalogue.for_hall(hall)
        today = hall.business_date(s.clock())
        policy = hall.policy
        return {
            "hall": hall_id,
            "hall_name": hall.name,
            "items": [
                {
                    "code": item.code,
                    "name": item.name,
                    "category_name": s.catalogue.categories[item.category].name,
                    "materials": list(item.materials),
                }
                for item in items.values()
                if hall.offers(item.code)
            ],
            "kinds": [{"value": k.value, "name": KIND_ZH[k]} for k in VisitKind],
            "reasons": [{"value": r.value, "name": REASON_ZH[r]} for r in VisitReason],
            "first_date": (today + timedelta(days=1)).isoformat(),
            "last_date": (today + timedelta(days=policy.visit_horizon_days)).isoformat(),
            "company_min": policy.visit_company_min,
        }

    def request(self, hall_id: str, body: VisitIn, client: str) -> dict[str, Any]:
        """Check the request and text a code to its phone; the challenge."""
        s = self.services
        if body.note and personal_data_in(body.note):
            raise InvalidInput(
                "备注中不能填写手机号码或证件号码（手机号码请填在「手机号码」一栏）",
                en="the note holds what looks like a phone or ID number; remove it",
                code="note_personal_data",
            )
        with s.store.read() as tx:
            hall = tx.hall(hall_id)
        check_request(
            VisitRequest(body.kind, body.service, body.reason, body.people, body.wanted_date),
            today=hall.business_date(s.clock()),
            horizon_days=hall.policy.visit_horizon_days,
            company_min=hall.policy.visit_company_min,
            offered=[c for c in s.catalogue.services if hall.offers(c)],
        )
        phone = otp.normalise_phone(body.phone)
        payload = {
            "do": "request",
            "kind": body.kind.value,
            "service": body.service,
            "reason": body.reason.value,
            "people": body.people,
            "contact_masked": mask_name(body.contact_name),
            "phone_masked": mask_phone(phone),
            "address_enc": s.sealer.seal(body.address),
            "wanted_date": body.wanted_date.isoformat(),
            "note": body.note or None,
        }
        return self.challenges.send(
            hall_id, PURPOSE, phone, client, payload=payload, what="申请上门服务"
        )

    def confirm(self, hall_id: str, body: VisitCodeIn, client: str) -> dict[str, Any]:
        """The code answered: the visit is stored (requested); its view with the code."""

        def then(
            tx: Tx, challenge: PhoneChallengeRow, now: datetime, _events: list[Event]
        ) -> dict[str, Any]:
            p = challenge.payload or {}
            if p.get("do") != "request" or challenge.phone_enc is None:
                raise _not_this_code()
            row = HomeVisitRow(
                id=secrets.token_urlsafe(12)[:16],
                hall_id=hall_id,
                kind=p["kind"],
                service=p["service"],
                reason=p["reason"],
                people=p["people"],
                contact_masked=p["contact_masked"],
                phone_masked=p["phone_masked"],
                phone_hash=challenge.phone_hash,
                phone_enc=challenge.phone_enc,
                address_enc=p["address_enc"],
                wanted_date=datetime.fromisoformat(p["wanted_date"]).date(),
                note=p["note"],
                status=VisitStatus.REQUESTED.value,
                steps=[step("request", REQUESTER, now.isoformat())],
                created_at=now,
            )
            tx.save_home_visit(row)
            return visit_view(row, tx.hall(hall_id), self.services.catalogue, by=Mover.REQUESTER)

        return self.challenges.redeem(hall_id, body.challenge, body.code, PURPOSE, client, then)

    def show(self, visit_id: str) -> dict[str, Any]:
        """The requester's view (no token: the unguessable code is the key)."""
        with self.services.store.read() as tx:
            row = visit_of(tx, None, visit_id)
            return visit_view(
                row, tx.hall(row.hall_id), self.services.catalogue, by=Mover.REQUESTER
            )

    def ask_cancel(self, visit_id: str, client: str) -> dict[str, Any]:
        """Text a code to the request's own phone before it is cancelled."""
        with self.services.store.read() as tx:
            row = visit_of(tx, None, visit_id)
        next_status(VisitStatus(row.status), VisitAction.CANCEL, Mover.REQUESTER)
        phone = self.services.sealer.open(row.phone_enc)
        if phone is None:
            raise _not_this_code()
        return self.challenges.send(
            row.hall_id, PURPOSE, phone, client, subject=row.id,
            payload={"do": "cancel"}, what="取消上门服务",
        )  # fmt: skip

    def cancel(self, visit_id: str, body: VisitCodeIn, client: str) -> dict[str, Any]:
        """The code answered: the visit is cancelled."""
        with self.services.store.read() as tx:
            hall_id = visit_of(tx, None, visit_id).hall_id

        def then(
            tx: Tx, challenge: PhoneChallengeRow, now: datetime, _events: list[Event]
        ) -> dict[str, Any]:
            row = visit_of(tx, hall_id, visit_id)
            if (challenge.payload or {}).get("do") != "cancel" or challenge.subject != row.id:
                raise _not_this_code()
            row.status = next_status(VisitStatus(row.status), VisitAction.CANCEL, Mover.REQUESTER)
            row.steps = [*(row.steps or []), step("cancel", REQUESTER, now.isoformat())]
            tx.save_home_visit(row)
            return visit_view(row, tx.hall(hall_id), self.services.catalogue, by=Mover.REQUESTER)

        return self.challenges.redeem(hall_id, body.challenge, body.code, PURPOSE, client, then)


def _not_this_code() -> InvalidInput:
    return InvalidInput(
        "此验证码不是用于这项操作的，请重新获取",
        en="this code was sent for something else; ask for a new one",
        code="otp_other_purpose",
    )

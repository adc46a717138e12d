"""The visitor's pages: the ticket machine and the ticket's status page.

- `GET /kiosk/{hall}?token=…`: the ticket machine (取号机), a touch screen in
  portrait (1080x1920) or landscape (1920x1080). Its script holds the flow;
  the kiosk token from the page URL authorises its API calls.
- `GET /t/{ticket id}`: the holder's status page on a phone, the address the
  ticket's QR code opens. No token: the unguessable id is the key, and the
  API it polls (`GET /api/tickets/{id}`) shows no personal data.
- `GET /visit/{hall}`: 送服务上门 from a phone: the request with its phone code,
  then (`?v=<the visit's code>`) the visit's state and its cancel.
- `GET /qr.svg?data=…`: the QR code of a ticket's status address, drawn as
  SVG, for the kiosk's result screen; or of a booking code, for the booking
  page's result (the kiosk's scanner types the code it reads).

Both offer the visitor's rating (好差评) and 「办不成事」: one form each,
web/rating-form.js and web/case-form.js, shared with the evaluator; the
kiosk's screen for them is web/kiosk-feedback.js.

Like the display pages, the pages are templates without hall data, served
under the same strict CSP (pages.HEADERS).
"""

import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .booking_requests import CODE_ALPHABET
from .errors import Forbidden, InvalidInput
from .pages import KIOSK_HEADERS, render
from .services import HallServices

# Ticket ids are secrets.token_urlsafe(12) (16 characters); allow some room.
_STATUS_PATH = re.compile(r"/t/[A-Za-z0-9_-]{1,64}")
_QR_MAX_DATA = 300
_BOOKING_CODE = re.compile(f"[{CODE_ALPHABET}]{{8}}")

QR_HEADERS = {
    # An SVG opened on its own is a document: let it do nothing but be drawn.
    "Content-Security-Policy": "default-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The data carries a ticket id (the holder's key): no shared cache keeps it.
    "Cache-Control": "no-store",
}


async def kiosk_page(request: Request) -> Response:
    return render(request, "kiosk.html", headers=KIOSK_HEADERS, hall=request.path_params["hall"])


async def visit_page(request: Request) -> Response:
    return render(request, "visit.html", hall=request.path_params["hall"])


async def status_page(request: Request) -> Response:
    return render(request, "status.html", ticket=request.path_params["id"])


def is_ours(data: str, public_url: str) -> bool:
    """Whether `data` is one of our tickets' status addresses, absolute or
    relative, or a booking code.

    Only these are encoded: the route must not become an open QR service that
    lends the hall's name to any link.
    """
    if len(data) > _QR_MAX_DATA:
        return False
    if _BOOKING_CODE.fullmatch(data):
        return True
    prefix = public_url.rstrip("/")
    path = data[len(prefix) :] if data.startswith(prefix + "/") else data
    return _STATUS_PATH.fullmatch(path) is not None


def qr_svg_text(data: str) -> str:
    """A QR code as an SVG document (black on white, a quiet zone of 2 modules)."""
    # Imported here: qrcode brings Pillow (~5 MB resident) that only this route needs.
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=2,
    )
    return str(image.to_string(encoding="unicode"))


async def qr_svg(request: Request) -> Response:
    data = request.query_params.get("data", "")
    if not data:
        raise InvalidInput(
            "请给出 ?data=<号票的状态地址>", en="give ?data=<a ticket's status address>"
        )
    services: HallServices = request.state.services
    # Without a configured public address, the address this request came in by.
    ours = services.settings.public_url or str(request.base_url)
    if not is_ours(data, ours):
        raise Forbidden(
            "本服务器只为自己的号票状态地址（…/t/<id>）和预约码生成二维码",
            en="this server draws QR codes only for its own ticket status addresses (…/t/<id>) "
            "and booking codes",
        )
    return Response(qr_svg_text(data), media_type="image/svg+xml", headers=QR_HEADERS)


routes = [
    Route("/kiosk/{hall}", kiosk_page),
    Route("/t/{id}", status_page),
    Route("/visit/{hall}", visit_page),
    Route("/qr.svg", qr_svg),
]

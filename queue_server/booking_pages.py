"""The citizen's booking pages, on a phone (H5, no app):

- `GET /book/{hall}`: book (网上预约): the item, its 办事指引 and materials, a
  day and a slot, the real name, document and phone, the pre-fill form, the
  code texted to the phone; the result with the booking code, its QR and the
  calendar entry. The page reads `GET /api/halls/{hall}/booking`.
- `GET /book/{hall}/{code}`: a booking seen by whoever holds its code (masked),
  cancelled or moved once the booking's phone answers a code.

Templates without data, under the visitor pages' strict CSP (pages.HEADERS).
"""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .pages import render


async def book_page(request: Request) -> Response:
    return render(request, "book.html", hall=request.path_params["hall"])


async def booking_page(request: Request) -> Response:
    p = request.path_params
    return render(request, "book-manage.html", hall=p["hall"], code=p["code"])


routes = [
    Route("/book/{hall}", book_page),
    Route("/book/{hall}/{code}", booking_page),
]

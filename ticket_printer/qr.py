"""QR codes as a grid of dark modules, for the drawn outputs (PNG, terminal).

The only module that imports qrcode. The thermal printer draws its own code
from the `GS ( k` command instead (see escpos_render).
"""

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_matrix(data: str, border: int = 4) -> list[list[bool]]:
    """Rows of modules, True for dark, with a quiet zone `border` modules wide."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    code.add_data(data)
    code.make(fit=True)
    return [[bool(m) for m in row] for row in code.get_matrix()]

"""Phones the hall must read back later, sealed: a visitor's call-back phone
(回访) and a booking's verified phone (the 短信评价 link).

A keyed hash cannot be dialled, so these are encrypted (Fernet: AES-CBC with
an HMAC) under a key derived from the ID-hash key, which never lives beside
the data: a copy of the database alone gives back no phone. Only a case's
supervisor sees one whole; everywhere else shows the mask.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    def __init__(self, id_key: bytes) -> None:
        # A key of its own, so a sealed phone and an ID hash never share one.
        derived = hashlib.sha256(b"yichuang-sealed-phone\0" + id_key).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The text, or None when it was sealed under another key (a restored
        copy without its key file): the mask still shows what it was."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None

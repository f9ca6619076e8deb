"""Signed reply ids: a rating is stored only for a reply this server gave, in that session.

The conversation lives in the browser, so a rating arrives with the question, reply text, kind and
sources it is about. When the server gives a reply it signs all of these together with the
session (an HMAC under a key that never leaves the process); a rating whose signature does not
match what it carries (made up, edited, or from another session) is not stored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from typing import Any

from qa.text.clean import clean_value

_ID_BYTES = 8


class ReplySigner:
    """Issues and checks reply ids of the form `<random>.<signature>`.

    >>> signer = ReplySigner(b"k" * 32)
    >>> rid = signer.issue("session1", {"question": "q", "text": "a"})
    >>> signer.valid(rid, "session1", {"question": "q", "text": "a"})
    True
    >>> signer.valid(rid, "session2", {"question": "q", "text": "a"})
    False
    """

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _sign(self, nonce: str, session: str, content: dict[str, Any]) -> str:
        # Cleaned as the web edge cleans every request, so the content that comes back with a
        # rating signs the same as what was sent.
        message = json.dumps([nonce, session, clean_value(content)], sort_keys=True, ensure_ascii=False)
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, session: str, content: dict[str, Any]) -> str:
        """A new id for a reply given in `session` with this `content` (question, text, ...)."""
        nonce = secrets.token_hex(_ID_BYTES)
        return f"{nonce}.{self._sign(nonce, session, content)}"

    def valid(self, reply_id: Any, session: str, content: dict[str, Any]) -> bool:
        """Whether `reply_id` was issued by this server for this session and content."""
        if not session or not isinstance(reply_id, str) or reply_id.count(".") != 1:
            return False
        nonce, signature = reply_id.split(".")
        try:
            expected = self._sign(nonce, session, content)
        except (TypeError, ValueError):  # content that is not JSON, or nests too deep
            return False
        return hmac.compare_digest(signature, expected)

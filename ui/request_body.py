"""Reading a request body with a byte limit counted while it arrives, and a time limit."""

from __future__ import annotations

import anyio
from starlette.datastructures import Headers
from starlette.types import Message, Receive


class BodyTooLarge(Exception):
    """More bytes than the limit (announced by Content-Length, or counted)."""


class BodyTooSlow(Exception):
    """The body did not arrive within the time limit (a client trickling bytes)."""


class ClientGone(Exception):
    """The client disconnected before sending the whole body."""


def has_body(headers: Headers) -> bool:
    """Whether the request announces a body (a positive Content-Length, or chunked)."""
    size = headers.get("content-length", "").strip()
    return bool(headers.get("transfer-encoding")) or (size not in ("", "0"))


def announced_size(headers: Headers) -> int | None:
    """The Content-Length, if there is a valid one."""
    size = headers.get("content-length", "").strip()
    return int(size) if size.isdigit() else None


async def read_body(receive: Receive, limit: int, timeout: float) -> bytes:
    """The whole body, refusing it as soon as it passes `limit` bytes or `timeout` seconds.

    Args:
        receive: the ASGI receive channel.
        limit: most bytes accepted.
        timeout: most seconds for the whole body.
    Raises:
        BodyTooLarge, BodyTooSlow, ClientGone.
    """
    parts: list[bytes] = []
    size = 0
    with anyio.move_on_after(timeout) as scope:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            parts.append(chunk)
            if not message.get("more_body", False):
                break
    if scope.cancelled_caught:
        raise BodyTooSlow
    return b"".join(parts)


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive channel that gives the app `body` once, then the client's own messages
    (a disconnect, which streaming responses wait for)."""
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again

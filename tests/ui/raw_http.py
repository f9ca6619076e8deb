"""HTTP/1.1 by hand, for what clients will not send: chunked bodies the server should cut off,
bodies that trickle in, broken framing. Reads whatever the server answers, even mid-upload."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int  # 0: the server closed the connection without answering
    head: str
    body: bytes
    seconds: float


def _complete(data: bytes) -> bool:
    head, sep, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), None)
    return bool(sep) and length is not None and len(body) >= length


def _read(sock: socket.socket, data: bytes, deadline: float) -> bytes:
    while not _complete(data) and time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, OSError):
            break
        if not chunk:
            break
        data += chunk
    return data


def send(url: str, head: str, parts: Iterable[bytes] = (), pause: float = 0.0,
         timeout: float = 30.0) -> RawResponse:
    """Send `head` (request line and headers, without the blank line), then each of `parts`
    (`pause` seconds apart), then read the answer for up to `timeout` seconds in all."""
    where = urlsplit(url)
    started = time.monotonic()
    deadline = started + timeout
    with socket.create_connection((where.hostname, where.port or 80), timeout=timeout) as sock:
        answered = b""
        try:
            sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n\r\n")
            for part in parts:
                sock.setblocking(False)
                try:  # the server may have answered already (413): stop sending then
                    early = sock.recv(65536)
                    if early:
                        answered = early
                        break
                except BlockingIOError:
                    pass
                finally:
                    sock.setblocking(True)
                    sock.settimeout(max(0.05, deadline - time.monotonic()))
                sock.sendall(part)
                if pause:
                    time.sleep(pause)
        except OSError:  # reset or broken pipe: the server stopped reading; see what it said
            pass
        data = _read(sock, answered, deadline)
    head_bytes, _, body = data.partition(b"\r\n\r\n")
    status_line = head_bytes.split(b"\r\n", 1)[0].split()
    status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0
    return RawResponse(status, head_bytes.decode("latin-1"), body, time.monotonic() - started)


def chunked(data: bytes, size: int = 64 * 1024) -> Iterable[bytes]:
    """`data` as HTTP chunks, then the last chunk."""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    yield b"0\r\n\r\n"

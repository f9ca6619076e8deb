"""Prelude for subprocess tests: refuse and record every non-loopback connection and DNS lookup.

Not imported: tests prepend this file's text to the script they run with `python -c`, which
then reports `attempts` (what would have gone out).
"""

import socket

attempts: list[str] = []
_connect = socket.socket.connect
_getaddrinfo = socket.getaddrinfo
_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if self.family == socket.AF_UNIX or str(host) in _LOOPBACK:
        return _connect(self, address)
    attempts.append(str(address))
    raise OSError("network disabled in this test")


def _no_dns(host, *args, **kwargs):
    if host not in (None, *_LOOPBACK):
        attempts.append(f"dns:{host}")
        raise socket.gaierror("dns disabled in this test")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect
socket.getaddrinfo = _no_dns

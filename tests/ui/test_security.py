"""The rate limiter and the content security policy."""

from __future__ import annotations

import pytest

from ui.security import RateLimiter, content_security_policy


def test_rate_limiter_window() -> None:
    rl = RateLimiter(2, 60)
    assert [rl.hit("a", now=t) for t in (0, 10)] == [0, 0]
    assert rl.hit("a", now=20) == 40  # until the first hit leaves the window
    assert rl.hit("b", now=20) == 0  # per client
    assert rl.hit("a", now=60.5) == 0


def test_rate_limiter_needs_a_positive_limit() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)


def test_csp() -> None:
    csp = content_security_policy(["https://charity.example"])
    assert "frame-ancestors 'self' https://charity.example" in csp
    assert "connect-src 'self'" in csp and "object-src 'none'" in csp
    assert "frame-ancestors 'self'" in content_security_policy([])

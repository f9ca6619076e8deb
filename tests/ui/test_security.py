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


def test_client_address_trusts_only_hops_added_by_trusted_proxies() -> None:
    from qa.settings import parse_networks
    from ui.security import client_address

    proxies = parse_networks("10.0.0.0/8, ::1")
    assert client_address("10.1.2.3", "203.0.113.7", proxies) == "203.0.113.7"
    # The visitor wrote a fake first hop; the proxy appended the real address.
    assert client_address("10.1.2.3", "1.2.3.4, 203.0.113.7", proxies) == "203.0.113.7"
    # Two proxies in a row: skip both.
    assert client_address("10.1.2.3", "203.0.113.7, 10.9.9.9", proxies) == "203.0.113.7"
    assert client_address("198.51.100.2", "203.0.113.7", proxies) == "198.51.100.2"
    assert client_address("10.1.2.3", None, proxies) == "10.1.2.3"
    assert client_address("10.1.2.3", "203.0.113.7", []) == "10.1.2.3"  # no proxies configured
    assert client_address("::1", "2001:db8::5", proxies) == "2001:db8::5"


def test_bad_trusted_proxy_setting_is_named(tmp_path) -> None:
    from pydantic import ValidationError

    from qa.settings import Settings

    with pytest.raises(ValidationError, match="not-an-ip"):
        Settings(data_dir=tmp_path, trusted_proxies="127.0.0.1, not-an-ip")

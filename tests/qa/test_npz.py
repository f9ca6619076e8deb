"""Every way a cached .npz file can be damaged raises one of `READ_ERRORS` (and nothing else)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.npz import READ_ERRORS


def _good(path) -> None:
    np.savez(path, weights=np.arange(1000, dtype=np.float32), meta=np.array('{"format": 1}'))


@pytest.mark.parametrize("damage", ["missing", "empty", "cut short", "not a zip", "wrong layout", "a folder"])
def test_a_damaged_cache_fails_with_a_read_error(tmp_path, damage: str) -> None:
    path = tmp_path / "cache.npz"
    if damage == "missing":
        pass
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "cut short":
        _good(path)
        path.write_bytes(path.read_bytes()[:300])
    elif damage == "not a zip":
        path.write_bytes(b"PK\x03\x04 this is not really a zip file" * 10)
    elif damage == "a folder":
        path.mkdir()
    else:
        _good(path)
    with pytest.raises(READ_ERRORS), np.load(path, allow_pickle=False) as data:
        data["weights"].sum()
        data["vectors"]  # the layout a reader expects: absent -> KeyError

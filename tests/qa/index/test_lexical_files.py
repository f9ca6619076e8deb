"""The lexical cache's seal: a whole file passes, a changed, unsealed or missing one says why,
and leftovers of dead builds are removed while live ones are kept."""

from __future__ import annotations

import os

from qa.index import lexical_files as lf


def _built(tmp_path, name: str = "lexical-g1.sqlite", data: bytes = b"rows " * 1000):
    built = tmp_path / f"{name}.{os.getpid()}.building"
    built.write_bytes(data)
    target = tmp_path / name
    lf.install(built, target)
    return target


def test_a_sealed_file_checks_whole_by_its_stat_and_by_its_checksum(tmp_path) -> None:
    target = _built(tmp_path)
    assert not any(p.name.endswith(".building") for p in tmp_path.iterdir())
    assert lf.check(target) is None and lf.check(target, full=True) is None


def test_a_file_changed_after_its_build_fails_the_check(tmp_path) -> None:
    target = _built(tmp_path)
    with open(target, "r+b") as fh:
        fh.seek(10)
        fh.write(b"X")
    assert "checksum" in (lf.check(target) or "")


def test_a_whole_file_copied_into_place_passes_and_is_restamped(tmp_path) -> None:
    target = _built(tmp_path)
    data = target.read_bytes()
    target.unlink()
    target.write_bytes(data)  # same bytes, new inode and mtime
    assert lf.check(target) is None
    assert lf.check(target) is None  # now a stat again: the seal carries the new stamp


def test_missing_and_unsealed_files_say_why(tmp_path) -> None:
    assert lf.check(tmp_path / "lexical-none.sqlite") == "it is missing"
    (tmp_path / "lexical-x.sqlite").write_bytes(b"half")
    assert "no seal" in (lf.check(tmp_path / "lexical-x.sqlite") or "")
    target = _built(tmp_path, "lexical-y.sqlite")
    lf.seal_path(target).write_text("{not json")
    assert "unreadable" in (lf.check(target) or "")


def test_leftovers_of_dead_builds_go_and_live_ones_stay(tmp_path) -> None:
    dead = 2 ** 22 + 12345  # above the default pid_max, so no such process
    stale = [tmp_path / f"lexical-g2.{dead}.building", tmp_path / f"lexical-g2.{dead}.building-journal",
             tmp_path / f"lexical-g3.seal.{dead}.tmp", tmp_path / "lexical-gone.sqlite.seal"]
    for p in stale:
        p.write_text("x")
    live = tmp_path / f"lexical-g4.{os.getppid()}.building"  # our parent is alive
    live.write_text("x")
    ours = tmp_path / f"lexical-g5.{os.getpid()}.building"
    ours.write_text("x")
    lf.BUILDING.add(ours)
    try:
        kept = _built(tmp_path, "lexical-g6.sqlite")
        removed = lf.remove_leftovers(tmp_path)
    finally:
        lf.BUILDING.discard(ours)
    assert sorted(removed) == sorted(stale)
    assert live.exists() and ours.exists() and kept.exists() and lf.seal_path(kept).exists()
    assert lf.remove_leftovers(tmp_path / "no-such-folder") == []

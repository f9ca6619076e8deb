"""The lexical cache's files on disk: a seal that proves a file whole, and leftovers of dead builds.

A generation's SQLite file is sealed when it is built: its CRC-32 and its stat (inode, size,
modification time) go into `<file>.seal` beside it. Opening compares the stat, which costs a
`stat()`; a file that changed since it was sealed (overwritten in place, copied, restored from
a backup) is read in full and its CRC compared: about 0.7 s for the 880 MB file of 100k chunks,
as long as `PRAGMA quick_check`, which would also miss damage inside the stored vectors.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_BLOCK = 1 << 20
# `lexical-<generation>.<pid>.building` (LexicalWriter) and the journal SQLite keeps beside it.
_BUILD_FILE = re.compile(r"^lexical-.+\.(?P<pid>\d+)\.building(-journal)?$")
_SEAL_TMP = re.compile(r"^lexical-.+\.seal\.(?P<pid>\d+)\.tmp$")
# Build files this process is writing now (a dead process that had our pid left the others).
BUILDING: set[Path] = set()


def seal_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.seal")


def _stamp(st: os.stat_result) -> list[int]:
    return [st.st_ino, st.st_size, st.st_mtime_ns]


def _crc(fh: IO[bytes]) -> int:
    crc = 0
    fh.seek(0)
    while block := fh.read(_BLOCK):
        crc = zlib.crc32(block, crc)
    return crc


@contextlib.contextmanager
def _locked(folder: Path, exclusive: bool) -> Iterator[None]:
    """Seal and file change together under an exclusive lock and are read under a shared one,
    so no reader pairs one build's seal with another build's file (app processes sharing a
    data dir may rebuild the same generation at once)."""
    try:
        fh = open(folder / ".lexical.lock", "a")  # noqa: SIM115 (closed below; may not open)
    except OSError:  # a read-only data dir: nothing rebuilds files there either
        yield
        return
    with fh:
        fcntl.flock(fh, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_seal(target: Path, seal: dict[str, Any]) -> None:
    tmp = target.with_name(f"{target.name}.seal.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(seal))
    tmp.replace(seal_path(target))


def install(built: Path, target: Path) -> None:
    """Seal the finished file `built` and rename it to `target` (in the same folder)."""
    with open(built, "rb") as fh:
        seal = {"crc32": _crc(fh), "stamp": _stamp(os.fstat(fh.fileno()))}
    with _locked(target.parent, exclusive=True):
        _write_seal(target, seal)
        built.replace(target)


def check(path: Path, full: bool = False) -> str | None:
    """Why the file at `path` is not the one that was sealed, or None when it is.

    Args:
        path: a lexical cache file.
        full: compare the CRC even when the stat says the file is untouched (ingest does;
            opening for queries does not, so it stays a `stat()`).
    """
    try:
        with _locked(path.parent, exclusive=False):
            seal = json.loads(seal_path(path).read_text())
            # Opened under the lock, read after it: this very file, even if a rebuild renames
            # another over it meanwhile.
            fh = open(path, "rb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:
        return "it is missing" if not path.exists() else "it has no seal (its build did not finish)"
    except (OSError, ValueError) as exc:
        return f"its seal is unreadable ({exc})"
    with fh:
        st = os.fstat(fh.fileno())
        if not full and _stamp(st) == seal.get("stamp"):
            return None
        if _crc(fh) != seal.get("crc32"):
            return "its checksum does not match (the file changed after it was built)"
    if _stamp(st) != seal.get("stamp"):  # whole, but copied or touched: stamp it so opening stays a stat
        with contextlib.suppress(OSError), _locked(path.parent, exclusive=True):
            if _stamp(os.stat(path)) == _stamp(st):
                _write_seal(path, {**seal, "stamp": _stamp(st)})
    return None


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # our own live builds are in BUILDING; any other file with our pid is stale
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete what builds that died left in `folder`; returns the files removed.

    That is `*.building` files and their `-journal`s (a killed ingest, or an app process
    killed while caching a generation), seal temporaries, and seals whose file is gone. Files
    named for a process that is still running are kept: it may be writing them.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    with _locked(folder, exclusive=True):  # a seal is written just before its file is renamed in
        for path in sorted(folder.glob("lexical-*")):
            match = _BUILD_FILE.match(path.name) or _SEAL_TMP.match(path.name)
            if match is not None:
                build = path.with_name(path.name.removesuffix("-journal"))
                if build in BUILDING or _alive(int(match["pid"])):
                    continue
            elif not (path.name.endswith(".seal") and not path.with_name(path.name[:-5]).exists()):
                continue
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed

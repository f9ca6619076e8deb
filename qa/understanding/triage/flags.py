"""The red-flag table (`qa/understanding/triage/red_flags.yaml`) as typed rows."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TABLE = Path(__file__).with_name("red_flags.yaml")


@dataclass(frozen=True)
class RedFlag:
    """One sign that needs emergency care now (see the header of red_flags.yaml)."""

    id: str
    name: str
    what: str
    when: str
    sources: tuple[str, ...]
    says: str
    action: str
    cites: tuple[str, ...]  # "doc-id#Heading"
    count_below: float | None = None  # a stated count at or above this contradicts the sign

    def contradicted_by(self, count: float | None) -> bool:
        """Does a stated platelet count rule this sign out? (No count stated never does.)"""
        return self.count_below is not None and count is not None and count >= self.count_below

    def cited_sections(self) -> list[tuple[str, str]]:
        """(doc_id, heading) pairs this flag's urgent reply quotes."""
        out = []
        for ref in self.cites:
            doc, _, heading = ref.partition("#")
            out.append((doc, heading))
        return out


@lru_cache(maxsize=1)
def red_flags(path: Path = TABLE) -> dict[str, RedFlag]:
    """Every red flag by id, in table order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    flags: dict[str, RedFlag] = {}
    for row in data["flags"]:
        flags[row["id"]] = RedFlag(
            id=row["id"], name=row["name"], what=row["what"], when=row["when"],
            sources=tuple(row["sources"]), says=row["says"], action=row["action"],
            cites=tuple(row["cites"]),
            count_below=float(row["count_below"]) if row.get("count_below") is not None else None,
        )
    return flags


def flag(flag_id: str) -> RedFlag | None:
    """The red flag with this id, or None (an unknown reason gets the generic urgent reply)."""
    return red_flags().get(flag_id)

"""Server-rendered HTML pages (Jinja2, autoescaped) that share the chat's look."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

UI_DIR = Path(__file__).resolve().parent
STATIC_DIR = UI_DIR / "static"
TEMPLATES_DIR = UI_DIR / "templates"


@lru_cache(maxsize=1)
def _env() -> Environment:
    from ui.render import safe_url

    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=select_autoescape(default=True))
    env.filters["safe_url"] = safe_url
    return env


def render_page(template: str, **context: Any) -> str:
    """Render one of ui/templates/ with `context` (every value escaped unless marked safe)."""
    return _env().get_template(template).render(**context)


def static_text(name: str) -> str:
    """A file of ui/static/ as text (CSS and JS inlined into pages)."""
    return (STATIC_DIR / name).read_text("utf-8")

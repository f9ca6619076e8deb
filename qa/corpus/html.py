"""Turn a saved web page into its article: menus, share bars, footers and 'related posts' go."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

_DROP_TAGS = (
    "script", "style", "noscript", "template", "nav", "footer", "aside", "form", "iframe",
    "svg", "button", "input", "select", "textarea", "dialog", "object", "embed", "canvas",
)
# Class/id/role words that mark page furniture rather than article text.
_FURNITURE = re.compile(
    r"(^|[-_\s])(nav|navbar|menu|menus|breadcrumbs?|header|masthead|footer|sidebar|widget|share|"
    r"sharing|social|related|recent|popular|trending|newsletter|subscribe|signup|cookie|consent|"
    r"banner|advert|ads?|sponsor|promo|comments?|skip|search|toolbar|pagination|author-bio|"
    r"tags|modal|popup|disclaimer-site)($|[-_\s])",
    re.I,
)
_FURNITURE_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog"}
_BLOCKS = ("h1", "h2", "h3", "h4", "p", "li", "blockquote", "dd", "dt", "td", "pre")
_FURNITURE_TEXT = re.compile(
    r"^(skip to (main )?content|share (this|on)|follow us|sign up|subscribe|related (articles|posts)|"
    r"recent posts|read more|advertisement|copyright|©|all rights reserved|back to top)",
    re.I,
)


def _is_furniture(tag: Tag) -> bool:
    if tag.attrs is None:
        return False
    role = str(tag.get("role") or "").lower()
    if role in _FURNITURE_ROLES:
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    ident = " ".join([str(tag.get("id") or ""), *[str(c) for c in tag.get("class") or []]])
    return bool(ident.strip()) and bool(_FURNITURE.search(ident)) and tag.name not in ("html", "body", "main", "article")


def _link_density(tag: Tag) -> float:
    text = tag.get_text(" ", strip=True)
    if not text:
        return 1.0
    linked = sum(len(a.get_text(" ", strip=True)) for a in tag.find_all("a"))
    return linked / len(text)


def page_metadata(soup: BeautifulSoup) -> dict[str, str]:
    """Title, canonical URL and modified date a saved page declares about itself."""
    meta: dict[str, str] = {}

    def _content(**attrs: str) -> str:
        el = soup.find("meta", attrs=dict(attrs.items()))
        return str(el.get("content") or "").strip() if isinstance(el, Tag) else ""

    meta["title"] = _content(property="og:title") or (
        soup.title.get_text(strip=True) if soup.title else ""
    )
    canonical = soup.find("link", rel="canonical")
    meta["url"] = (
        str(canonical.get("href") or "") if isinstance(canonical, Tag) else ""
    ) or _content(property="og:url")
    meta["modified"] = (
        _content(property="article:modified_time") or _content(name="last-modified") or ""
    )[:10]
    return meta


def html_to_blocks(html: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Extract the article of a page as (tag, text) blocks in reading order.

    Args:
        html: the page source.
    Returns:
        The page metadata and blocks such as ("h2", "Causes") or ("p", "..."),
        with navigation, menus, share buttons, related posts and footers removed.
    """
    soup = BeautifulSoup(html, "lxml")
    meta = page_metadata(soup)
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if isinstance(tag, Tag) and not tag.decomposed and _is_furniture(tag):
            tag.decompose()
    root: Tag | None = None
    for candidate in (soup.find("article"), soup.find("main"), soup.find(role="main")):
        if isinstance(candidate, Tag):
            root = candidate
            break
    if root is None:
        root = soup.body if isinstance(soup.body, Tag) else soup
    # Lists and blocks made mostly of links are menus or "recent posts", even without a class.
    for tag in root.find_all(["ul", "ol", "div", "section"]):
        if isinstance(tag, Tag) and not tag.decomposed and _link_density(tag) > 0.6:
            tag.decompose()
    blocks: list[tuple[str, str]] = []
    for el in root.find_all(_BLOCKS):
        if not isinstance(el, Tag) or el.find(_BLOCKS):
            continue  # only leaf blocks, so nested text is not repeated
        text = re.sub(r"\s+", " ", el.get_text(" ", strip=True)).strip()
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if not text or _FURNITURE_TEXT.match(text):
            continue
        blocks.append((el.name, text))
    if not meta["title"]:
        meta["title"] = next((t for n, t in blocks if n == "h1"), "")
    return meta, blocks

"""The embeddable widget: `/widget.js` at a stable URL, its origin check, and a live demo page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from ui.pages import STATIC_DIR, UI_DIR

EXAMPLE_PAGE = UI_DIR / "examples" / "host.html"
EXAMPLE_SERVER = "http://127.0.0.1:7860"  # the server named in the example page's tag


def widget_router() -> APIRouter:
    """Routes for the widget. Which sites may use it is decided by the security middleware."""
    router = APIRouter(include_in_schema=False)

    @router.get("/widget.js")
    def widget_js() -> Response:
        return Response((STATIC_DIR / "widget.js").read_bytes(), media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=600"})

    @router.get("/widget/check")
    def check() -> JSONResponse:
        # Reached only by allowed origins (others get 403 and no CORS header from the middleware).
        return JSONResponse({"ok": True}, headers={"Cache-Control": "no-store"})

    @router.get("/widget/demo", response_class=HTMLResponse)
    def demo(request: Request) -> HTMLResponse:
        """The example host page, pointed at this server (same origin, so always allowed)."""
        here = str(request.base_url).rstrip("/")
        return HTMLResponse(EXAMPLE_PAGE.read_text("utf-8").replace(EXAMPLE_SERVER, here))

    return router

"""The web app: Gradio chat at `/` and `/embed`, the JSON API, source pages and the widget."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

import qa
from qa.disclaimer import DISCLAIMER
from qa.settings import Settings, get_settings
from ui.api import api_router
from ui.chat import build_chat, head, theme
from ui.conversation import ChatService
from ui.feedback import FeedbackStore
from ui.gradio_routes import GradioApps
from ui.pages import STATIC_DIR, render_page
from ui.security import EMBED_PREFIX, Guard
from ui.sources import SourceLibrary, sources_router
from ui.widget import widget_router

API_DESCRIPTION = """Cited answers about immune thrombocytopenia (ITP) from a reviewed library.

Every reply carries the medical disclaimer. Replies of `kind: "urgent"` lead with emergency advice.
Limits: questions up to 2,000 characters and 20 history turns by default (422 beyond), a per-client
rate limit (429 with `Retry-After`)."""


def _swagger_dir() -> Path:
    import fastapi_offline  # Swagger UI's files, so /docs needs no CDN

    return Path(fastapi_offline.__file__).parent / "static"


def create_app(settings: Settings | None = None, assistant: Any = None) -> FastAPI:
    """Build the whole app.

    Args:
        settings: configuration (default: from the environment).
        assistant: the engine; by default an `Assistant` over `settings` (call `warm_up()` first
            to load the model before serving).
    Returns:
        A FastAPI app to run with uvicorn.
    """
    settings = settings or get_settings()
    if assistant is None:
        from qa.assistant import Assistant

        assistant = Assistant(settings)
    library = SourceLibrary(settings.corpus_dir)
    store = FeedbackStore(settings.feedback_db)

    app = FastAPI(title="ITP questions API", version=qa.__version__, description=API_DESCRIPTION,
                  docs_url=None, redoc_url=None)
    app.state.settings, app.state.assistant, app.state.feedback = settings, assistant, store
    gradio_apps = GradioApps()  # filled in below, once the chat apps are built
    app.add_middleware(Guard, allowed_origins=settings.allowed_origins, rate_limit=settings.rate_limit,
                       trusted_proxies=settings.trusted_networks, gradio=gradio_apps)
    # After Guard, so it is outermost: its 403/429 answers still carry CORS headers where allowed.
    app.add_middleware(CORSMiddleware, allow_origins=settings.allowed_origins, allow_methods=["GET", "POST"],
                       allow_headers=["content-type"], max_age=600)

    app.include_router(api_router(assistant))
    app.include_router(sources_router(library))
    app.include_router(widget_router())
    app.mount("/_ui", StaticFiles(directory=STATIC_DIR), name="ui-static")
    app.mount("/_docs", StaticFiles(directory=_swagger_dir()), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json", title="ITP questions API",
            swagger_js_url="/_docs/swagger-ui-bundle.js", swagger_css_url="/_docs/swagger-ui.css",
            swagger_favicon_url="/_docs/favicon.png",
            swagger_ui_parameters={"validatorUrl": None, "defaultModelsExpandDepth": 0},
        )

    @app.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 404 and "text/html" in request.headers.get("accept", ""):
            return HTMLResponse(render_page("error.html", title="Page not found", message=str(exc.detail)
                                            if exc.detail != "Not Found" else "There is no page here.",
                                            disclaimer=DISCLAIMER), status_code=404)
        if exc.status_code in (204, 304):
            return await http_exception_handler(request, exc)
        return JSONResponse({"detail": exc.detail, "disclaimer": DISCLAIMER}, status_code=exc.status_code,
                            headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        return JSONResponse({"detail": jsonable_encoder(exc.errors()), "disclaimer": DISCLAIMER},
                            status_code=422)

    gradio_options: dict[str, Any] = {
        "theme": theme(), "head": head(), "footer_links": [], "run_history": False,
        "ssr_mode": False, "pwa": False, "mcp_server": False, "enable_monitoring": False,
        "show_error": False, "server_name": settings.host, "server_port": settings.port,
        "max_file_size": 0,  # the chat takes no files (the guard refuses uploads before this)
    }
    embed = build_chat(ChatService(assistant, store, library.url, surface="embed"), compact=True)
    gr.mount_gradio_app(app, embed, path=EMBED_PREFIX, **gradio_options)
    chat = build_chat(ChatService(assistant, store, library.url, surface="chat"))
    gr.mount_gradio_app(app, chat, path="/", **gradio_options)  # last: it takes every other path
    gradio_apps.add(EMBED_PREFIX, embed)
    gradio_apps.add("", chat)
    return app


def server_config(app: FastAPI, settings: Settings) -> Any:
    """How `itpqa serve` runs the app under uvicorn (the tests use the same)."""
    import uvicorn

    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from loopback peers;
    # the app decides whom to trust (ITPQA_TRUSTED_PROXIES, see ui/security.py).
    return uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                          proxy_headers=False, server_header=False)

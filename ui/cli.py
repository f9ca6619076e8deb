"""`itpqa serve` (the chat, widget and API) and `itpqa feedback export`."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.command()
@click.option("--host", help="Address to listen on (default ITPQA_HOST, 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default ITPQA_PORT, 7860).")
def serve(host: str | None, port: int | None) -> None:
    """Serve the chat page, the embeddable widget and the JSON API.

    The model and index load before the server says it is ready.

    \b
    Examples:
      itpqa serve
      itpqa serve --port 8080
      ITPQA_EMBED_ORIGINS=https://charity.example itpqa serve --host 0.0.0.0
    """
    import uvicorn

    from qa.assistant import Assistant
    from qa.settings import get_settings
    from ui.app import create_app, server_config

    settings = get_settings()
    updates = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = settings.model_copy(update=updates) if updates else settings
    click.echo("Loading the model and the index…", err=True)
    assistant = Assistant(settings)
    assistant.warm_up()
    app = create_app(settings, assistant)
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    url = f"http://{shown}:{settings.port}"

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:
                click.echo(f"Ready: {url}/  (widget: {url}/widget.js, API docs: {url}/docs). "
                           "Ctrl-C to stop.")

    server = Server(server_config(app, settings))
    server.run()
    if not server.started:
        raise click.ClickException(f"could not listen on {settings.host}:{settings.port} (is the port in use?)")


@click.group()
def feedback() -> None:
    """The thumbs up/down that people gave replies (stored under ITPQA_DATA_DIR)."""


@feedback.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: stdout).")
def export(fmt: str, out: Path | None) -> None:
    """Export all ratings with their question, reply and sources.

    \b
    Examples:
      itpqa feedback export > feedback.csv
      itpqa feedback export --format jsonl --out feedback.jsonl
    """
    from qa.settings import get_settings
    from ui.feedback import FeedbackStore, FeedbackUnavailable

    try:
        text = FeedbackStore(get_settings().feedback_db).export(fmt)
    except FeedbackUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    if out is None:
        sys.stdout.write(text)
        return
    out.write_text(text, "utf-8")
    click.echo(f"Wrote {max(text.count(chr(10)) - (fmt == 'csv'), 0)} ratings to {out}", err=True)

"""`itpqa`: one command with subcommands for ingest, ask, chat, serve, eval, corpus and bench."""

from __future__ import annotations

import importlib
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import click

from qa.offline import enforce_offline

enforce_offline()

EXIT_USAGE = 2


class Context:
    """Shared CLI state: settings and the --debug flag."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug

    @property
    def settings(self):
        from qa.settings import get_settings

        return get_settings()


def user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that are the user's situation, not a bug: shown as one clean line."""
    from pydantic import ValidationError

    from qa.answer.llm_errors import BackendMissing, LLMConfigError
    from qa.index.ingest import IngestError
    from qa.index.reader import IndexMissing
    from qa.index.store import StoreError

    return (IndexMissing, IngestError, StoreError, ValidationError, FileNotFoundError,
            LLMConfigError, BackendMissing)


class Group(click.Group):
    """Turns known errors into one-line messages; full tracebacks only with --debug."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            debug = bool(ctx.obj and getattr(ctx.obj, "debug", False)) or "--debug" in sys.argv
            if debug:
                raise
            if isinstance(exc, user_errors()):
                raise click.ClickException(_one_line(exc)) from None
            raise click.ClickException(
                f"unexpected error: {exc.__class__.__name__}: {_one_line(exc)} (run with --debug for details)"
            ) from None


class OneLineErrors(logging.Formatter):
    """Log records about known situations (`user_errors`) in one line, with no traceback.

    Code that carries on after such an error (an urgent reply given without its sources
    while Chroma is down) logs it with `log.exception`; a bug still gets its traceback.
    """

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is None or not isinstance(exc, user_errors()):
            return super().format(record)
        plain = logging.makeLogRecord({**record.__dict__, "exc_info": None, "exc_text": None})
        return f"{super().format(plain)}: {' '.join(_one_line(exc).split())}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    errors = getattr(exc, "errors", None)
    if exc.__class__.__name__ == "ValidationError" and callable(errors):
        parts = [f"ITPQA_{'_'.join(str(x) for x in e['loc']).upper()}: {e['msg']}" for e in errors()]
        return "invalid setting " + "; ".join(parts)
    return text


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks and debug logs.")
@click.version_option(package_name="itp-qa")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Offline, cited answers about immune thrombocytopenia (ITP).

    \b
    Examples:
      itpqa ingest                       # index corpus/
      itpqa ask "Is ITP contagious?"
      itpqa ask --json "can i take ibuprofen?"
      itpqa chat
      itpqa serve --port 7860
    """
    handler = logging.StreamHandler()
    fmt = "%(levelname)s %(name)s: %(message)s"
    handler.setFormatter(logging.Formatter(fmt) if debug else OneLineErrors(fmt))
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, handlers=[handler])
    ctx.obj = Context(debug)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_obj
def ingest(obj: Context, paths: tuple[Path, ...], as_json: bool, quiet: bool) -> None:
    """Index source documents (default: the corpus folder).

    Only new or changed documents are embedded; deleted ones leave the index.

    \b
    Examples:
      itpqa ingest
      itpqa ingest corpus/ extra/leaflets/
    """
    from qa.index.embedder import configured_embedder
    from qa.index.ingest import Ingestor
    from qa.understanding.triage.detector import Triage

    ingestor = Ingestor(obj.settings)
    summary = ingestor.run(list(paths) or None, progress=not quiet and not as_json)
    # The learned triage is fitted here (or loaded, when nothing it depends on changed), so the
    # first question after `make run` already has it; the rules never wait for it.
    triage = Triage.for_settings(obj.settings, configured_embedder(obj.settings))
    started = time.perf_counter()
    fitted = triage.prepare()
    if as_json:
        out = summary.to_dict()
        out["triage"] = {"ready": fitted is not None, "seconds": round(time.perf_counter() - started, 1),
                         "error": triage.error}
        click.echo(json.dumps(out, indent=2))
        return
    for err in summary.errors:
        click.echo(f"warning: {err}", err=True)
    click.echo(summary.line())
    if fitted is None:
        click.echo(f"warning: the learned triage is not available ({triage.error or 'no model'}); "
                   "the rules triage alone", err=True)
    elif not quiet:
        click.echo(f"Triage detector ready ({time.perf_counter() - started:.1f}s).")


def _history_from(option: str | None) -> list[dict]:
    if not option:
        return []
    try:
        raw = Path(option).read_text() if Path(option).is_file() else option
        data = json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise click.BadParameter(f"history must be JSON (a list of turns): {exc}") from None
    if not isinstance(data, list):
        raise click.BadParameter("history must be a JSON list of {role, content} turns")
    return data


def _print_reply(reply: Any) -> None:
    click.echo(reply.text)
    if reply.citations:
        click.echo("")
        for c in reply.citations:
            links = ", ".join(r.link for r in c.references if r.link)
            if links:
                click.echo(click.style(f"[{c.n}] references: {links}", dim=True))


@main.command()
@click.argument("question")
@click.option("--history", help="Earlier turns as JSON (or a JSON file).")
@click.option("--json", "as_json", is_flag=True, help="Print text, kind, citations as JSON.")
@click.option("--generator", help="Override ITPQA_GENERATOR, e.g. extractive or openai:gpt-4o-mini.")
@click.pass_obj
def ask(obj: Context, question: str, history: str | None, as_json: bool, generator: str | None) -> None:
    """Ask one question.

    \b
    Examples:
      itpqa ask "Is ITP contagious?"
      itpqa ask --json "how is romiplostim given?"
      itpqa ask --history '[{"role":"user","content":"what is romiplostim?"}]' "how is it given?"
    """
    from qa.assistant import Assistant

    settings = obj.settings
    if generator:
        settings = settings.model_copy(update={"generator": generator})
    reply = Assistant(settings).ask(question, _history_from(history))
    if as_json:
        click.echo(json.dumps(reply.to_dict(), indent=2, ensure_ascii=False))
    else:
        _print_reply(reply)


@main.command()
@click.pass_obj
def chat(obj: Context) -> None:
    """Talk with the assistant in the terminal (keeps the conversation; Ctrl-D to quit)."""
    from qa.assistant import Assistant

    bot = Assistant(obj.settings)
    history: list[dict] = []
    click.echo("Ask about ITP. Ctrl-D or 'quit' to leave.\n")
    while True:
        try:
            question = click.prompt("you", prompt_suffix="> ")
        except (EOFError, click.Abort):
            click.echo("")
            return
        if question.strip().lower() in ("quit", "exit", ":q"):
            return
        reply = bot.ask(question, history)
        click.echo("")
        _print_reply(reply)
        click.echo("")
        history += [{"role": "user", "content": question}, {"role": "assistant", "content": reply.answer}]


class LazyCommand(click.Command):
    """A subcommand that lives in another package, imported only when used."""

    def __init__(self, name: str, target: str, help_text: str) -> None:
        super().__init__(name, help=help_text)
        self.target = target

    def _load(self) -> click.Command:
        module, attr = self.target.split(":")
        return getattr(importlib.import_module(module), attr)

    def make_context(self, info_name, args, parent=None, **extra):
        return self._load().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self._load().invoke(ctx)

    def get_help(self, ctx: click.Context) -> str:
        return self._load().get_help(ctx)


for _name, _target, _help in [
    ("serve", "ui.cli:serve", "Serve the chat page, widget and JSON API."),
    ("feedback", "ui.cli:feedback", "Export the thumbs up/down feedback."),
    ("eval", "eval.cli:eval_group", "Run eval suites and compare runs."),
    ("corpus", "qa.corpus.check:corpus", "Check the corpus (front matter, reading grade, coverage)."),
    ("bench", "bench.run:bench", "Benchmark latency, start-up, ingest, memory and serving throughput."),
]:
    main.add_command(LazyCommand(_name, _target, _help))


if __name__ == "__main__":  # pragma: no cover
    main()

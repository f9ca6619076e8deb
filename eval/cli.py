"""`itpqa eval`: run suites (JSON + HTML artifacts, quality gates) and compare two runs."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_CRASH, EXIT_USAGE, EXIT_QUALITY = 0, 1, 2, 3
DEFAULT_K = 6  # fixed (not ITPQA_TOP_K) so retrieval scores stay comparable across settings
EXIT_CODES_HELP = """\b
Exit codes:
  0  ran, and every threshold was met
  1  the tool crashed or could not evaluate (e.g. no index, every case errored)
  2  usage error (bad option or generator, malformed suite, gate or replies file)
  3  quality below a threshold (--fail-under/--fail-over/--gate)"""


INGEST = click.option(
    "--ingest", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Index the corpus first: when no index exists (auto), always, or never.")


class UsageProblem(click.ClickException):
    """A user error shown as one line, exiting with code 2."""

    exit_code = EXIT_USAGE


@click.group("eval", context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EXIT_CODES_HELP)
def eval_group() -> None:
    """Run eval suites against the assistant (or a replies file) and compare runs.

    \b
    Examples:
      itpqa eval run eval/suites/dev.yaml --out reports/
      itpqa eval run eval/suites/dev.yaml --gate eval/thresholds.yaml
      itpqa eval compare reports/OLD.json reports/NEW.json
    """


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


def _thresholds(fail_under: tuple[str, ...], fail_over: tuple[str, ...], gate: Path | None) -> list:
    from eval.gate import GateError, load_gate, parse_spec

    try:
        out = load_gate(gate) if gate else []
        out += [parse_spec(s, "min") for s in fail_under] + [parse_spec(s, "max") for s in fail_over]
    except GateError as exc:
        raise UsageProblem(str(exc)) from None
    return out


def _suites(paths: tuple[Path, ...], tags: list[str]) -> list:
    from eval.suite import SuiteError, load_suite

    suites = []
    for p in paths:
        try:
            suite = load_suite(p)
        except SuiteError as exc:
            raise UsageProblem(str(exc)) from None
        picked = suite.select(tags)
        if not picked.cases:
            raise UsageProblem(f"{p}: no cases with tags {', '.join(tags)} "
                               f"(tags in this suite: {', '.join(suite.tags[:15])}, ...)")
        suites.append(picked)
    return suites


def _warn_unknown_docs(suites: list, corpus_dir: Path) -> None:
    from eval.suite import unknown_docs

    if not corpus_dir.is_dir():
        return
    known = [p.stem for p in corpus_dir.glob("*.md")]
    for suite in suites:
        for case, doc in unknown_docs(suite, known)[:10]:
            click.echo(f"warning: {case.source}: case '{case.id}' expects doc '{doc}', "
                       f"which is not in {corpus_dir}", err=True)


def _settings(obj: Any) -> Any:
    """The CLI context's settings (`itpqa eval ...`), or the environment's when run on its own."""
    from qa.settings import get_settings

    return getattr(obj, "settings", None) or get_settings()


def _assistant(settings: Any, ingest: str, quiet: bool) -> tuple[Any, dict[str, Any]]:
    """The engine with `settings.generator`, over an index of the corpus (built when missing or asked)."""
    from qa.answer.llm_errors import LLMConfigError
    from qa.assistant import Assistant, make_generator
    from qa.index.ingest import Ingestor
    from qa.index.store import ChromaStore

    try:  # before indexing: a bad generator setting should not cost an ingest first
        generator = make_generator(settings)
    except (LLMConfigError, ImportError, FileNotFoundError) as exc:  # ImportError: extra missing
        raise UsageProblem(" ".join(str(exc).split()) or exc.__class__.__name__) from None
    if ingest == "always" or (ingest == "auto" and ChromaStore(settings).active() is None):
        if not quiet:
            click.echo(f"building the index from {settings.corpus_dir} ...", err=True)
        summary = Ingestor(settings).run(None, progress=not quiet)
        if not quiet:
            click.echo(summary.line(), err=True)
    bot = Assistant(settings, generator=generator)
    bot.warm_up(wait_for_triage=True)  # every case triaged the same way: never half by the rules alone
    info, _ = bot.reader.current()
    return bot, asdict(info)


@eval_group.command("run", epilog=EXIT_CODES_HELP)
@click.argument("suites", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the JSON and HTML artifacts. [default: $ITPQA_DATA_DIR/reports]")
@click.option("--fail-under", multiple=True, metavar="METRIC=VALUE",
              help="Exit 3 if METRIC (higher is better) is below VALUE. Repeatable.")
@click.option("--fail-over", multiple=True, metavar="METRIC=VALUE",
              help="Exit 3 if METRIC (lower is better) is above VALUE. Repeatable.")
@click.option("--gate", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML file of thresholds (min:/max: metric: value), e.g. eval/thresholds.yaml.")
@click.option("--tags", multiple=True, metavar="TAG[,TAG]",
              help="Only run cases that carry any of these tags. Repeatable.")
@click.option("--replies", type=click.Path(dir_okay=False, path_type=Path),
              help="Score replies from this JSON file instead of asking the assistant.")
@click.option("--save-replies", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the replies as a replies file (to score them elsewhere later).")
@click.option("--generator", metavar="SPEC",
              help="Answer with this generator instead of ITPQA_GENERATOR, e.g. openai:llama3 or "
                   "llamacpp:smollm2.")
@click.option("--k", "k", type=click.IntRange(1, 50), help="Retrieval cut-off for hit@k, recall@k, MRR and nDCG@k.  [default: 6]")
@INGEST
@click.option("--worst", type=click.IntRange(0, 1000), default=10, show_default=True,
              help="Failing cases to list in the terminal summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def run(suites: tuple[Path, ...], out: Path | None, fail_under: tuple[str, ...], fail_over: tuple[str, ...],
        gate: Path | None, tags: tuple[str, ...], replies: Path | None, save_replies: Path | None,
        generator: str | None, k: int | None, ingest: str, worst: int, as_json: bool, quiet: bool) -> None:
    """Run eval suites and write a timestamped JSON artifact and HTML report per suite.

    Each case's turns are asked in order (earlier replies become history) and the last reply is
    scored: reply kind, key facts, forbidden phrases, citations, support, retrieval, reading
    grade and latency; with an LLM generator also the sentences verification removed and the
    answers that fell back (see eval/README.md).

    \b
    Examples:
      itpqa eval run eval/suites/dev.yaml --out reports/
      itpqa eval run eval/suites/dev.yaml --tags urgent,decline --fail-under urgent_recall=1
      itpqa eval run eval/suites/dev.yaml --gate eval/thresholds.yaml --json
      itpqa eval run eval/suites/dev.yaml --replies llm-replies.json
      itpqa eval run eval/suites/dev.yaml --generator llamacpp:smollm2
    """
    from eval import artifact as art
    from eval.gate import check
    from eval.replies import RepliesError, dump_replies, load_replies
    from eval.report import render
    from eval.runner import Runner, RunnerError, replay
    from eval.scoring import score_runs
    from eval.support_model import default_scorer
    from qa.disclaimer import DISCLAIMER
    from qa.settings import get_settings

    if generator is not None and replies is not None:
        raise UsageProblem("--generator and --replies do not go together: the replies file was "
                           "answered already")
    thresholds = _thresholds(fail_under, fail_over, gate)
    tag_list = _split(tags)
    picked = _suites(suites, tag_list)
    settings = get_settings()
    if generator is not None:
        settings = settings.model_copy(update={"generator": generator.strip()})
    _warn_unknown_docs(picked, settings.corpus_dir)
    out_dir = out or settings.reports_dir

    recorded: dict[str, list] | None = None
    meta: dict[str, Any] = {}
    bot = None
    if replies is not None:
        try:
            recorded, meta = load_replies(replies)
        except RepliesError as exc:
            raise UsageProblem(str(exc)) from None
        target = f"replies:{replies}"
        index = {"fingerprint": meta.get("corpus_fingerprint")} if meta.get("corpus_fingerprint") else None
        run_settings = None
    else:
        bot, index = _assistant(settings, ingest, quiet or as_json)
        target = f"assistant:{settings.generator}"
        run_settings = settings.model_dump(mode="json")

    k = k or DEFAULT_K
    scorer = default_scorer(getattr(bot, "embedder", None))
    summaries, failed_gate, saved = [], False, {}
    for suite in picked:
        started = dt.datetime.now(dt.UTC)
        t0 = time.perf_counter()
        if recorded is not None:
            runs = replay(suite.cases, recorded)
        else:
            assert bot is not None
            try:
                runs = Runner(bot, k=k, progress=not (quiet or as_json),
                              description=suite.name).run(suite.cases)
            except RunnerError as exc:
                raise click.ClickException(str(exc)) from None
        result = score_runs(runs, disclaimer=DISCLAIMER, k=k, scorer=scorer)
        gate_results = check(result.metrics, thresholds)
        artifact = art.build(suite, result, target=target, settings=run_settings, index=index,
                             gate=gate_results, started=started, seconds=time.perf_counter() - t0,
                             tags=tag_list)
        json_path, html_path = art.write(artifact, out_dir, render(artifact))
        failed_gate |= not artifact["passed_gate"]
        saved.update({r.case.id: r.replies for r in runs if r.replies})
        summaries.append({"suite": suite.name, "json": str(json_path), "html": str(html_path),
                          "result": result, "gate": gate_results, "artifact": artifact})

    if save_replies is not None:
        dump_replies(saved, save_replies, {"producer": target,
                                           "corpus_fingerprint": (index or {}).get("fingerprint")})
    if as_json:
        click.echo(json.dumps({
            "exit_code": EXIT_QUALITY if failed_gate else EXIT_OK,
            "runs": [{"suite": s["suite"], "json": s["json"], "html": s["html"],
                      "metrics": s["result"].metrics, "generation": s["result"].generation,
                      "passed_gate": s["artifact"]["passed_gate"],
                      "gate": s["artifact"]["gate"],
                      "worst": [{"id": c.id, "expected": c.expected_kind, "actual": c.actual_kind,
                                 "failures": c.failures, "missing": c.facts_missing}
                                for c in s["result"].worst(worst)]}
                     for s in summaries],
        }, indent=1))
    else:
        for s in summaries:
            _print_summary(s, worst)
    if failed_gate:
        if not as_json:
            click.echo("quality below threshold (exit 3)", err=True)
        raise click.exceptions.Exit(EXIT_QUALITY)


def _print_summary(s: dict[str, Any], worst: int) -> None:
    from eval.report import fmt

    m = s["result"].metrics
    k = s["result"].k

    def f(name: str, unit: str = "rate") -> str:
        return fmt(m.get(name), unit)

    click.echo(f"{s['suite']}: {int(m['passed'] or 0)}/{int(m['cases'] or 0)} cases passed "
               f"({f('pass_rate')}), {int(m['errors'] or 0)} errors")
    click.echo(f"  kinds      accuracy {f('kind_accuracy')} | urgent recall {f('urgent_recall')} | "
               f"false urgent {f('false_urgent_rate')} | decline P/R {f('decline_precision')}/"
               f"{f('decline_recall')} | abstain P/R {f('abstain_precision')}/{f('abstain_recall')}")
    click.echo(f"  answers    facts mean {f('fact_coverage')}, all {f('fact_all_rate')} | forbidden "
               f"{f('forbidden_violation_rate')} | disclaimer {f('disclaimer_rate')} | grade "
               f"{f('reading_grade_mean', 'grade')}")
    click.echo(f"  citations  valid {f('citation_validity')} | answers cited {f('answer_citation_rate')} | "
               f"claims supported {f('citation_support')}")
    click.echo(f"  retrieval  hit@{k} {f('retrieval_hit_at_k')} | recall@{k} {f('retrieval_recall_at_k')} | "
               f"MRR {f('retrieval_mrr')} | nDCG@{k} {f('retrieval_ndcg_at_k')}")
    click.echo(f"  latency    p50 {f('latency_p50_ms', 'ms')} | p95 {f('latency_p95_ms', 'ms')}")
    if s["result"].generation["drafted"]:
        click.echo(f"  generation {_generation_line(s['result'].generation)}")
    bad = s["result"].worst(worst)
    if bad:
        click.echo(f"  worst failing cases ({len(s['result'].worst())} failing):")
        for i, c in enumerate(bad, 1):
            missing = "; ".join("/".join(x[:2]) for x in c.facts_missing)
            click.echo(f"   {i:2}. {c.id}: expected {c.expected_kind}, got {c.actual_kind} "
                       f"[{', '.join(c.failures)}]" + (f" missing: {missing}" if missing else ""))
    for g in s["gate"]:
        if not g.ok:
            click.echo(f"  FAIL {g.message} ({g.threshold.source})")
    if s["gate"]:
        n_bad = sum(not g.ok for g in s["gate"])
        click.echo(f"  gate: {len(s['gate']) - n_bad}/{len(s['gate'])} thresholds met")
    click.echo(f"  report: {s['html']}\n  json:   {s['json']}")


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _generation_line(g: dict[str, Any]) -> str:
    """'removed X of Y sentences (Z%) | fallback A of B answers (C%) | reasons: uncited 3, ...'."""
    def counts(tally: dict[str, int]) -> str:
        return ", ".join(f"{name} {n}" for name, n in tally.items()) or "none"

    line = (f"removed {g['removed']} of {g['proposed']} sentences ({_percent(g['removed'], g['proposed'])}) | "
            f"fallback {g['fallbacks']} of {g['drafted']} answers ({_percent(g['fallbacks'], g['drafted'])}) | "
            f"reasons: {counts(g['reasons'])}")
    return line + (f" | fallback reasons: {counts(g['fallback_reasons'])}" if g["fallbacks"] else "")


@eval_group.command("compare", epilog="""\b
Exit codes:
  0  compared (with --fail-on-regression: and nothing regressed)
  1  the tool crashed
  2  usage error (missing or unreadable artifact)
  3  with --fail-on-regression: a case regressed or a metric (latency aside) got worse""")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--fail-on-regression", is_flag=True, help="Exit 3 when a case regressed or a metric (latency aside) got worse.")
@click.option("--all", "show_all", is_flag=True, help="Show unchanged and unmeasured metrics too.")
def compare_cmd(old: Path, new: Path, as_json: bool, fail_on_regression: bool, show_all: bool) -> None:
    """Show per-metric deltas and the cases that regressed or improved between two runs.

    \b
    Examples:
      itpqa eval compare reports/20250101T120000Z-dev.json reports/20250102T090000Z-dev.json
      itpqa eval compare OLD.json NEW.json --json
    """
    from eval import artifact as art
    from eval.compare import compare
    from eval.report import fmt
    from eval.scoring import METRICS

    try:
        a, b = art.load(old), art.load(new)
    except art.ArtifactError as exc:
        raise UsageProblem(str(exc)) from None
    cmp = compare(a, b)
    if as_json:
        click.echo(json.dumps(cmp.to_dict(), indent=1))
    else:
        click.echo(f"old: {old} ({cmp.old['cases']} cases, corpus {cmp.old['corpus_fingerprint'] or '?'})")
        click.echo(f"new: {new} ({cmp.new['cases']} cases, corpus {cmp.new['corpus_fingerprint'] or '?'})")
        for note in cmp.notes:
            click.echo(f"note: {note}")
        click.echo(f"{'metric':28} {'old':>12} {'new':>12} {'delta':>10}")
        for d in cmp.metrics:
            # Unmeasured in both runs (e.g. the LLM metrics of extractive runs) says nothing new.
            if (d.verdict == "same" or (d.old is None and d.new is None)) and not show_all:
                continue
            unit = METRICS[d.name].unit
            delta = "" if d.delta is None else f"{d.delta:+.4g}"
            mark = {"better": "  better", "worse": "  WORSE"}.get(d.verdict, "")
            click.echo(f"{d.name:28} {fmt(d.old, unit):>12} {fmt(d.new, unit):>12} {delta:>10}{mark}")
        for title, items in (("regressed", cmp.regressed), ("improved", cmp.improved)):
            click.echo(f"{title} cases: {len(items)}")
            for c in items:
                click.echo(f"  {c.id}: [{', '.join(c.old_failures) or 'pass'}] -> "
                           f"[{', '.join(c.new_failures) or 'pass'}]  {c.question[:80]}")
        if cmp.added or cmp.removed:
            click.echo(f"cases only in new: {len(cmp.added)}; only in old: {len(cmp.removed)}")
    if fail_on_regression and (cmp.regressed or any(d.verdict == "worse" for d in cmp.metrics
                                                    if d.name not in ("latency_p50_ms", "latency_p95_ms"))):
        raise click.exceptions.Exit(EXIT_QUALITY)


@eval_group.command("triage", epilog=EXIT_CODES_HELP)
@click.option("--suite", "suites", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A suite file of triage cases. [default: eval/suites/frozen/triage.yaml, "
                   "triage-context.yaml, triage-fresh.yaml and triage-time.yaml]")
@click.option("--no-banks", is_flag=True, help="Leave out the banks' validation split.")
@click.option("--gate", type=click.Path(dir_okay=False, path_type=Path),
              help="YAML thresholds (min:/max: metric: value) every set must meet, e.g. "
                   "eval/triage-thresholds.yaml.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the JSON artifact. [default: $ITPQA_DATA_DIR/reports]")
@click.option("--misses", type=click.IntRange(0, 1000), default=15, show_default=True,
              help="Wrongly triaged cases to list per set.")
@INGEST
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@click.option("--without", type=click.Choice(["embeddings", "model"]),
              help="Measure a fallback: `embeddings` decides as when the embedding model fails (words-only "
                   "heads and rules); `model`, with the rules alone.")
@click.pass_obj
def triage_cmd(obj: Any, suites: tuple[Path, ...], no_banks: bool, gate: Path | None, out: Path | None,
               misses: int, ingest: str, as_json: bool, without: str | None) -> None:
    """Triage on the frozen validation sets: recall and false positives, per red flag.

    \b
    Examples:
      itpqa eval triage
      itpqa eval triage --gate eval/triage-thresholds.yaml
      itpqa eval triage --suite eval/suites/dev.yaml --no-banks
      itpqa eval triage --without embeddings   # as if the embedding model failed
    """
    from eval import triage
    settings = _settings(obj)
    sets: list[tuple[str, list]] = []
    if not no_banks:
        sets.append(("banks-validation", triage.bank_cases("validation")))
    for path in suites or triage.FROZEN_SUITES:
        try:
            sets.append((path.stem, triage.suite_cases(path)))
        except (OSError, KeyError, TypeError) as exc:
            raise UsageProblem(f"{path}: not a suite of triage cases ({exc})") from None
    limits: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    per_set: dict[str, dict[str, dict[str, float]]] = {}
    if gate:
        import yaml

        try:
            raw = yaml.safe_load(gate.read_text()) or {}
            limits = {b: {str(k): float(v) for k, v in (raw.get(b) or {}).items()} for b in ("min", "max")}
            per_set = {str(name): {b: {str(k): float(v) for k, v in ((bounds or {}).get(b) or {}).items()}
                                   for b in ("min", "max")}
                       for name, bounds in (raw.get("sets") or {}).items()}
        except (OSError, yaml.YAMLError, ValueError, AttributeError) as exc:
            raise UsageProblem(f"{gate}: unreadable gate file ({exc})") from None
    bot, info = _assistant(settings, ingest, as_json)  # warmed up, the learned triage fitted
    bot.triage.use_model = without != "model"
    bot.triage.use_embeddings = without is None
    started = time.perf_counter()
    results = {name: triage.score(cases, triage.run(bot, cases)) for name, cases in sets}
    artifact = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "index": info, "seconds": round(time.perf_counter() - started, 1),
        "model": bot.triage.model.cv if bot.triage.model else None,
        "without": without,
        "sets": {name: {"n": r.n, "metrics": r.metrics(), "per_flag": r.per_flag, "misses": r.misses}
                 for name, r in results.items()},
    }
    folder = out or settings.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"triage-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(artifact, indent=2, ensure_ascii=False))
    failed = []
    for name, r in results.items():
        metrics = r.metrics()
        own = per_set.get(name, {})
        for bound, values in limits.items():
            for metric, value in {**values, **own.get(bound, {})}.items():
                got = metrics.get(metric)
                if got is None and r.n:
                    continue  # the set has no cases of that kind: it cannot speak for it
                if got is None or (got < value if bound == "min" else got > value):
                    failed.append(f"{name}: {metric} = {got if got is None else round(got, 4)}, "
                                  f"needs {'>=' if bound == 'min' else '<='} {value:g}")
    if as_json:
        click.echo(json.dumps(artifact, indent=2, ensure_ascii=False))
    else:
        for name, r in results.items():
            click.echo(triage.report(name, r))
            for m in r.misses[:misses]:
                click.echo(f"    miss: expected {m['expected']}, got {m['got']} ({m['reason']}): {m['message'][:110]}")
            click.echo("")
        click.echo(f"artifact: {path}")
        for f in failed:
            click.echo(f"gate: {f}", err=True)
    if failed:
        raise SystemExit(EXIT_QUALITY)


@eval_group.command("triage-cv", epilog=EXIT_CODES_HELP)
@click.option("--folds", type=click.IntRange(2, 10), default=5, show_default=True)
@click.option("--banks", "bank_dir", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A folder of bank files. [default: qa/understanding/triage/banks]")
@click.option("--misses", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="Wrongly triaged train rows to list.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@click.pass_obj
def triage_cv_cmd(obj: Any, folds: int, bank_dir: Path | None, misses: int, as_json: bool) -> None:
    """Triage cross-validated on the banks' train split: where to tune, never the frozen sets.

    \b
    Examples:
      itpqa eval triage-cv
      itpqa eval triage-cv --folds 5 --misses 40
    """
    from eval import triage
    from eval.triage_cv import cross_validate
    from qa.corpus.questions import answerable_questions
    from qa.index.embedder import shared_embedder
    from qa.understanding.triage.banks import BANK_DIR, load_banks
    from qa.understanding.triage.unknown_words import Library
    from qa.understanding.triage.vectors import VectorCache

    settings = _settings(obj)
    embedder = shared_embedder()
    started = time.perf_counter()
    with VectorCache(settings.triage_cache / "vectors.npz", embedder.embed_queries) as embed:
        cv = cross_validate(load_banks(bank_dir or BANK_DIR), answerable_questions(settings.corpus_dir / "questions"),
                            embedder, embed, folds=folds,
                            progress=None if as_json else lambda line: click.echo(line, err=True),
                            library=Library.from_corpus(settings.corpus_dir))
    if as_json:
        click.echo(json.dumps({name: {"n": r.n, "metrics": r.metrics(), "per_flag": r.per_flag,
                                      "misses": r.misses[:misses]}
                               for name, r in (("banks-train-cv", cv.banks), ("questions-cv", cv.questions))},
                              indent=2))
        return
    for name, r in (("banks-train-cv", cv.banks), ("questions-cv", cv.questions)):
        click.echo(triage.report(name, r))
        for m in r.misses[:misses]:
            click.echo(f"    miss: expected {m['expected']}, got {m['got']} ({m['reason']}): {m['message'][:110]}")
        click.echo("")
    click.echo(f"{folds} folds in {time.perf_counter() - started:.0f} s", err=True)


@eval_group.command("sections", epilog=EXIT_CODES_HELP)
@click.option("--min-top1", type=float, help="Exit 3 if top-1 accuracy is below this.")
@click.option("--min-top3", type=float, help="Exit 3 if top-3 accuracy is below this.")
@click.option("--misses", type=click.IntRange(0, 1000), default=20, show_default=True,
              help="Misses to list.")
@INGEST
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON on stdout.")
@click.pass_obj
def sections_cmd(obj: Any, min_top1: float | None, min_top3: float | None, misses: int, ingest: str,
                 as_json: bool) -> None:
    """Section matching on the question bank's held-out phrasings (top-1 and top-3).

    \b
    Examples:
      itpqa eval sections
      itpqa eval sections --min-top1 0.9 --min-top3 0.98
    """
    from eval import sections
    settings = _settings(obj)
    cases = sections.held_out_cases(settings.corpus_dir / "questions")
    if not cases:
        raise UsageProblem(f"no question bank in {settings.corpus_dir / 'questions'}")
    bot, _ = _assistant(settings, ingest, as_json)
    result = sections.score(cases, [sections.rank_sections(bot, c.text) for c in cases])
    payload = {"n": result.n, "top1": result.top1, "top3": result.top3, "misses": result.misses}
    if as_json:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
    else:
        click.echo(f"held-out phrasings: {result.n}  top-1 {result.top1:.3f}  top-3 {result.top3:.3f}")
        for m in result.misses[:misses]:
            click.echo(f"  miss: {m['question'][:80]!r} -> {m['got'][:1]} (expected {m['expected']})")
    failed = (min_top1 is not None and (result.top1 or 0) < min_top1) or \
             (min_top3 is not None and (result.top3 or 0) < min_top3)
    if failed:
        raise SystemExit(EXIT_QUALITY)


@eval_group.command("fit-ranker", epilog=EXIT_CODES_HELP)
@INGEST
@click.option("--dry-run", is_flag=True, help="Report what cross-validation measured; write nothing.")
@click.pass_obj
def fit_ranker_cmd(obj: Any, ingest: str, dry_run: bool) -> None:
    """Fit the section ranker (qa/understanding/ranker.yaml) on the question bank's train phrasings.

    \b
    Examples:
      itpqa eval fit-ranker
      itpqa eval sections            # then measure it on the held-out phrasings
    """
    from eval.fit_ranker import fit
    from qa.understanding.ranker import WEIGHTS
    settings = _settings(obj)
    bot, _ = _assistant(settings, ingest, False)
    ranker, meta = fit(bot)
    click.echo(f"fitted on {meta['phrasings']} phrasings ({meta['pairs']} hit pairs); "
               f"C={meta['C']}; cross-validated top-1: {meta['cv_top1']}")
    click.echo("weights: " + ", ".join(f"{k} {v:+.2f}" for k, v in ranker.weights.items()))
    if not dry_run:
        ranker.save(WEIGHTS)
        click.echo(f"written: {WEIGHTS}")

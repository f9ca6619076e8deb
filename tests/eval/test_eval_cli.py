"""`itpqa eval run/compare` end to end on the real index: artifacts, gates, exit codes, replies mode."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from qa.cli import main
from qa.disclaimer import DISCLAIMER
from qa.index.store import ChromaStore

TINY = """\
suite: tiny
cases:
  - id: contagious
    tags: [basics]
    turns: ["is itp contagious?"]
    kind: answer
    facts: [["not contagious", "cannot catch"]]
    docs: [what-is-itp]
  - id: head
    tags: [urgent]
    turns: ["my son has itp and just hit his head and keeps vomiting"]
    kind: urgent
    facts: [["emergency"]]
    docs: [urgent-warning-signs]
  - id: poem
    tags: [decline]
    turns: ["write me a poem about cats"]
    kind: decline
    facts: [["ITP"]]
  - id: followup
    tags: [basics]
    turns: ["what is romiplostim?", "how is it given?"]
    kind: answer
    facts: [["injection", "injected"]]
    docs: [romiplostim]
"""
FAITHFUL = ("ITP is not contagious. [1] A virus can sometimes trigger ITP in a child, but ITP itself "
            "does not spread. [1]")
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//|@import""", re.I)


@pytest.fixture()
def cli(built_settings, monkeypatch, tmp_path):
    """Invoke `itpqa` in-process with the session's real index as the data dir."""
    from qa.settings import get_settings

    monkeypatch.setenv("ITPQA_DATA_DIR", str(built_settings.data_dir))
    get_settings.cache_clear()
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)

    yield invoke
    get_settings.cache_clear()


@pytest.fixture()
def suite(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY)
    return path


def run_json(cli, *args):
    result = cli("eval", "run", *args, "--json", "--ingest", "never")
    data = json.loads(result.stdout)
    return result, data


def test_run_writes_json_and_offline_html(cli, suite, tmp_path, built_settings) -> None:
    out = tmp_path / "out"
    result, data = run_json(cli, suite, "--out", out)
    assert result.exit_code == 0, result.output
    assert data["exit_code"] == 0
    run = data["runs"][0]
    json_path, html_path = Path(run["json"]), Path(run["html"])
    assert json_path.parent == out and re.fullmatch(r"\d{8}T\d{6}Z-tiny\.json", json_path.name)
    assert html_path.exists() and html_path.with_suffix(".json") == json_path
    artifact = json.loads(json_path.read_text())
    assert artifact["corpus_fingerprint"] == ChromaStore(built_settings).active().fingerprint
    assert artifact["settings"]["top_k"] == built_settings.top_k
    assert artifact["environment"]["packages"]["chromadb"]
    assert len(artifact["cases"]) == 4
    by_id = {c["id"]: c for c in artifact["cases"]}
    assert by_id["head"]["actual_kind"] == "urgent"
    assert by_id["poem"]["actual_kind"] == "decline"
    assert by_id["contagious"]["retrieved"] and by_id["contagious"]["latency_ms"] > 0
    assert run["metrics"]["disclaimer_rate"] == 1.0
    assert run["metrics"]["urgent_recall"] == 1.0
    html = html_path.read_text()
    assert "<svg" in html and "<style>" in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "<script" not in html.lower() and "<link" not in html.lower()


def test_human_summary(cli, suite, tmp_path) -> None:
    result = cli("eval", "run", suite, "--out", tmp_path, "-q", "--ingest", "never")
    assert result.exit_code == 0, result.output
    assert "tiny:" in result.stdout and "urgent recall" in result.stdout and "report:" in result.stdout
    assert "  generation " not in result.stdout  # the extractive generator drafts nothing


def test_impossible_threshold_exits_3(cli, suite, tmp_path) -> None:
    result, data = run_json(cli, suite, "--out", tmp_path, "--fail-under", "kind_accuracy=1.01",
                            "--fail-over", "false_urgent_rate=0.5")
    assert result.exit_code == 3
    assert data["exit_code"] == 3 and data["runs"][0]["passed_gate"] is False
    assert [g["ok"] for g in data["runs"][0]["gate"]] == [False, True]


def test_gate_file_failure_exits_3_and_says_why(cli, suite, tmp_path) -> None:
    gate = tmp_path / "gate.yaml"
    gate.write_text("min:\n  fact_all_rate: 1.5\n")
    result = cli("eval", "run", suite, "--out", tmp_path, "--gate", gate, "-q", "--ingest", "never")
    assert result.exit_code == 3
    assert f"FAIL fact_all_rate = 1, needs >= 1.5 ({gate}:2)" in result.output


def test_compare_two_runs(cli, suite, tmp_path) -> None:
    _, first = run_json(cli, suite, "--out", tmp_path)
    _, second = run_json(cli, suite, "--out", tmp_path, "--tags", "basics")
    old, new = first["runs"][0]["json"], second["runs"][0]["json"]
    assert old != new
    result = cli("eval", "compare", old, new)
    assert result.exit_code == 0, result.output
    assert "metric" in result.stdout and "only in old: 2" in result.stdout
    assert "llm_" not in result.stdout  # unmeasured in both runs: not listed without --all
    assert "llm_fallback_rate" in cli("eval", "compare", old, new, "--all").stdout
    result = cli("eval", "compare", old, new, "--json")
    data = json.loads(result.stdout)
    assert sorted(data["removed"]) == ["head", "poem"]
    assert {m["name"] for m in data["metrics"]} >= {"kind_accuracy", "retrieval_mrr"}


def test_replies_file_mode(cli, suite, tmp_path) -> None:
    saved = tmp_path / "replies.json"
    _, engine = run_json(cli, suite, "--out", tmp_path, "--save-replies", saved)
    # Score the saved replies again without the engine: the same answers get the same scores.
    result, replayed = run_json(cli, suite, "--out", tmp_path, "--replies", saved)
    assert result.exit_code == 0, result.output
    for name in ("kind_accuracy", "fact_all_rate", "citation_validity", "citation_support", "retrieval_mrr"):
        assert replayed["runs"][0]["metrics"][name] == engine["runs"][0]["metrics"][name], name
    artifact = json.loads(Path(replayed["runs"][0]["json"]).read_text())
    assert artifact["target"] == f"replies:{saved}"

    # A reply made elsewhere: wrong kind, hostile text, a marker with no source.
    hostile = '<script>alert("x")</script><img src="https://evil.example/a.png">'
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"meta": {"producer": "elsewhere"}, "replies": {
        "contagious": {"text": f"{hostile} Yes, it spreads. [2]\n\n{DISCLAIMER}", "kind": "answer",
                       "citations": [{"n": 1, "doc_id": "what-is-itp", "text": "ITP is not contagious."}]},
        "head": {"text": "Take a nap.", "kind": "answer"},
        "poem": {"text": f"Sorry, I only answer questions about ITP.\n\n{DISCLAIMER}", "kind": "decline"},
    }}))
    result, data = run_json(cli, suite, "--out", tmp_path, "--replies", other, "--fail-under", "urgent_recall=1")
    assert result.exit_code == 3
    worst = {w["id"]: w for w in data["runs"][0]["worst"]}
    assert worst["followup"]["failures"] == ["error"]  # missing from the file
    assert "missed_urgent" in worst["head"]["failures"]
    assert "invalid_citation" in worst["contagious"]["failures"]
    html = Path(data["runs"][0]["html"]).read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert not EXTERNAL.search(html)

    # Against the engine's run, those replies are regressions.
    old, new = engine["runs"][0]["json"], data["runs"][0]["json"]
    cmp = json.loads(cli("eval", "compare", old, new, "--json").stdout)
    assert {c["id"] for c in cmp["regressed"]} == {"contagious", "head", "followup"}
    assert cli("eval", "compare", old, new, "--fail-on-regression").exit_code == 3
    assert cli("eval", "compare", old, old, "--fail-on-regression").exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [("{oops", "not valid JSON"), ('{"replies": {"contagious": {"text": "x", "kind": "chat"}}}', "'kind' must be one of"),
     ("[1, 2]", "top level must be a JSON object")],
)
def test_bad_replies_file_is_a_usage_error(cli, suite, tmp_path, content, message) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    result = cli("eval", "run", suite, "--out", tmp_path, "--replies", bad, "-q")
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_malformed_suite_is_a_usage_error_with_a_line(cli, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: a\n  turns: [hi]\n  kind: answr\n")
    result = cli("eval", "run", bad, "--out", tmp_path, "--ingest", "never")
    assert result.exit_code == 2
    assert f"Error: {bad}:3: case 'a': kind must be one of" in result.output
    assert "Traceback" not in result.output and not list(tmp_path.glob("*.json"))


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--fail-under", "nope=1"], "unknown metric 'nope'"),
     (["--fail-under", "latency_p95_ms=10"], "use --fail-over"),
     (["--tags", "no-such-tag"], "no cases with tags no-such-tag"),
     (["--gate", "missing-gate.yaml"], "gate file not found")],
)
def test_usage_errors_exit_2(cli, suite, tmp_path, args, message) -> None:
    result = cli("eval", "run", suite, "--out", tmp_path, "--ingest", "never", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_compare_rejects_a_non_artifact(cli, tmp_path) -> None:
    junk = tmp_path / "junk.json"
    junk.write_text("{}")
    result = cli("eval", "compare", junk, junk)
    assert result.exit_code == 2 and "not an eval artifact" in result.output


def test_help_documents_exit_codes(cli) -> None:
    result = cli("eval", "run", "--help")
    assert result.exit_code == 0
    assert "3  quality below a threshold" in result.output and "2  usage error" in result.output


def test_generator_and_replies_do_not_go_together(cli, suite, tmp_path) -> None:
    replies = tmp_path / "f.json"
    replies.write_text('{"contagious": {"text": "x", "kind": "answer"}}')
    result = cli("eval", "run", suite, "--generator", "openai:x", "--replies", replies, "--out", tmp_path)
    assert result.exit_code == 2
    assert "--generator and --replies do not go together" in result.output
    assert not list(tmp_path.glob("*.html"))


def test_unknown_generator_is_one_clean_line(cli, suite, tmp_path) -> None:
    result = cli("eval", "run", suite, "--generator", "nonsense:thing", "--out", tmp_path, "--ingest", "never")
    assert result.exit_code == 2
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [errors[0]] and "unknown generator 'nonsense:thing'" in errors[0]
    assert "Traceback" not in result.output and not list(tmp_path.glob("*.json"))


@pytest.fixture()
def chat_server(monkeypatch) -> Iterator[list[dict]]:
    """A loopback chat-completions endpoint (the outside LLM service) that always says FAITHFUL."""
    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(body)
            data = json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": body["model"],
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": FAITHFUL}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("ITPQA_LLM_BASE_URL", f"http://127.0.0.1:{httpd.server_address[1]}/v1")
    from qa.settings import get_settings

    get_settings.cache_clear()
    yield seen
    httpd.shutdown()
    httpd.server_close()


def test_generator_option_answers_with_that_model(cli, suite, tmp_path, chat_server) -> None:
    pytest.importorskip("langchain_openai", reason="the llm extra is not installed")
    result = cli("eval", "run", suite, "--generator", "openai:tiny-model", "--out", tmp_path, "-q",
                 "--ingest", "never")
    assert result.exit_code == 0, result.output
    assert chat_server and {b["model"] for b in chat_server} == {"tiny-model"}
    assert re.search(r"  generation removed \d+ of \d+ sentences \(.+\) \| fallback \d+ of \d+ answers", result.stdout)
    [json_path] = tmp_path.glob("*.json")
    artifact = json.loads(json_path.read_text())
    assert artifact["target"] == "assistant:openai:tiny-model"
    assert artifact["settings"]["generator"] == "openai:tiny-model"
    assert artifact["generation"]["drafted"] == artifact["metrics"]["llm_answers"] >= 1
    contagious = next(c for c in artifact["cases"] if c["id"] == "contagious")
    assert contagious["generation"]["answered_by"] == "llm" and contagious["generation"]["removed"] == 0
    assert "Generation and verification" in json_path.with_suffix(".html").read_text()


def test_generation_summary_line() -> None:
    from eval.cli import _generation_line

    g = {"drafted": 40, "proposed": 318, "kept": 250, "removed": 18, "fallbacks": 2,
         "reasons": {"uncited": 12, "unsupported": 6}, "fallback_reasons": {"timeout": 2}}
    assert _generation_line(g) == ("removed 18 of 318 sentences (5.7%) | fallback 2 of 40 answers (5.0%) | "
                                   "reasons: uncited 12, unsupported 6 | fallback reasons: timeout 2")
    g.update(proposed=0, removed=0, fallbacks=0, reasons={}, fallback_reasons={})
    assert _generation_line(g) == "removed 0 of 0 sentences (n/a) | fallback 0 of 40 answers (0.0%) | reasons: none"

"""The serving benchmark's harness, against a real `itpqa serve` process on the test index."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bench.load import LOAD_HEADER, address, drive, main, markdown_row, serve, serve_env
from bench.questions import workload


@pytest.mark.slow
def test_concurrent_clients_all_get_answers_with_the_disclaimer(built_settings) -> None:
    with serve(serve_env(built_settings.data_dir)) as server:
        assert 0 < server.ready_s <= server.first_answer_s
        result = drive(server.url, workload(), clients=4, seconds=4, server_pid=server.proc.pid)
    assert result["errors"] == 0, result["failures"]
    assert result["failures"] == []  # every reply carried its disclaimer
    assert result["answers"] == result["requests"] >= 4
    assert result["per_client_min"] >= 1  # nobody starved
    assert {"answer", "decline"} <= set(result["kinds"])
    assert result["p50_ms"] <= result["p95_ms"] <= result["max_ms"]
    assert result["healthz_p95_ms"] is not None and result["healthz_p95_ms"] < float("inf")
    assert result["peak_rss_mib"] > 100 and result["server_cpu_ms_per_answer"] > 0
    row = markdown_row("351", result)
    assert row.count("|") == LOAD_HEADER.splitlines()[0].count("|")


def test_the_benchmark_server_has_no_rate_limit_or_query_cache(tmp_path) -> None:
    env = serve_env(tmp_path, {"ITPQA_CHROMA_URL": "http://elsewhere:8000", "PATH": "/bin"})
    assert env["ITPQA_DATA_DIR"] == str(tmp_path)
    assert int(env["ITPQA_RATE_LIMIT"]) >= 100_000
    assert env["ITPQA_QUERY_CACHE_SIZE"] == "0"
    assert "ITPQA_CHROMA_URL" not in env  # the benchmark measures the embedded store


def test_a_server_url_is_host_and_port_or_a_clear_error() -> None:
    assert address("http://127.0.0.1:7860") == ("127.0.0.1", 7860)
    assert address("http://localhost/") == ("localhost", None)
    for bad in ("127.0.0.1:7860", "https://example.org", "http://:7860"):
        with pytest.raises(ValueError, match="http://host:port"):
            address(bad)
    result = CliRunner().invoke(main, ["--url", "localhost:7860", "--seconds", "0"])
    assert result.exit_code == 2 and "--url" in result.output and "Traceback" not in result.output

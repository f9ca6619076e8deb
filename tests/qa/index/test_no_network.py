"""Nothing phones home: ingest and ask run with every non-loopback connection refused and recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]

GUARDED = (REPO / "tests" / "network_guard.py").read_text() + textwrap.dedent(
    """
    import json, socket, sys

    from pathlib import Path
    from qa.index.ingest import Ingestor
    from qa.assistant import Assistant
    from qa.settings import Settings

    settings = Settings(data_dir=Path(sys.argv[1]))
    Ingestor(settings).run([Path(sys.argv[2])])
    reply = Assistant(settings).ask("Is ITP contagious?")
    print(json.dumps({"kind": reply.kind, "attempts": attempts}))
    """
)


def test_ingest_and_ask_make_no_outbound_connections(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("what-is-itp.md", "causes-of-itp.md"):
        (corpus / name).write_text((REPO / "corpus" / name).read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "ANONYMIZED"))}
    out = subprocess.run(
        [sys.executable, "-c", GUARDED, str(tmp_path / "data"), str(corpus)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["kind"] == "answer"
    assert result["attempts"] == []

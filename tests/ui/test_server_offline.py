"""The server side phones nowhere either: the whole app serves pages, the API and Gradio's own
endpoints with every non-loopback connection and DNS lookup refused and recorded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

GUARDED = (REPO / "tests" / "network_guard.py").read_text() + textwrap.dedent(
    """
    import json, socket, sys, threading, time

    import httpx, uvicorn
    from qa.assistant import Assistant
    from qa.settings import Settings
    from ui.app import create_app, server_config

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(port=port)
    bot = Assistant(settings)
    bot.warm_up()
    server = uvicorn.Server(server_config(create_app(settings, bot), settings))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    codes = [httpx.get(url + p, timeout=60).status_code
             for p in ("/", "/embed/", "/config", "/embed/config", "/docs", "/sources/what-is-itp", "/widget.js")]
    codes.append(httpx.post(url + "/api/ask", json={"question": "Is ITP contagious?"}, timeout=60).status_code)
    from gradio_client import Client
    reply = Client(url + "/", verbose=False).predict("Is ITP contagious?", [], api_name="/ask")
    server.should_exit = True
    print(json.dumps({"codes": codes, "kind": reply["kind"], "attempts": attempts}))
    """
)


def test_serving_makes_no_outbound_connections(built_settings) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HF_", "TRANSFORMERS_", "ANONYMIZED", "GRADIO_", "DO_NOT_TRACK"))}
    env.update(ITPQA_DATA_DIR=str(built_settings.data_dir), ITPQA_CORPUS_DIR=str(built_settings.corpus_dir))
    out = subprocess.run([sys.executable, "-c", GUARDED], capture_output=True, text=True, env=env,
                         cwd=REPO, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["codes"] == [200] * 8
    assert result["kind"] == "answer"
    assert result["attempts"] == []

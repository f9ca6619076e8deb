"""The README documents every setting, and the CLI commands it shows exist."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from qa.cli import main
from qa.settings import Settings

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_setting_is_in_the_readme_table() -> None:
    documented = set(re.findall(r"^\| `(ITPQA_[A-Z_]+)` \|", README, flags=re.M))
    expected = {f"ITPQA_{name.upper()}" for name in Settings.model_fields}
    assert documented == expected, (sorted(expected - documented), sorted(documented - expected))


def test_readme_commands_exist() -> None:
    commands = set(re.findall(r"^itpqa ([a-z]+)", README, flags=re.M))
    assert commands >= {"ingest", "ask", "chat", "corpus", "eval", "bench"}
    for command in commands:
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0, (command, result.output)

"""The README is a test: its Quick start is what CI runs, and its examples run."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # subprocesses, kills and full-disk runs

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_has_exactly_two_commands_and_ci_runs_the_second():
    commands = quick_start()
    assert len(commands) == 2
    assert "carbon batch sample_data" in commands[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines()


def examples() -> list[str]:
    blocks = re.findall(r"```console\n(.*?)```", README, re.S)
    return [line[2:] for block in blocks for line in block.splitlines() if line.startswith("$ carbon")]


@pytest.mark.parametrize("command", examples())
def test_readme_example_runs(command, tmp_path):
    args = shlex.split(command)[1:]
    args = [str(ROOT / a) if a.startswith(("sample_data", "docs/")) else a for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "carbon_cli", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_outputs_of_examples_exist(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "carbon_cli", "template", "survey.xlsx"],
        cwd=tmp_path,
        check=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
    )
    assert Path(tmp_path / "survey.xlsx").stat().st_size > 1000

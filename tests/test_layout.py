"""The layout by stage holds: no stage imports a higher one (import-linter's `stages` contract in
pyproject.toml, counting imports inside functions and under TYPE_CHECKING), no two modules import
each other (or form any other circle), and no import chain is longer than 12 modules. Each check is
shown to fail on a planted import."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_CHAIN = 12


_GRAPH = """
import json, sys, grimp
g = grimp.build_graph("carbon_cli", cache_dir=None, exclude_type_checking_imports=sys.argv[1] == "1")
print(json.dumps({m: sorted(g.find_modules_directly_imported_by(m)) for m in g.modules}))
"""


def _graph(package_root: Path, exclude_type_checking: bool = False) -> dict[str, set[str]]:
    """The package's import graph as grimp reads it, in a child process so that the copy at
    `package_root` is the one read."""
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    args = [sys.executable, "-c", _GRAPH, "1" if exclude_type_checking else "0"]
    done = subprocess.run(args, cwd=package_root, env=env, capture_output=True, text=True, check=True)
    return {m: set(ds) for m, ds in json.loads(done.stdout).items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(m: str) -> None:
        index[m] = low[m] = len(index)
        stack.append(m)
        for d in graph[m]:
            if d not in index:
                visit(d)
                low[m] = min(low[m], low[d])
            elif d in stack:
                low[m] = min(low[m], index[d])
        if low[m] == index[m]:
            part = []
            while True:
                x = stack.pop()
                part.append(x)
                if x == m:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for m in sorted(graph):
        if m not in index:
            visit(m)
    return found


def longest_chain(graph: dict[str, set[str]]) -> tuple[str, ...]:
    @functools.cache
    def longest(m: str) -> tuple[str, ...]:
        return (m, *max((longest(d) for d in graph[m]), key=len, default=()))

    return max((longest(m) for m in sorted(graph)), key=len)


def _lint(package_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache", str(ROOT / "pyproject.toml")],
        cwd=package_root,
        env=env,
        capture_output=True,
        text=True,
    )


def _planted(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of the package with `line` added at the end of `module` (a path under carbon_cli/)."""
    shutil.copytree(ROOT / "carbon_cli", tmp_path / "carbon_cli", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "carbon_cli" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + line + "\n", encoding="utf-8")
    return tmp_path


def test_no_stage_imports_a_higher_one():
    done = _lint(ROOT)
    assert done.returncode == 0 and "1 kept, 0 broken" in done.stdout, done.stdout + done.stderr


@pytest.mark.slow
def test_the_contract_breaks_on_an_upward_import_even_under_type_checking(tmp_path):
    upward = "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from carbon_cli.outputs.district import Row"
    done = _lint(_planted(tmp_path, "scoring/criteria.py", upward))
    assert done.returncode == 1 and "BROKEN" in done.stdout.upper(), done.stdout
    assert "carbon_cli.scoring.criteria -> carbon_cli.outputs.district" in done.stdout


def test_no_module_imports_another_that_imports_it_back():
    assert circles(_graph(ROOT)) == []


def test_a_planted_circle_is_found(tmp_path):
    inside = "def _later():\n    from carbon_cli.accounting.inventory import Inventory\n\n    return Inventory"
    graph = _graph(_planted(tmp_path, "accounting/factors.py", inside))
    assert ["carbon_cli.accounting.factors", "carbon_cli.accounting.inventory"] in circles(graph)


def test_import_chains_are_at_most_12_modules():
    """Counted over the imports that run (module level and inside functions); the chain that
    imports under TYPE_CHECKING add is reported beside it in the note, not held to 12."""
    chain = longest_chain(_graph(ROOT, exclude_type_checking=True))
    assert len(chain) <= MAX_CHAIN, " -> ".join(chain)
    assert len(longest_chain({"a": {"b"}, "b": {"c"}, "c": set()})) == 3

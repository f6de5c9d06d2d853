"""Interactive latency and reading throughput: what a user waits for, beside its floor.

    python benchmarks/latency.py                  # about 3 minutes on 2 cores
    python benchmarks/latency.py --quick          # 2,000-community table, fewer runs: a smoke test
    python benchmarks/latency.py --workdir /tmp/lat --repeats 5

Measured, each the median of several runs, the variants interleaved within each repetition:
  start-up   `python -c pass`, `carbon --help`, and `carbon assess FILE` / `carbon plan FILE` end to end
             (separate processes, wall clock) on every sample community; the modules each command
             imports and the import time `python -X importtime` attributes to each top-level package
  one form   `read_workbook()` in-process on a sample form workbook, beside openpyxl's bare read-only
             read of the same file
  table      one table workbook of 10,000 communities (generated as benchmarks/run.py does):
             `read_workbook()` (calamine, the default), the same with openpyxl as the xlsx reader,
             openpyxl's bare streaming read (`read_only=True`, `iter_rows(values_only=True)`) and
             calamine's bare read

Results go to stdout as Markdown, progress to stderr. Inputs are reused from --workdir.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks"), str(ROOT / "sample_data")]

import run  # noqa: E402  (benchmarks/run.py: its table generator and openpyxl floor are reused)

SAMPLES = sorted((ROOT / "sample_data" / "communities").glob("*.xlsx"))
FORM = ROOT / "sample_data" / "communities" / "FT-SH-03.xlsx"


def log(text: str) -> None:
    run.log(text)


def wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=run.CHILD_ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def median_of(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


BARE_APP = """
from pathlib import Path
import typer
app = typer.Typer()
@app.command()
def show(path: Path, lang: str = typer.Option("zh")) -> None:
    print(path, lang)
app()
"""


def startup(repeats: int, work: Path) -> dict[str, Any]:
    """Wall time of each command, every sample, interleaved; the floor beside it."""
    bare = work / "bare_typer_app.py"
    bare.write_text(BARE_APP)
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "bare one-command Typer app running its command": [sys.executable, str(bare), str(FORM)],
        "carbon --help": run.carbon("--help"),
    }
    for path in SAMPLES:
        for command in ("assess", "plan"):
            commands[f"carbon {command} {path.name}"] = run.carbon(command, path.relative_to(ROOT))
    for args in commands.values():  # warm the bytecode cache
        wall([str(a) for a in args])
    times: dict[str, list[float]] = {name: [] for name in commands}
    for rep in range(repeats):
        for name, args in commands.items():
            times[name].append(wall([str(a) for a in args]))
        log(f"start-up {rep + 1}/{repeats}")
    medians = {name: statistics.median(runs) for name, runs in times.items()}
    summary = {}
    for command in ("assess", "plan"):
        per_sample = [medians[f"carbon {command} {p.name}"] for p in SAMPLES]
        slowest = max(SAMPLES, key=lambda p: medians[f"carbon {command} {p.name}"])
        summary[command] = {
            "median": statistics.median(per_sample),
            "slowest": max(per_sample),
            "slowest_sample": slowest.stem,
        }
    return {"medians": medians, "summary": summary}


def imports(command: list[str]) -> dict[str, float]:
    """Import time per top-level package (self time, ms) of one command, from -X importtime."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "carbon_cli", *command],
        cwd=ROOT,
        env=run.CHILD_ENV,
        capture_output=True,
        text=True,
        check=False,
    )
    totals: dict[str, float] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        top = name.strip().split(".")[0]
        totals[top] = totals.get(top, 0.0) + int(self_us) / 1000
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def bare_calamine(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    cells = 0
    with CalamineWorkbook.from_path(str(path)) as book:
        for name in book.sheet_names:
            for row in book.get_sheet_by_name(name).iter_rows():
                cells += len(row)
    return cells


def read_with(reader: str, path: Path) -> int:
    from carbon_cli.survey import workbook
    from carbon_cli.survey.reader import read_workbook

    workbook.XLSX_READER = reader
    try:
        return len(read_workbook(path).surveys)
    finally:
        workbook.XLSX_READER = "calamine"


def batch(path: Path, work: Path) -> float:
    """`carbon batch TABLE --jobs 1 --no-pathways --no-reports` as a user first runs it: with
    `--no-cache`, since each repetition reads the same file (a re-run reuses its results)."""
    out = work / "out-table"
    flags = ("--jobs", "1", "--quiet", "--no-pathways", "--no-reports", "--no-cache")
    result = run.run_command(
        run.carbon("batch", path, "-o", run.fresh(out), *flags),
        work / "batch.log",
        ok_codes=(0, 1),
    )
    PEAK_RSS_MB.append(result.peak_rss_mb)
    return result.seconds


PEAK_RSS_MB: list[float] = []


def reading(path: Path, repeats: int, what: str, work: Path | None = None) -> dict[str, Any]:
    variants: dict[str, Callable[[], Any]] = {
        "read_workbook (calamine)": lambda: read_with("calamine", path),
        "read_workbook (openpyxl reader)": lambda: read_with("openpyxl", path),
        "openpyxl bare read (read_only, values_only)": lambda: run.read_every_cell([path]),
        "calamine bare read (iter_rows)": lambda: bare_calamine(path),
    }
    if work is not None:
        variants["`carbon batch` --jobs 1 --no-pathways --no-reports --no-cache (process, wall)"] = lambda: batch(
            path, work
        )
    runs: dict[str, list[float]] = {name: [] for name in variants}
    for rep in range(repeats):
        for name, fn in variants.items():
            runs[name].append(median_of(fn, 1)[0])
        log(f"{what} {rep + 1}/{repeats}")
    return {name: {"median": statistics.median(r), "runs": r} for name, r in runs.items()}


def markdown(results: dict[str, Any], args: argparse.Namespace) -> str:
    out = [
        f"## Latency — {results['date']} (`python benchmarks/latency.py{' --quick' if args.quick else ''}`, "
        f"commit `{results['commit']}`)",
        "",
        "| command | median s |",
        "|---|--:|",
    ]
    medians = results["startup"]["medians"]
    for name in ("python -c pass", "bare one-command Typer app running its command", "carbon --help"):
        out.append(f"| `{name}` | {medians[name]:.3f} |")
    for command, s in results["startup"]["summary"].items():
        out.append(
            f"| `carbon {command} FILE`, {len(SAMPLES)} samples: median of medians | {s['median']:.3f} |"
            f"\n| `carbon {command} FILE`, slowest sample ({s['slowest_sample']}) | {s['slowest']:.3f} |"
        )
    for title, key in (("one form workbook (FT-SH-03)", "form"), (results["table_what"], "table")):
        out += ["", f"| {title} | median s | runs (s) | vs openpyxl bare |", "|---|--:|---|--:|"]
        block = results[key]
        floor = block["openpyxl bare read (read_only, values_only)"]["median"]
        for name, r in block.items():
            runs = ", ".join(f"{x:.3f}" for x in r["runs"])
            out.append(f"| {name} | {r['median']:.3f} | {runs} | {r['median'] / floor:.2f} x |")
    if results.get("batch_peak_rss_mb"):
        out += ["", f"Peak RSS of the table batch (GNU time): {results['batch_peak_rss_mb']:.0f} MB"]
    for command, totals in results["imports"].items():
        top = ", ".join(f"{k} {v:.0f}" for k, v in list(totals.items())[:8])
        out += ["", f"Import self time by package, `carbon {command}` (ms): {top}"]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    communities = 2_000 if args.quick else 10_000
    work = args.workdir or Path(tempfile.mkdtemp(prefix="carbon-latency-"))
    work.mkdir(parents=True, exist_ok=True)
    run.configure_children(work)
    table = work / f"table-{communities}.xlsx"
    if not table.exists():
        log(f"writing a table of {communities} communities")
        rows = run.write_table(table, communities)
    else:
        from python_calamine import CalamineWorkbook

        with CalamineWorkbook.from_path(str(table)) as book:
            rows = book.get_sheet_by_index(0).height - 1
    results: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip(),
        "table_what": f"table of {communities:,} communities ({rows:,} rows)",
    }
    results["startup"] = startup(repeats, work)
    results["imports"] = {
        "assess": imports(["assess", str(FORM)]),
        "plan": imports(["plan", str(FORM)]),
    }
    results["form"] = reading(FORM, max(repeats, 5) * 4, "one form")
    results["table"] = reading(table, 3 if not args.quick else 1, "table", work)
    results["batch_peak_rss_mb"] = statistics.median(PEAK_RSS_MB) if PEAK_RSS_MB else None
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(markdown(results, args))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())

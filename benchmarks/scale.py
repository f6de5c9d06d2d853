"""Province-scale batches: time and peak memory of `carbon batch` on one table workbook of 10,000
and 100,000 communities, beside openpyxl merely streaming the same file, in the same run.

    python benchmarks/scale.py                          # 10,000 and 100,000 communities
    python benchmarks/scale.py --sizes 10000 --workdir /tmp/carbon-scale
    python benchmarks/scale.py --rerun 150              # also: 150 forms, one changed, re-run with the cache
    python benchmarks/scale.py --sizes 100000 --cache-only --rerun 150

Tables are generated as benchmarks/run.py generates its 10,000-community table (the sample
communities cycled, each with its own ID and size, with baseline-year rows: ~1.46 rows per
community, 69 columns) and kept in --workdir for the next run. Every command runs in a child
process; for each, the wall time and two peaks of resident memory are recorded:
- "peak RSS" is GNU time's %M: the largest single process (the main one, or a worker);
- "peak RSS, all processes" samples the RSS of the process and all its children every 50 ms and
  keeps the largest sum: what `--jobs 2` costs in memory altogether.
The floor is openpyxl alone in its own child process: `load_workbook(read_only=True,
data_only=True)` and `iter_rows(values_only=True)` over every row, nothing kept.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run as bench  # noqa: E402 - the shared generator and command runner of benchmarks/run.py

OPENPYXL_READ = """
import sys, warnings
from openpyxl import load_workbook
warnings.simplefilter("ignore")
book = load_workbook(sys.argv[1], read_only=True, data_only=True)
cells = 0
for sheet in book.worksheets:
    for row in sheet.iter_rows(values_only=True):
        cells += len(row)
print(cells)
"""


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def _tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def measure(args: list[str], log: Path) -> dict[str, float]:
    """Wall time, GNU time's peak RSS, and the largest sampled sum of RSS over the process tree."""
    rss_file = log.with_suffix(".rss")
    command = [bench.GNU_TIME, "-f", "%M", "-o", str(rss_file), *args] if bench.GNU_TIME else args
    peak_sum = 0
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=bench.ROOT, env=bench.CHILD_ENV or None, stdout=out, stderr=subprocess.STDOUT
        )
        done = threading.Event()

        def sample() -> None:
            nonlocal peak_sum
            while not done.is_set():
                peak_sum = max(peak_sum, sum(_rss_kib(p) for p in _tree(proc.pid)[1 if bench.GNU_TIME else 0 :]))
                done.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    if code != 0:
        raise RuntimeError(f"{' '.join(args)} exited {code}:\n{log.read_text(errors='replace')[-2000:]}")
    peak = int(rss_file.read_text().split()[-1]) / 1024 if bench.GNU_TIME else float("nan")
    return {"seconds": seconds, "peak_rss_mb": peak, "peak_rss_all_mb": peak_sum / 1024}


def table(work: Path, communities: int) -> Path:
    path = work / f"table-{communities}.xlsx"
    if not path.exists():
        bench.log(f"writing a table of {communities} communities …")
        rows = bench.write_table(path, communities)
        bench.log(f"  {rows} rows, {path.stat().st_size / 1e6:.1f} MB")
    return path


def check(outdir: Path, expected: int) -> None:
    data = json.loads((outdir / "results.json").read_text(encoding="utf-8"))
    if data["communities"] != expected or data["failures"]:
        raise RuntimeError(f"{outdir}: {data['communities']} of {expected} assessed, {len(data['failures'])} failures")


VARIANTS = (
    ("`carbon batch --jobs 1 --no-pathways --no-reports --no-cache`", ["--jobs", "1", "--no-cache"]),
    ("`carbon batch --jobs 2 --no-pathways --no-reports --no-cache`", ["--jobs", "2", "--no-cache"]),
    ("`carbon batch --jobs 1 --no-pathways --no-reports`, cache on, empty", ["--jobs", "1"]),
    ("the same again: cache on, table unchanged", ["--jobs", "1"]),
)


def scale(work: Path, communities: int, cache_only: bool = False) -> list[tuple[str, dict[str, float]]]:
    path = table(work, communities)
    out = work / f"out-{communities}"
    rows: list[tuple[str, dict[str, float]]] = []
    if not cache_only:
        openpyxl = measure([sys.executable, "-c", OPENPYXL_READ, str(path)], work / "openpyxl.log")
        rows.append(("openpyxl alone streams every row", openpyxl))
        bench.log(f"{communities}: openpyxl {openpyxl['seconds']:.1f} s")
    cache = work / f"cache-{communities}"
    shutil.rmtree(cache, ignore_errors=True)
    bench.CHILD_ENV["CARBON_CACHE_DIR"] = str(cache)
    for label, extra in VARIANTS[2:] if cache_only else VARIANTS:
        shutil.rmtree(out, ignore_errors=True)
        args = [*bench.carbon("batch", path, "-o", out, "--quiet", "--no-pathways", "--no-reports"), *extra]
        rows.append((label, measure([str(a) for a in args], work / "batch.log")))
        check(out, communities)
        bench.log(f"{communities}: {label} {rows[-1][1]['seconds']:.1f} s, {rows[-1][1]['peak_rss_mb']:.0f} MB")
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)
    del bench.CHILD_ENV["CARBON_CACHE_DIR"]
    return rows


def rerun(work: Path, count: int) -> list[tuple[str, dict[str, float]]]:
    """`count` form workbooks with defaults (pathways, reports, cache): cold, then one changed."""
    from openpyxl import load_workbook

    forms = work / f"forms-{count}"
    if not forms.exists():
        bench.log(f"writing {count} form workbooks …")
        bench.write_forms(forms, count, 2)
    cache = work / "cache-rerun"
    shutil.rmtree(cache, ignore_errors=True)
    bench.CHILD_ENV["CARBON_CACHE_DIR"] = str(cache)
    out = work / "out-rerun"
    shutil.rmtree(out, ignore_errors=True)
    args = [str(a) for a in bench.carbon("batch", forms, "-o", out, "--quiet")]
    rows = [(f"{count} forms, defaults, cold cache", measure(args, work / "rerun.log"))]
    first = sorted(forms.glob("*.xlsx"))[0]
    book = load_workbook(first)
    for row in book["能源"].iter_rows(min_row=3):
        if row[0].value == "elec_public_area_kwh":
            row[5].value = (row[5].value or 0) + 1000
    book.save(first)
    rows.append((f"{count} forms, defaults, one workbook changed", measure(args, work / "rerun.log")))
    del bench.CHILD_ENV["CARBON_CACHE_DIR"]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000", help="communities per table, comma-separated")
    parser.add_argument("--rerun", type=int, default=0, help="also time a re-run of N forms after one changed")
    parser.add_argument("--cache-only", action="store_true", help="only the two runs with the cache on")
    parser.add_argument("--workdir", type=Path, help="keep inputs here and reuse them (default: a temporary folder)")
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="carbon-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    bench.configure_children(work)
    print(f"Machine: {json.dumps(bench.machine())}\nCode: {bench.git_state()}\n")
    print("| input | command | s | peak RSS (MB) | peak RSS, all processes (MB) | s / community |")
    print("|---|---|--:|--:|--:|--:|")
    for size in (int(s) for s in args.sizes.split(",") if s):
        for label, m in scale(work, size, args.cache_only):
            per = m["seconds"] / size * 1000
            print(
                f"| {size:,} communities | {label} | {m['seconds']:.1f} | {m['peak_rss_mb']:.0f} "
                f"| {m['peak_rss_all_mb']:.0f} | {per:.2f} ms |",
                flush=True,
            )
    if args.rerun:
        for label, m in rerun(work, args.rerun):
            print(
                f"| {label} | `carbon batch` | {m['seconds']:.1f} | {m['peak_rss_mb']:.0f} "
                f"| {m['peak_rss_all_mb']:.0f} | |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

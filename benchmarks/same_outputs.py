"""Same outputs before and after a change that should change nothing (a refactor, a new layout):
runs `carbon batch` on the sample district in every report format and on a generated table of
2,000 communities, and writes a digest of every output file; `--against` compares with a digest
written before the change and lists every file that differs, appeared or went missing.

    python benchmarks/same_outputs.py -o /tmp/before.json            # on the old code
    python benchmarks/same_outputs.py --against /tmp/before.json      # on the new code: exit 1 on any difference

Each batch runs in a child process as a user runs it (`python -m carbon_cli`), with `--no-cache`
(the cache's own files are not outputs), `--jobs 1` and a fixed `--as-of`, so only the code can
make a difference.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import run as bench  # noqa: E402  (benchmarks/run.py: the generated table)

AS_OF = "2026-11-30"
RUNS = {
    "sample-all-formats": lambda work: [str(ROOT / "sample_data"), "--report-format", "md,html,docx"],
    "sample-budget": lambda work: [str(ROOT / "sample_data"), "--budget", "300万", "--lang", "en"],
    "table-2000": lambda work: [str(_table(work)), "--report-format", "md"],
}


def _table(work: Path) -> Path:
    path = work / "table-2000.xlsx"
    if not path.exists():
        bench.write_table(path, 2000)
    return path


def digests(work: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, args in RUNS.items():
        out = work / name
        cmd = [sys.executable, "-m", "carbon_cli", "batch", *args(work), "-o", str(out)]
        cmd += ["-q", "--jobs", "1", "--no-cache", "--as-of", AS_OF, "--force"]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if done.returncode not in (0, 1):  # 1: the samples hold files a batch lists as failures
            raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-3000:]}")
        for path in sorted(out.rglob("*")):
            if path.is_file():
                found[f"{name}/{path.relative_to(out).as_posix()}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-o", "--output", type=Path, help="write the digests here")
    parser.add_argument("--against", type=Path, help="compare with digests written before the change")
    parser.add_argument("--workdir", type=Path, help="keep the generated table here (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        now = digests(work)
    if args.output:
        args.output.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.against is None:
        print(f"{len(now)} files")
        return 0
    before = json.loads(args.against.read_text(encoding="utf-8"))
    differ = sorted(k for k in before.keys() & now.keys() if before[k] != now[k])
    gone, new = sorted(before.keys() - now.keys()), sorted(now.keys() - before.keys())
    for label, names in (("differs", differ), ("missing", gone), ("new", new)):
        for n in names:
            print(f"{label}: {n}")
    print(f"{len(now)} files compared: {len(differ)} differ, {len(gone)} missing, {len(new)} new")
    return 1 if differ or gone or new else 0


if __name__ == "__main__":
    raise SystemExit(main())

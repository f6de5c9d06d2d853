"""Reproducible performance benchmarks for carbon-cli, with targets.

    python benchmarks/run.py                 # full run: about 15 minutes on 2 cores (see README.md)
    python benchmarks/run.py --quick         # small inputs, one run each: a smoke test
    python benchmarks/run.py --json out.json --workdir /tmp/carbon-bench --profile

Inputs are generated deterministically from the sample communities of sample_data/make_samples.py
into a temporary folder (or --workdir, where they are reused while the generator is unchanged).
Every measurement is the median of several runs, and every ratio compares runs of the same
invocation, interleaved so that drift in machine speed affects both sides alike. The CLI is run
as `python -m carbon_cli` (what the `carbon` script calls) with this checkout on PYTHONPATH.

Sections:
  batch     the batch users run: `carbon batch DIR -o OUT --jobs 1` with its defaults (pathways and
            reports on) on 150 form workbooks, beside openpyxl alone reading the same files
  forms     1,000 form workbooks: openpyxl alone vs `carbon batch --no-pathways` (reports on/off,
            --jobs 1/2)
  table     one table workbook of 10,000 communities: openpyxl alone vs `carbon batch`, peak RSS,
            and `carbon validate --format json`
  pathways  the pathway search in-process, both targets, for every sample and 200 generated
            communities; `carbon plan FILE` and `carbon assess FILE` end to end on every sample
  startup   `carbon --help` and `carbon assess` vs a bare Typer app; modules only carbon imports
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import hashlib
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_data"
sys.path[:0] = [str(ROOT), str(SAMPLES)]  # run from a checkout without installing the package

SECTIONS = ("batch", "forms", "table", "pathways", "startup")
LIBRARIES = ("openpyxl", "typer", "click", "rich", "jinja2", "defusedxml")
# Dimensions that scale with a community's size; varied together so cross-field checks still hold.
EXTENSIVE = frozenset(("area", "count", "mass", "energy", "persons", "households"))
EXTENSIVE |= {"water_volume", "liquid_volume", "gas_volume", "power", "distance"}
# GNU time measures a command's peak RSS cleanly (see run_command); BSD time has no -f.
GNU_TIME: str | None = "/usr/bin/time" if sys.platform == "linux" and os.access("/usr/bin/time", os.X_OK) else None
# Inputs that shape the generated files: a change to any of them regenerates a reused --workdir.
GENERATOR_INPUTS = (
    Path(__file__),
    SAMPLES / "make_samples.py",
    ROOT / "carbon_cli/survey/template.py",
    ROOT / "carbon_cli/data/fields.toml",
)


@dataclass(frozen=True)
class Sizes:
    forms: int
    table_communities: int
    batch_forms: int  # the default batch
    generated: int  # generated communities for the pathway search
    repeats: int
    startup_repeats: int
    profile_forms: int


FULL = Sizes(
    forms=1000,
    table_communities=10_000,
    batch_forms=150,
    generated=200,
    repeats=3,
    startup_repeats=7,
    profile_forms=200,
)
QUICK = Sizes(
    forms=60, table_communities=500, batch_forms=26, generated=20, repeats=1, startup_repeats=3, profile_forms=60
)


@dataclass
class Measurement:
    key: str
    label: str
    runs_s: list[float] = field(default_factory=list)
    items: int | None = None
    unit: str = ""  # what `items` counts: workbooks, communities
    peak_rss_mb: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)  # user + system CPU time of each run

    def add(self, run: Run) -> None:
        self.runs_s.append(run.seconds)
        self.peak_rss_mb.append(run.peak_rss_mb)
        self.cpu_s.append(run.cpu_seconds)

    @property
    def median_cpu_s(self) -> float | None:
        return statistics.median(self.cpu_s) if self.cpu_s else None

    @property
    def median_s(self) -> float:
        return statistics.median(self.runs_s)

    @property
    def rate(self) -> float | None:
        return self.items / self.median_s if self.items else None

    @property
    def median_rss_mb(self) -> float | None:
        return statistics.median(self.peak_rss_mb) if self.peak_rss_mb else None

    def to_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "median_s": self.median_s,
            "rate_per_s": self.rate,
            "median_peak_rss_mb": self.median_rss_mb,
            "median_cpu_s": self.median_cpu_s,
        }


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: float
    unit: str

    @property
    def met(self) -> bool:
        return self.value <= self.limit


@dataclass
class Report:
    measurements: dict[str, Measurement] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    ratios: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extra_tables: list[str] = field(default_factory=list)  # Markdown blocks
    extra: dict[str, Any] = field(default_factory=dict)

    def measure(self, key: str, label: str, items: int | None = None, unit: str = "") -> Measurement:
        return self.measurements.setdefault(key, Measurement(key, label, items=items, unit=unit))


# --- running things -------------------------------------------------------------------------------


def log(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


CHILD_ENV: dict[str, str] = {}


def configure_children(work: Path) -> None:
    """Children import this checkout, with bytecode cached as an installed package has it: in a
    folder of the workdir (PYTHONPYCACHEPREFIX), so nothing is written beside the sources, and
    even where PYTHONDONTWRITEBYTECODE is set, which would make every start compile carbon_cli."""
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    env["CARBON_CACHE_DIR"] = str(work / "carbon-cache")  # `carbon batch` caches by default
    CHILD_ENV.clear()
    CHILD_ENV.update(env)


def cold(folder: Path) -> Path:
    """`folder`, emptied, and `carbon batch`'s cache emptied too: the next batch starts cold."""
    shutil.rmtree(CHILD_ENV.get("CARBON_CACHE_DIR", ""), ignore_errors=True)
    return fresh(folder)


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    output: Path
    cpu_seconds: float = 0.0  # user + system, the command and the processes it waited for


def run_command(args: Sequence[str | Path], output: Path, ok_codes: tuple[int, ...] = (0,)) -> Run:
    """Run a command to completion: wall time, and the peak RSS of it and its worker processes.
    stdout and stderr go to `output`.

    Linux keeps the high-water RSS of the image a child had before exec: a child forked from
    this (large) process would report at least this process's RSS. GNU time forks from a tiny
    process, so its %M is the command's own peak; without it, wait4's ru_maxrss is an upper bound.
    """
    rss_file = output.with_name(output.name + ".rss")
    command = [str(a) for a in args]
    if GNU_TIME:
        command = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *command]
    with output.open("wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=CHILD_ENV or None, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = code = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if code not in ok_codes:
        tail = output.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(map(str, args))} exited {code}:\n{tail}")
    peak_kib = usage.ru_maxrss  # KiB on Linux
    if GNU_TIME:
        peak_kib = int(rss_file.read_text().split()[-1])
    return Run(seconds, peak_kib / 1024, code, output, usage.ru_utime + usage.ru_stime)


def carbon(*args: str | Path) -> list[str | Path]:
    return [sys.executable, "-m", "carbon_cli", *args]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def cpu_timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process, value)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - start, time.process_time() - cpu, value


# --- inputs -----------------------------------------------------------------------------------------


def form_id(i: int) -> str:
    return f"BM-{i:04d}"


def _write_forms(indexes: list[int], folder: str) -> None:
    import make_samples

    for i in indexes:
        community = make_samples.COMMUNITIES[(i - 1) % len(make_samples.COMMUNITIES)]
        # The sample community's own values (messy ones stay messy) under a new, unique ID.
        book = make_samples.community_workbook({**community, "id": form_id(i)})
        book.save(Path(folder) / f"{form_id(i)}.xlsx")


def write_forms(folder: Path, count: int, jobs: int) -> None:
    """`count` form workbooks, written in `jobs` processes; the folder appears only when complete."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    indexes = list(range(1, count + 1))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_write_forms, [indexes[j::jobs] for j in range(jobs)], [str(partial)] * jobs))
    partial.rename(folder)


def _varied(values: dict[str, Any], factor: float) -> dict[str, Any]:
    """Every size-like quantity times `factor`: rounding is monotonic, so `a <= b` checks
    between fields still hold, and per-resident ratios barely move."""
    from carbon_cli.survey.fields import dictionary

    fields = dictionary()
    out = {}
    for key, value in values.items():
        spec = fields.get(key)
        scalable = isinstance(value, int | float) and not isinstance(value, bool)
        if spec is not None and spec.dimension in EXTENSIVE and scalable:
            value = round(value * factor) if isinstance(value, int) else round(value * factor, 3)
        out[key] = value
    return out


def table_rows(communities: int) -> Iterator[dict[str, Any]]:
    """`communities` communities cycling through the samples, each with its own ID, name and
    size (0.90-1.10 times the sample's), with the sample's baseline-year row where it has one."""
    import make_samples

    by_community: dict[str, list[dict[str, Any]]] = {}
    for row in make_samples.table_rows():
        by_community.setdefault(row["community_id"], []).append(row)
    samples = list(by_community.values())
    for k in range(communities):
        factor = 1 + ((k * 37) % 21 - 10) / 100
        for row in samples[k % len(samples)]:
            varied = _varied(row, factor)
            varied["community_id"] = f"BM-T{k + 1:05d}"
            varied["community_name"] = f"{row['community_name']}{k + 1}"
            yield varied


def write_table(path: Path, communities: int) -> int:
    """The table layout as `carbon template --layout table` writes it, streamed (write-only)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from carbon_cli.survey.template import TABLE_IDENTITY, WORDS, table_columns, table_header

    lang = "zh"
    words = WORDS[lang]
    headers = [(spec.key, table_header(spec, lang)) for spec in table_columns()]
    headers.insert(len(TABLE_IDENTITY), ("year", words["year"]))
    partial = path.with_name(path.name + ".partial")
    book = Workbook(write_only=True)
    sheet = book.create_sheet(words["table_sheet"])
    sheet.append([text for _, text in headers])
    rows = 0
    for row in table_rows(communities):
        cells = [row.get(key) for key, _ in headers]
        sheet.append([words["yes" if v else "no"] if isinstance(v, bool) else v for v in cells])
        rows += 1
    book.save(partial)
    add_dimension(partial, f"A1:{get_column_letter(len(headers))}{rows + 1}")
    partial.replace(path)
    return rows


def add_dimension(path: Path, ref: str) -> None:
    """Give the sheet the <dimension> element Excel and WPS always write and write-only openpyxl
    leaves out. Without it openpyxl's read-only mode parses the whole sheet once more just to
    look for it, which would make openpyxl alone look slower than it is on real files."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename.startswith("xl/worksheets/sheet") and b"<dimension" not in data[:4096]:
                data = data.replace(b"</sheetPr>", f'</sheetPr><dimension ref="{ref}" />'.encode(), 1)
            target.writestr(info, data)


def subset(paths: list[Path], count: int, folder: Path) -> Path:
    """A folder holding the first `count` of `paths` (hard links where the file system allows)."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    for path in paths[:count]:
        try:
            os.link(path, folder / path.name)
        except OSError:
            shutil.copyfile(path, folder / path.name)
    return folder


def generator_digest(sizes: Sizes) -> str:
    digest = hashlib.sha256(f"{sizes.forms} {sizes.table_communities}".encode())
    for path in GENERATOR_INPUTS:
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Inputs:
    forms: list[Path]
    batch_folder: Path
    table: Path
    table_rows: int
    bare_app: Path
    modules_probe: Path


def prepare_inputs(workdir: Path, sizes: Sizes, sections: set[str]) -> Inputs:
    stamp = workdir / "inputs.json"
    digest = generator_digest(sizes)
    try:
        previous = json.loads(stamp.read_text())
    except (OSError, ValueError):
        previous = {}
    forms_dir, table = workdir / "forms", workdir / "table.xlsx"
    reuse = previous.get("digest") == digest
    if not reuse:
        stamp.unlink(missing_ok=True)
        shutil.rmtree(forms_dir, ignore_errors=True)
        table.unlink(missing_ok=True)
    jobs = os.cpu_count() or 1
    if sections & {"forms", "batch"} and not forms_dir.is_dir():
        seconds, _ = timed(lambda: write_forms(forms_dir, sizes.forms, jobs))
        log(f"wrote {sizes.forms} form workbooks in {seconds:.1f} s")
    forms = sorted(forms_dir.glob("*.xlsx"))
    rows = previous.get("table_rows", 0)
    if "table" in sections and not table.is_file():
        seconds, rows = timed(lambda: write_table(table, sizes.table_communities))
        log(f"wrote {table.name}: {sizes.table_communities} communities, {rows} rows in {seconds:.1f} s")
    stamp.write_text(json.dumps({"digest": digest, "table_rows": rows}))

    batch_folder = subset(forms, sizes.batch_forms, workdir / "forms-batch")  # every sample, cycled

    bare_app = workdir / "bare_typer_app.py"
    bare_app.write_text(BARE_APP)
    probe = workdir / "modules_probe.py"
    probe.write_text(MODULES_PROBE)
    return Inputs(forms, batch_folder, table, rows, bare_app, probe)


BARE_APP = '''"""A one-command Typer app: the start-up floor any Typer CLI pays."""

import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str = typer.Option("world", help="Who to greet.")) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


if __name__ == "__main__":
    app()
'''

MODULES_PROBE = '''"""Run a script or module like `python X args`, then record every module it imported."""

import json
import runpy
import sys

out, target, *args = sys.argv[1:]
sys.argv = [target, *args]
try:
    if target.endswith(".py"):
        runpy.run_path(target, run_name="__main__")
    else:
        runpy.run_module(target, run_name="__main__", alter_sys=True)
except SystemExit:
    pass
finally:
    with open(out, "w") as f:
        json.dump(sorted(sys.modules), f)
'''


# --- measurements ---------------------------------------------------------------------------------


def read_every_cell(paths: Sequence[Path]) -> int:
    """openpyxl alone, as the reader opens a workbook: read-only, cached values, every sheet."""
    import warnings

    from openpyxl import load_workbook

    cells = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in paths:
            book = load_workbook(path, read_only=True, data_only=True)
            for sheet in book.worksheets:
                for row in sheet.iter_rows(values_only=True):
                    cells += len(row)
            book.close()
    return cells


def fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def batch_outcome(outdir: Path) -> tuple[int, int]:
    data = json.loads((outdir / "results.json").read_text(encoding="utf-8"))
    return data["communities"], len(data["failures"])


def check_batch(outdir: Path, expected: int, report: Report, what: str) -> None:
    communities, failures = batch_outcome(outdir)
    if communities != expected or failures:
        report.notes.append(f"{what}: {communities} communities assessed of {expected}, {failures} failure(s)")
        log(f"warning: {report.notes[-1]}")


def bench_forms(inputs: Inputs, sizes: Sizes, work: Path, report: Report) -> None:
    forms, n = inputs.forms, len(inputs.forms)
    folder = inputs.forms[0].parent
    out = work / "out-forms"
    openpyxl = report.measure(
        "forms.openpyxl", f"1a openpyxl alone reads every cell of {n} form workbooks", n, "workbooks"
    )
    variants = {
        "forms.batch": ("1b `carbon batch` --jobs 1 --no-pathways (reports on)", ["--jobs", "1"]),
        "forms.batch_no_reports": (
            "1b `carbon batch` --jobs 1 --no-pathways --no-reports",
            ["--jobs", "1", "--no-reports"],
        ),
        "forms.batch_jobs2": ("1c `carbon batch` --jobs 2 --no-pathways (reports on)", ["--jobs", "2"]),
        "forms.batch_all_formats": (
            "1d `carbon batch` --jobs 1 --no-pathways --report-format md,html,docx",
            ["--jobs", "1", "--report-format", "md,html,docx"],
        ),
    }
    for rep in range(sizes.repeats):
        seconds, cells = timed(lambda: read_every_cell(forms))
        openpyxl.runs_s.append(seconds)
        report.extra["forms_cells"] = cells
        log(f"forms {rep + 1}/{sizes.repeats}: openpyxl {seconds:.1f} s ({cells} cells)")
        for key, (label, extra) in variants.items():
            run = run_command(
                carbon("batch", folder, "-o", cold(out), "--quiet", "--no-pathways", *extra), work / "forms.log"
            )
            m = report.measure(key, label, n, "workbooks")
            m.add(run)
            if rep == 0:
                check_batch(out, n, report, key)
            log(f"forms {rep + 1}/{sizes.repeats}: {key} {run.seconds:.1f} s")
    base = openpyxl.median_s
    for key in ("forms.batch", "forms.batch_no_reports", "forms.batch_jobs2", "forms.batch_all_formats"):
        report.ratios[f"{key} / forms.openpyxl"] = report.measurements[key].median_s / base
    speedup = report.measurements["forms.batch"].median_s / report.measurements["forms.batch_jobs2"].median_s
    report.ratios["forms: speed-up of --jobs 2 over --jobs 1"] = speedup
    report.targets += [
        Target("forms: batch (reports on) / openpyxl", report.ratios["forms.batch / forms.openpyxl"], 1.5, "x"),
        Target(
            "forms: batch --no-reports / openpyxl", report.ratios["forms.batch_no_reports / forms.openpyxl"], 1.5, "x"
        ),
    ]


def bench_table(inputs: Inputs, sizes: Sizes, work: Path, report: Report) -> None:
    communities = sizes.table_communities
    what = f"table of {communities} communities ({inputs.table_rows} rows)"
    openpyxl = report.measure("table.openpyxl", f"2a openpyxl alone streams the {what}", communities, "communities")
    batch = report.measure(
        "table.batch", "2b `carbon batch` --jobs 1 --no-pathways --no-reports", communities, "communities"
    )
    validate = report.measure("table.validate", "2c `carbon validate --format json`", communities, "communities")
    out = work / "out-table"
    for rep in range(sizes.repeats):
        seconds, cells = timed(lambda: read_every_cell([inputs.table]))
        openpyxl.runs_s.append(seconds)
        report.extra["table_cells"] = cells
        run = run_command(
            carbon("batch", inputs.table, "-o", cold(out), "--jobs", "1", "--quiet", "--no-pathways", "--no-reports"),
            work / "table.log",
        )
        batch.add(run)
        if rep == 0:
            check_batch(out, communities, report, "table.batch")
        run = run_command(carbon("validate", inputs.table, "--format", "json"), work / "validate.json", ok_codes=(0, 1))
        validate.add(run)
        if rep == 0:
            result = json.loads(run.output.read_text(encoding="utf-8"))
            report.extra["table_validate"] = {"errors": result["errors"], "warnings": result["warnings"]}
        log(
            f"table {rep + 1}/{sizes.repeats}: openpyxl {openpyxl.runs_s[-1]:.1f} s, batch {batch.runs_s[-1]:.1f} s, "
            f"validate {validate.runs_s[-1]:.1f} s"
        )
    report.ratios["table.batch / table.openpyxl"] = batch.median_s / openpyxl.median_s
    report.ratios["table.validate / table.openpyxl"] = validate.median_s / openpyxl.median_s
    report.targets += [
        Target("table: batch / openpyxl", report.ratios["table.batch / table.openpyxl"], 1.5, "x"),
        Target("table: batch peak RSS", batch.median_rss_mb or 0.0, 500, "MB"),
    ]


def bench_batch(inputs: Inputs, sizes: Sizes, work: Path, report: Report) -> None:
    """The batch as users run it (defaults: pathways and reports on), beside its floor."""
    paths = sorted(inputs.batch_folder.glob("*.xlsx"))
    n = len(paths)
    label = f"0a openpyxl alone reads every cell of {n} form workbooks (in-process)"
    openpyxl = report.measure("batch.openpyxl", label, n, "workbooks")
    label = f"0b `carbon batch DIR -o OUT --jobs 1` of the same {n}, cold (defaults: pathways, reports, cache on)"
    batch = report.measure("batch.default", label, n, "workbooks")
    label = "0c the same again: a re-run with the cache the cold run left (nothing changed)"
    warm = report.measure("batch.warm", label, n, "workbooks")
    out = work / "out-batch"
    for rep in range(sizes.repeats):
        seconds, cpu, _ = cpu_timed(lambda: read_every_cell(paths))
        openpyxl.runs_s.append(seconds)
        openpyxl.cpu_s.append(cpu)
        batch.add(
            run_command(carbon("batch", inputs.batch_folder, "-o", cold(out), "--jobs", "1", "--quiet"), work / "b.log")
        )
        if rep == 0:
            check_batch(out, n, report, "batch.default")
        warm.add(
            run_command(
                carbon("batch", inputs.batch_folder, "-o", fresh(out), "--jobs", "1", "--quiet"), work / "b.log"
            )
        )
        log(
            f"batch {rep + 1}/{sizes.repeats}: openpyxl {seconds:.1f} s, carbon batch {batch.runs_s[-1]:.1f} s cold, "
            f"{warm.runs_s[-1]:.1f} s warm"
        )
    wall = report.ratios["batch.default / batch.openpyxl (wall)"] = batch.median_s / openpyxl.median_s
    cpu_ratio = batch.median_cpu_s / openpyxl.median_cpu_s  # type: ignore[operator]
    report.ratios["batch.default / batch.openpyxl (CPU)"] = cpu_ratio
    report.targets += [
        Target("batch: default batch / openpyxl, wall", wall, 1.5, "x"),
        Target("batch: default batch / openpyxl, CPU", cpu_ratio, 1.5, "x"),
        Target("batch: moonshot, default batch / openpyxl, CPU", cpu_ratio, 1.0, "x"),
    ]


def generated_surveys(count: int) -> list[Any]:
    """`count` communities made from the samples: every number times 0.5-1.5 and each yes/no
    answer flipped with probability 0.3 (seeded), so that their pathways differ widely."""
    import random

    from carbon_cli.survey.reader import read_survey

    samples = [read_survey(p) for p in sorted((SAMPLES / "communities").glob("*.xlsx"))]
    surveys = []
    for k in range(count):
        rnd = random.Random(k)
        survey = samples[k % len(samples)]
        changes: dict[str, Any] = {}
        for key, value in survey.assessment.items():
            if isinstance(value, bool):
                if rnd.random() < 0.3:
                    changes[key] = not value
            elif isinstance(value, int | float) and key not in ("assessment_year", "baseline_year"):
                factor = rnd.uniform(0.5, 1.5)
                changes[key] = value * factor if isinstance(value, float) else round(value * factor)
        surveys.append(survey.with_values({**changes, "community_id": f"GEN-{k:03d}"}, origin="generated"))
    return [*samples, *surveys]


def pathway_times(count: int, repeats: int) -> dict[str, list[tuple[str, float, float, str, str]]]:
    """For each way of planning (the default: the life-cycle cost objective, pathways priced; the
    upfront objective; and the effort objective, `with_pathways`): (community, median wall s,
    median CPU s, status to 通过, to 优秀) for every sample and `count`
    generated communities, in-process, both targets."""
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.planning.pathway import load_measures, with_pathways
    from carbon_cli.planning.pricing import load_planning, planned
    from carbon_cli.scoring.assessment import assess
    from carbon_cli.scoring.criteria_files import load_criteria

    criteria, factors, library, planning = (
        load_criteria(None),
        load_factor_set(None),
        load_measures(None),
        load_planning(),
    )
    upfront = load_planning(objective="upfront")
    ways = {
        "default: life-cycle cost objective, priced (`planned`)": lambda a: planned(a, planning),
        "upfront objective, priced (`planned --objective upfront`)": lambda a: planned(a, upfront),
        "effort objective (`with_pathways`)": lambda a: with_pathways(a, library),
    }
    rows: dict[str, list[tuple[str, float, float, str, str]]] = {name: [] for name in ways}
    for survey in generated_surveys(count):
        assessment = assess(survey, factors, criteria)
        for name, plan in ways.items():
            walls, cpus = [], []
            for _ in range(repeats):
                wall, cpu, result = cpu_timed(lambda a=assessment, plan=plan: plan(a))
                walls.append(wall)
                cpus.append(cpu)
            statuses = [result.pathways[t].status for t in ("pass", "excellent")]
            rows[name].append((survey.community_id, statistics.median(walls), statistics.median(cpus), *statuses))
    return rows


def bench_pathways(inputs: Inputs, sizes: Sizes, work: Path, report: Report) -> None:
    repeats = max(3, sizes.repeats)
    for way, rows in pathway_times(sizes.generated, repeats).items():
        short = way.split(":")[0].split(" (")[0]
        report.extra[f"pathway_search {short}"] = [
            {"community": c, "wall_s": w, "cpu_s": u, "pass": p, "excellent": e} for c, w, u, p, e in rows
        ]
        statuses: dict[str, int] = {}
        for *_, p, e in rows:
            statuses[f"通过 {p}"] = statuses.get(f"通过 {p}", 0) + 1
            statuses[f"优秀 {e}"] = statuses.get(f"优秀 {e}", 0) + 1
        for name, column in (("wall", 1), ("CPU", 2)):
            slowest = max(rows, key=lambda r: r[column])
            median = statistics.median(r[column] for r in rows)
            report.targets += [
                Target(f"pathways ({short}): median over {len(rows)} communities, {name}", 1000 * median, 10, "ms"),
                Target(f"pathways ({short}): slowest ({slowest[0]}), {name}", 1000 * slowest[column], 100, "ms"),
            ]
        walls, cpus = [r[1] for r in rows], [r[2] for r in rows]
        lines = ["| pathways to both targets, in-process | wall ms | CPU ms |", "|---|--:|--:|"]
        lines += [
            f"| median | {1000 * statistics.median(walls):.1f} | {1000 * statistics.median(cpus):.1f} |",
            f"| 90th percentile | {1000 * statistics.quantiles(walls, n=10)[-1]:.1f} | "
            f"{1000 * statistics.quantiles(cpus, n=10)[-1]:.1f} |",
            f"| slowest | {1000 * max(walls):.1f} | {1000 * max(cpus):.1f} |",
        ]
        lines += [
            f"| sample {c} | {1000 * w:.1f} | {1000 * u:.1f} |" for c, w, u, *_ in rows if not c.startswith("GEN-")
        ]
        outcome = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        report.extra_tables.append(
            f"Pathways, {way}; median of {repeats} per community, over {len(rows)} communities, the samples and "
            f"{sizes.generated} generated ({outcome}):\n\n" + "\n".join(lines)
        )

    samples = sorted((SAMPLES / "communities").glob("*.xlsx"))
    for command, limits in (("plan", (0.6, 1.2)), ("assess", (0.5, None))):
        m = report.measure(f"pathways.{command}", f"5 `carbon {command} FILE`, each of the {len(samples)} samples")
        run_command(carbon(command, samples[0]), work / "cli.log")  # warm the caches
        for _ in range(sizes.repeats):
            for path in samples:
                m.add(run_command(carbon(command, path.relative_to(ROOT)), work / "cli.log"))
        report.targets.append(Target(f"pathways: `carbon {command} FILE` median, wall", m.median_s, limits[0], "s"))
        report.targets.append(
            Target(f"pathways: `carbon {command} FILE` median, CPU", m.median_cpu_s or 0.0, limits[0], "s")
        )
        if limits[1] is not None:
            report.targets.append(
                Target(f"pathways: `carbon {command} FILE` slowest, wall", max(m.runs_s), limits[1], "s")
            )


def imported_modules(inputs: Inputs, work: Path, target: str, *args: str) -> set[str]:
    out = work / "modules.json"
    run_command([sys.executable, inputs.modules_probe, out, target, *args], work / "modules.log")
    return set(json.loads(out.read_text()))


def import_times(work: Path) -> dict[str, float]:
    """Self import time per top-level package for `carbon --help` (python -X importtime), in ms."""
    run = run_command([sys.executable, "-X", "importtime", "-m", "carbon_cli", "--help"], work / "importtime.log")
    totals: dict[str, float] = {}
    for line in run.output.read_text(errors="replace").splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        top = name.strip().split(".")[0]
        totals[top] = totals.get(top, 0.0) + int(self_us) / 1000
    return totals


def bench_startup(inputs: Inputs, sizes: Sizes, work: Path, report: Report) -> None:
    sample = SAMPLES / "communities" / "FT-SH-03.xlsx"
    commands = {
        "startup.python": ("4 `python -c pass` (interpreter alone)", [sys.executable, "-c", "pass"]),
        "startup.bare_help": ("4 bare one-command Typer app `--help`", [sys.executable, inputs.bare_app, "--help"]),
        "startup.carbon_help": ("4 `carbon --help`", carbon("--help")),
        "startup.assess": (
            "4 `carbon assess sample_data/communities/FT-SH-03.xlsx`",
            carbon("assess", sample.relative_to(ROOT)),
        ),
    }
    for _, args in commands.values():  # warm the page cache and the bytecode caches
        run_command(args, work / "startup.log")
    for _ in range(sizes.startup_repeats):
        for key, (label, args) in commands.items():
            run = run_command(args, work / "startup.log")
            m = report.measure(key, label)
            m.add(run)
    bare = report.measurements["startup.bare_help"].median_s
    for key in ("startup.carbon_help", "startup.assess"):
        report.ratios[f"{key} / startup.bare_help"] = report.measurements[key].median_s / bare

    carbon_modules = imported_modules(inputs, work, "carbon_cli", "--help")
    bare_modules = imported_modules(inputs, work, str(inputs.bare_app), "--help")
    extra = sorted(carbon_modules - bare_modules)
    by_package: dict[str, list[str]] = {}
    for name in extra:
        by_package.setdefault(name.split(".")[0], []).append(name)
    heavy = {name: name in carbon_modules for name in ("openpyxl", "jinja2", "defusedxml", "markupsafe")}
    times = import_times(work)
    report.extra["startup_extra_modules"] = extra
    report.extra["startup_heavy_imported"] = heavy
    lines = ["| top-level package | modules | self import time (ms) |", "|---|--:|--:|"]
    lines += [f"| {pkg} | {len(names)} | {times.get(pkg, 0.0):.1f} |" for pkg, names in sorted(by_package.items())]
    listed = ", ".join(f"`{name}`" for name in extra)
    report.extra_tables.append(
        f"Modules `carbon --help` imports that a bare Typer app's `--help` does not ({len(extra)}):\n\n"
        + "\n".join(lines)
        + f"\n\n{listed}\n\n"
        + "Heavy libraries imported by `carbon --help`: "
        + ", ".join(f"{name} {'YES' if seen else 'no'}" for name, seen in heavy.items())
    )


# --- profiles ---------------------------------------------------------------------------------------

# Functions whose cumulative time names a stage of a command: (label, package, file, function).
STAGES = (
    ("read: everything (read_workbook)", "carbon_cli", "reader.py", "read_workbook"),
    ("read: zip pre-scan (inspect_package)", "carbon_cli", "package.py", "inspect_package"),
    ("read: openpyxl.load_workbook", "openpyxl", "excel.py", "load_workbook"),
    ("read: header search (find_header)", "carbon_cli", "layouts.py", "find_header"),
    ("read: form sheets (read_form)", "carbon_cli", "layouts.py", "read_form"),
    ("read: table rows (read_table)", "carbon_cli", "layouts.py", "read_table"),
    ("read: cell values (parse_value)", "carbon_cli", "values.py", "parse_value"),
    ("read: sheet XML parsing (openpyxl WorkSheetParser.parse)", "openpyxl", "_reader.py", "parse"),
    ("assess (every call)", "carbon_cli", "assessment.py", "assess"),
    ("pathways (with_pathways)", "carbon_cli", "pathway.py", "with_pathways"),
    ("pathways, found and priced (planned)", "carbon_cli", "pricing.py", "planned"),
    ("reports (render_assessment)", "carbon_cli", "report.py", "render_assessment"),
    ("outputs in memory (output_files)", "carbon_cli", "results.py", "output_files"),
    ("outputs: results.xlsx (xlsx_bytes)", "carbon_cli", "export.py", "xlsx_bytes"),
    ("outputs: summary.md (render_summary)", "carbon_cli", "summary.py", "render_summary"),
    ("writing files (write_outputs)", "carbon_cli", "outdir.py", "write_outputs"),
)


def stage_table(stats: pstats.Stats, total_s: float) -> str:
    """Cumulative profiled time of each stage function, and its share of the whole command."""
    found: dict[str, float] = {}
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, _, _, cumulative, _) in raw.items():
        path = Path(filename)
        for label, package, file, name in STAGES:
            if function == name and path.name == file and package in path.parts:
                found[label] = found.get(label, 0.0) + cumulative
    lines = ["| stage (cProfile cumulative time) | s | share |", "|---|--:|--:|"]
    lines += [
        f"| {label} | {found[label]:.2f} | {100 * found[label] / total_s:.0f} % |"
        for label, *_ in STAGES
        if found.get(label)
    ]
    lines.append(f"| whole run | {total_s:.2f} | 100 % |")
    return "\n".join(lines)


def top_functions(stats: pstats.Stats, count: int) -> str:
    """The `count` functions with the most own time, as `pstats` prints them."""
    buffer = io.StringIO()
    stats.stream = buffer  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(count)
    text = buffer.getvalue()
    return text[text.index("   ncalls") :].rstrip()  # drop the header lines


def summarize_profile(stats: pstats.Stats) -> str:
    """Stage shares (needs the full file paths), then the top functions (paths stripped)."""
    total_s: float = stats.total_tt  # type: ignore[attr-defined]
    stages = stage_table(stats, total_s)
    top = top_functions(stats.strip_dirs(), 20)
    return f"{stages}\n\nTop functions by own time:\n\n```\n{top}\n```"


def profile_command(name: str, args: list[str], work: Path) -> str:
    """`python -m cProfile -m carbon_cli ARGS` in a child process; where its time went."""
    stats_file = work / f"profile-{name}.prof"
    command = [sys.executable, "-m", "cProfile", "-o", stats_file, "-m", "carbon_cli", *args]
    run_command(command, work / f"profile-{name}.log", ok_codes=(0, 1))
    return summarize_profile(pstats.Stats(str(stats_file)))


def profile_in_process(fn: Callable[[], Any]) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    return summarize_profile(pstats.Stats(profiler))


def stage_timings(stages: list[tuple[str, Callable[[], Any]]], items: int, unit: str) -> str:
    """Each stage run once in this process, unprofiled (cProfile inflates Python code more than
    the C XML parser, so these shares are the truer ones); wall and CPU time."""
    lines = [f"| stage (in-process, unprofiled) | s | CPU s | CPU ms per {unit} |", "|---|--:|--:|--:|"]
    for label, fn in stages:
        elapsed, cpu, _ = cpu_timed(fn)
        lines.append(f"| {label} | {elapsed:.2f} | {cpu:.2f} | {1000 * cpu / items:.2f} |")
    return "\n".join(lines)


@contextmanager
def sheet_grids(path: Path) -> Iterator[list[Any]]:
    """The reader's grids of one file."""
    from carbon_cli.survey import workbook

    with workbook.opened(path) as grids:
        yield grids


def forms_stages(folder: Path, work: Path) -> str:
    import warnings

    from openpyxl import load_workbook

    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.batch.outdir import write_outputs
    from carbon_cli.batch.run import run_batch
    from carbon_cli.outputs.district import BatchOptions
    from carbon_cli.outputs.report import render_assessment
    from carbon_cli.outputs.results import output_files
    from carbon_cli.scoring.assessment import assess
    from carbon_cli.scoring.criteria_files import load_criteria
    from carbon_cli.survey.container import Limits
    from carbon_cli.survey.package import inspect_package
    from carbon_cli.survey.reader import read_workbook

    paths = sorted(folder.glob("*.xlsx"))
    criteria, factors = load_criteria(None), load_factor_set(None)
    options = BatchOptions(pathways=False, reports=True)
    state: dict[str, Any] = {}

    def load_only() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for path in paths:
                load_workbook(path, read_only=True, data_only=True).close()

    def every_sheet_once() -> None:
        for path in paths:
            with sheet_grids(path) as grids:
                for grid in grids:
                    for _ in grid.rows():
                        pass

    def read() -> None:
        state["surveys"] = [s for path in paths for s in read_workbook(path).surveys]

    def assess_all() -> None:
        state["assessments"] = [assess(s, factors, criteria) for s in state["surveys"]]

    def render_all() -> None:
        for a in state["assessments"]:
            render_assessment(a, "zh")

    def batch() -> None:
        state["batch"] = run_batch([folder], options, jobs=1)

    def outputs() -> None:
        state["files"] = output_files(state["batch"], options)

    def write(inputs: list[Path]) -> None:
        write_outputs(fresh(work / "out-stages"), state["files"], inputs)

    render_assessment(assess(read_workbook(paths[0]).surveys[0], factors, criteria), "zh")  # compile the template
    return stage_timings(
        [
            ("openpyxl: load_workbook only", load_only),
            ("openpyxl: load_workbook + every cell of every sheet", lambda: read_every_cell(paths)),
            ("carbon: zip pre-scan (inspect_package)", lambda: [inspect_package(p, Limits()) for p in paths]),
            ("carbon: open the sheets (`opened`) + iterate every sheet once", every_sheet_once),
            ("carbon: read_workbook", read),
            ("carbon: assess", assess_all),
            ("carbon: render_assessment (report)", render_all),
            ("carbon: run_batch (read + assess + report)", batch),
            ("carbon: output_files (summary, csv, xlsx, json, reports)", outputs),
            ("carbon: write_outputs, the folder named (`carbon batch DIR`)", lambda: write([folder])),
            ("carbon: write_outputs, every file named (`carbon batch DIR/*.xlsx`)", lambda: write(paths)),
        ],
        len(paths),
        "workbook",
    )


def batch_stages(folder: Path) -> str:
    """The default batch's stages, each run once over every workbook in-process, unprofiled."""
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.outputs.report import render_assessment
    from carbon_cli.planning.pricing import load_planning, planned
    from carbon_cli.scoring.assessment import assess
    from carbon_cli.scoring.criteria_files import load_criteria
    from carbon_cli.survey.reader import read_workbook

    paths = sorted(folder.glob("*.xlsx"))
    criteria, factors, planning = load_criteria(None), load_factor_set(None), load_planning()
    state: dict[str, Any] = {}

    def read() -> None:
        state["surveys"] = [s for path in paths for s in read_workbook(path).surveys]

    def assess_all() -> None:
        state["assessments"] = [assess(s, factors, criteria) for s in state["surveys"]]

    def pathways() -> None:
        state["planned"] = [planned(a, planning) for a in state["assessments"]]

    def render_all() -> None:
        for a in state["planned"]:
            render_assessment(a, "zh")

    render_assessment(assess(read_workbook(paths[0]).surveys[0], factors, criteria), "zh")  # compile the template
    return stage_timings(
        [
            ("openpyxl: load_workbook + every cell of every sheet", lambda: read_every_cell(paths)),
            ("carbon: read_workbook", read),
            ("carbon: assess", assess_all),
            ("carbon: pathways to both targets, found by cost and priced (planned)", pathways),
            ("carbon: render_assessment (Markdown report)", render_all),
        ],
        len(paths),
        "workbook",
    )


def table_stages(path: Path, communities: int, work: Path) -> str:
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.batch.outdir import write_outputs
    from carbon_cli.batch.run import run_batch
    from carbon_cli.outputs.district import BatchOptions
    from carbon_cli.outputs.results import output_files
    from carbon_cli.scoring.assessment import assess
    from carbon_cli.scoring.criteria_files import load_criteria
    from carbon_cli.survey.reader import read_workbook

    criteria, factors = load_criteria(None), load_factor_set(None)
    options = BatchOptions(pathways=False, reports=False)
    state: dict[str, Any] = {}

    def read() -> None:
        state["surveys"] = read_workbook(path).surveys

    def assess_all() -> None:
        for survey in state.pop("surveys"):
            assess(survey, factors, criteria)

    def batch() -> None:
        state["batch"] = run_batch([path], options, jobs=1)

    def outputs() -> None:
        state["files"] = output_files(state["batch"], options)

    return stage_timings(
        [
            ("openpyxl: load_workbook + every cell", lambda: read_every_cell([path])),
            ("carbon: read_workbook", read),
            ("carbon: assess", assess_all),
            ("carbon: run_batch (read + assess)", batch),
            ("carbon: output_files (summary, csv, xlsx, json)", outputs),
            ("carbon: write_outputs", lambda: write_outputs(fresh(work / "out-stages"), state["files"], [path])),
        ],
        communities,
        "community",
    )


def run_profiles(inputs: Inputs, sizes: Sizes, work: Path, report: Report) -> None:
    """Where the time goes in each command behind a target that was not met, on the same inputs:
    stage timings in-process, then cProfile of the command itself."""
    failed = {t.name.split(":")[0] for t in report.targets if not t.met}
    profiles: dict[str, str] = report.extra.setdefault("profiles", {})
    out = str(work / "out-profile")
    if "forms" in failed:
        folder = subset(inputs.forms, sizes.profile_forms, work / "forms-profile")
        paths = sorted(folder.glob("*.xlsx"))
        title = f"{len(paths)} form workbooks"
        log(f"profiling: {title}")
        profiles[f"{title}: stages"] = forms_stages(folder, work)
        fresh(Path(out))
        args = ["batch", str(folder), "-o", out, "--jobs", "1", "--quiet", "--no-pathways"]
        profiles[f"{title}: `carbon batch --jobs 1 --no-pathways` (reports on), cProfile"] = profile_command(
            "forms", args, work
        )
        profiles[f"{title}: openpyxl alone, cProfile"] = profile_in_process(lambda: read_every_cell(paths))
    if "table" in failed:
        title = f"table of {sizes.table_communities} communities"
        log(f"profiling: {title}")
        profiles[f"{title}: stages"] = table_stages(inputs.table, sizes.table_communities, work)
        fresh(Path(out))
        args = ["batch", str(inputs.table), "-o", out, "--jobs", "1", "--quiet", "--no-pathways", "--no-reports"]
        profiles[f"{title}: `carbon batch --jobs 1 --no-pathways --no-reports`, cProfile"] = profile_command(
            "table", args, work
        )
    if "batch" in failed:
        log("profiling: default batch")
        profiles["batch: stages"] = batch_stages(inputs.batch_folder)
        cold(Path(out))
        args = ["batch", str(inputs.batch_folder), "-o", out, "--jobs", "1", "--quiet"]
        profiles["batch: `carbon batch --jobs 1` (pathways and reports on), cProfile"] = profile_command(
            "batch", args, work
        )
    if "pathways" in failed:
        log("profiling: pathways")
        profiles["pathways: `carbon plan` of the slowest sample, cProfile"] = profile_command(
            "plan", ["plan", str(SAMPLES / "communities" / "FT-SH-07.xlsx")], work
        )


# --- output ------------------------------------------------------------------------------------------


def git_state() -> str:
    """The commit measured, and the files that differ from it (read-only git commands)."""

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain", "--", "carbon_cli", "templates").splitlines()]
    return commit + (f" + uncommitted changes to {', '.join(changed)}" if changed else "")


def machine() -> dict[str, Any]:
    cpu = "unknown"
    memory_gb = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "git": git_state(),
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def seconds(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.2f}"


def markdown(report: Report, info: dict[str, Any], quick: bool) -> str:
    lines = [
        f"Date {datetime.date.today().isoformat()}{' (--quick)' if quick else ''}; load average "
        f"{info['load']}; {info['cpus']} CPU(s) "
        f"({info['cpu_model']}), {info['memory_gb']} GB RAM, Python {info['python']}; "
        + ", ".join(f"{k} {v}" for k, v in info["versions"].items())
        + f"; code: {info['git']}.",
        "",
    ]
    lines += [
        "| measurement | median s | runs (s) | median CPU s | throughput | peak RSS (MB) |",
        "|---|--:|---|--:|--:|--:|",
    ]
    for m in report.measurements.values():
        runs = ", ".join(seconds(s) for s in m.runs_s)
        rate = f"{m.rate:,.1f} {m.unit}/s" if m.rate else ""
        rss = f"{m.median_rss_mb:.0f}" if m.median_rss_mb else ""
        cpu = seconds(m.median_cpu_s) if m.median_cpu_s else ""
        lines.append(f"| {m.label} | {seconds(m.median_s)} | {runs} | {cpu} | {rate} | {rss} |")
    if report.ratios:
        lines += ["", "| derived from this run's medians | value |", "|---|--:|"]
        lines += [f"| {name} | {value:.2f} |" for name, value in report.ratios.items()]
    if report.targets:
        lines += ["", "| target | measured | limit | met |", "|---|--:|--:|---|"]
        for t in report.targets:
            met = "yes" if t.met else "**no**"
            lines.append(f"| {t.name} | {t.value:.2f} {t.unit} | ≤ {t.limit:g} {t.unit} | {met} |")
    for block in report.extra_tables:
        lines += ["", block]
    if report.notes:
        lines += ["", "Notes:", *[f"- {note}" for note in report.notes]]
    for title, text in report.extra.get("profiles", {}).items():
        lines += ["", f"#### {title}", "", text]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inputs and one run each (a smoke test)")
    parser.add_argument("--workdir", type=Path, help="folder for inputs and outputs (kept; inputs reused)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--repeats", type=int, help="runs per measurement (default 3, --quick 1)")
    parser.add_argument("--profile", action="store_true", help="cProfile the commands behind unmet targets")
    args = parser.parse_args(argv)
    sections = {s.strip() for s in args.only.split(",") if s.strip()}
    if unknown := sections - set(SECTIONS):
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else FULL
    if args.repeats:
        sizes = Sizes(**{**asdict(sizes), "repeats": args.repeats})

    temporary = None
    if args.workdir:
        work = args.workdir.resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        temporary = tempfile.TemporaryDirectory(prefix="carbon-bench-")
        work = Path(temporary.name)
    try:
        started = time.perf_counter()
        configure_children(work)
        inputs = prepare_inputs(work, sizes, sections)
        report = Report()
        benches = {
            "batch": bench_batch,
            "forms": bench_forms,
            "table": bench_table,
            "pathways": bench_pathways,
            "startup": bench_startup,
        }
        for name in SECTIONS:
            if name in sections:
                benches[name](inputs, sizes, work, report)
        if args.profile:
            run_profiles(inputs, sizes, work, report)
        info = machine()
        print(markdown(report, info, args.quick))
        log(f"done in {time.perf_counter() - started:.0f} s")
        if args.json:
            data = {
                "date": datetime.date.today().isoformat(),
                "quick": args.quick,
                "sizes": asdict(sizes),
                "machine": info,
                "measurements": [m.to_dict() for m in report.measurements.values()],
                "ratios": report.ratios,
                "targets": [{**asdict(t), "met": t.met} for t in report.targets],
                "notes": report.notes,
                "extra": report.extra,
            }
            args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    finally:
        if temporary is not None:
            temporary.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tracking against `carbon batch` on the same multi-year table (issue 21's speed target).

Writes a table of N communities × 4 years (2023–2026, the sample communities cycled, each year
1 % less of every extensive quantity), a plan file per community (made with the library on its
2023 survey; not timed), then times, one after the other on the same machine:

    carbon batch TABLE -o OUT --no-reports --no-cache --jobs 1 -q --as-of 2026-11-30
    carbon track TABLE --plan PLANS --format json -o OUT.json

    python benchmarks/tracking.py --communities 1000 [--runs 3]

Each command is timed with benchmarks/run.py's run_command (wall, and CPU of the command and
its workers, and peak RSS by GNU time); with --runs N the median of N runs is shown. With
--max-track-mb M the script exits 1 when the track's peak RSS is above M MiB (a memory
regression check: 10,000 × 4 peaked at 3,505 MiB before 2026-12-04, 382 MiB after).
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import typer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sample_data"))
sys.path.insert(0, str(ROOT / "benchmarks"))

YEARS = (2023, 2024, 2025, 2026)
AS_OF = "2026-11-30"


def write_inputs(work: Path, communities: int) -> tuple[Path, Path]:
    from openpyxl import Workbook
    from run import _varied, table_rows

    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.core.fileio import write_text
    from carbon_cli.core.jsonio import dumps
    from carbon_cli.planning.plan_file import as_judged, make_plan
    from carbon_cli.planning.pricing import load_planning, planned
    from carbon_cli.scoring.assessment import assess
    from carbon_cli.scoring.criteria_files import load_criteria
    from carbon_cli.survey.model import Survey
    from carbon_cli.survey.template import TABLE_IDENTITY, WORDS, table_columns, table_header

    words = WORDS["zh"]
    headers = [(spec.key, table_header(spec, "zh")) for spec in table_columns()]
    headers.insert(len(TABLE_IDENTITY), ("year", words["year"]))
    book = Workbook(write_only=True)
    sheet = book.create_sheet(words["table_sheet"])
    sheet.append([text for _, text in headers])
    plans = work / "plans"
    plans.mkdir(parents=True, exist_ok=True)
    factors, criteria, planning = load_factor_set(), load_criteria(), load_planning(on=AS_OF)
    latest = {}
    for row in table_rows(communities):
        latest[row["community_id"]] = row  # the sample's assessment-year row (its last)
    for key, row in latest.items():
        for i, year in enumerate(YEARS):
            values = _varied(row, 1 - 0.01 * i)
            values.pop("baseline_year", None)
            values["assessment_year"] = values["year"] = year
            cells = [values.get(k) for k, _ in headers]
            sheet.append([words["yes" if v else "no"] if isinstance(v, bool) else v for v in cells])
            if i == 0:
                survey = as_judged(Survey("table.xlsx", "table", {k: v for k, v in values.items() if k != "year"}))
                base = assess(survey, factors, criteria)
                pathway = planned(base, planning, ("pass",)).pathways["pass"]
                write_text(plans / f"{key}.json", dumps(make_plan(base, pathway, planning).to_dict()))
    table = work / "table.xlsx"
    book.save(table)
    return table, plans


def measure(args: list[str | Path], output: Path, runs: int) -> tuple[float, float, float]:
    """The median wall and CPU seconds (the command and its workers) and peak RSS (MiB) of
    `runs` runs."""
    from run import carbon, run_command

    done = [run_command(carbon(*args), output) for _ in range(runs)]
    return (
        statistics.median(r.seconds for r in done),
        statistics.median(r.cpu_seconds for r in done),
        statistics.median(r.peak_rss_mb for r in done),
    )


def main(
    communities: int = typer.Option(1000),
    runs: int = typer.Option(1, help="Runs of each command (the median is shown)."),
    work: Path = typer.Option(Path("/tmp/carbon-bench-tracking")),
    max_track_mb: float = typer.Option(0.0, help="Exit 1 when the track's peak RSS is above this (MiB; 0: no check)."),
) -> None:
    table, plans = write_inputs(work, communities)
    batch = [
        "batch",
        table,
        "-o",
        work / "out",
        "--no-reports",
        "--no-cache",
        "--jobs",
        "1",
        "-q",
        "--as-of",
        AS_OF,
        "--force",
    ]
    track = ["track", table, "--plan", plans, "--format", "json", "-o", work / "track.json"]
    batch_wall, batch_cpu, batch_rss = measure(batch, work / "batch.log", runs)
    track_wall, track_cpu, track_rss = measure(track, work / "track.log", runs)
    print(
        f"{communities} communities × {len(YEARS)} years, median of {runs}: "
        f"batch --no-reports {batch_wall:.1f} s wall / {batch_cpu:.1f} s CPU / {batch_rss:,.0f} MiB, "
        f"track {track_wall:.1f} s wall / {track_cpu:.1f} s CPU / {track_rss:,.0f} MiB, "
        f"ratio {track_wall / batch_wall:.2f} wall / {track_cpu / batch_cpu:.2f} CPU"
    )
    if max_track_mb and track_rss > max_track_mb:
        print(f"track peak RSS {track_rss:,.0f} MiB is above --max-track-mb {max_track_mb:,.0f}")
        raise typer.Exit(1)


if __name__ == "__main__":
    typer.run(main)

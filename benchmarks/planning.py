"""Pathways with costs on: the planning a `carbon plan` or `carbon batch` does per community.

For every sample community and 200 generated ones (the samples scaled 0.80–1.20 in size, as
benchmarks/run.py does for tables), in-process, median of --repeats runs:

  search       find_pathway for both targets under the effort objective (the engine alone)
  planned      planned(): the cost objective (each measure priced on the survey), the search for
               both targets, each pathway priced step by step, and the no-regret measures
               assessed (what the default `carbon plan` and `carbon batch` do)

Usage: python benchmarks/planning.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "sample_data"), str(ROOT / "benchmarks")]


def communities(generated: int) -> list:
    """The sample surveys, then `generated` scaled copies of them."""
    from run import _varied

    from carbon_cli.survey.reader import read_survey

    samples = [read_survey(p) for p in sorted((ROOT / "sample_data" / "communities").glob("*.xlsx"))]
    out = list(samples)
    for k in range(generated):
        base = samples[k % len(samples)]
        factor = 1 + ((k * 37) % 41 - 20) / 100
        values = _varied(base.assessment, factor)
        baseline = _varied(base.baseline, factor) if base.baseline is not None else None
        out.append(type(base)(base.file, base.layout, values, baseline, base.sources, base.issues))
    return out


def median_ms(fn, repeats: int) -> float:
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--generated", type=int, default=200)
    args = parser.parse_args()

    from carbon_cli.assessment import assess
    from carbon_cli.criteria import load_criteria
    from carbon_cli.factors import load_factor_set
    from carbon_cli.planning.pathway import TARGETS, _Search, find_pathway
    from carbon_cli.planning.pricing import load_planning, planned

    criteria, factors = load_criteria(), load_factor_set()
    planning = load_planning(on="2026-11-30")
    search_ms, planned_ms = [], []
    for survey in communities(args.generated):
        a = assess(survey, factors, criteria)

        def search(a=a) -> None:
            s = _Search(a, planning.library)
            for t in TARGETS:
                find_pathway(a, target=t, search=s)

        search_ms.append(median_ms(search, args.repeats))
        planned_ms.append(median_ms(lambda a=a: planned(a, planning), args.repeats))
    n = len(search_ms)
    print(f"{n} communities, median of {args.repeats} runs each, both targets (ms per community)")
    print("| what | median | p90 | slowest |")
    print("|---|--:|--:|--:|")
    for name, values in (("search (effort)", search_ms), ("planned (cost objective, priced)", planned_ms)):
        ordered = sorted(values)
        p90 = ordered[int(0.9 * (n - 1))]
        print(f"| {name} | {statistics.median(values):.2f} | {p90:.2f} | {max(values):.2f} |")


if __name__ == "__main__":
    main()

"""The budget selection of the district investment plan (`carbon batch --budget`) at province
scale: `select` over n reachable communities with a budget of 30 % of their total cost.

    python benchmarks/investment.py                 # 1,000 2,000 5,000 10,000
    python benchmarks/investment.py --sizes 500,20000

Costs are drawn from six typical pathway costs plus up to 10,000 yuan, reductions from 10 to 500
tCO2e a year (seeded): many distinct cost and reduction pairs, the hard case for the search.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carbon_cli.planning.investment import Option, select


def options(n: int, seed: int = 1) -> list[Option]:
    rng = random.Random(seed)
    costs = (50_000, 80_000, 120_000, 150_000, 300_000, 1_000_000)
    return [
        Option(f"C{i:06d}", f"community {i}", rng.choice(costs) + rng.randint(0, 10) * 1e3, rng.randint(10, 500) * 1.0)
        for i in range(n)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    args = parser.parse_args()
    print("| reachable communities | budget (30 % of their total) | selected | s |\n|--:|--:|--:|--:|")
    for n in (int(s) for s in args.sizes.split(",") if s):
        pool = options(n)
        budget = 0.3 * sum(o.upfront_yuan for o in pool)
        start = time.perf_counter()
        plan = select(pool, budget)
        seconds = time.perf_counter() - start
        print(f"| {n:,} | {budget:,.0f} | {len(plan.selected):,} | {seconds:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The budget selection of the district investment plan (`carbon batch --budget`) at province
scale: `select` over n reachable communities with a budget (over the appraisal period, the
default cap) of 30 % of their total cost; `--caps upfront,period` adds a second cap.

    python benchmarks/investment.py                 # 1,000 2,000 5,000 10,000
    python benchmarks/investment.py --sizes 500,20000

Period costs are drawn from six typical pathway costs plus up to 10,000 yuan, reductions from 10
to 500 tCO2e a year (seeded): many distinct cost and reduction pairs, the hard case for the
search. Upfront costs are the period cost times 1–3, annual net costs (period − upfront) ÷ 10.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carbon_cli.planning.investment import Budget, Option, select


def options(n: int, seed: int = 1) -> list[Option]:
    rng = random.Random(seed)
    costs = (50_000, 80_000, 120_000, 150_000, 300_000, 1_000_000)
    out = []
    for i in range(n):
        period = rng.choice(costs) + rng.randint(0, 10) * 1e3
        upfront = period * rng.choice((1.0, 1.5, 2.0, 3.0))
        reduced = rng.randint(10, 500) * 1.0
        out.append(Option(f"C{i:06d}", f"community {i}", upfront, reduced, False, 0.0, (period - upfront) / 10, period))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,2000,5000,10000")
    parser.add_argument("--caps", default="period", help="comma-separated: period, upfront, annual")
    args = parser.parse_args()
    kinds = args.caps.split(",")
    print(f"caps: {args.caps}")
    print("| reachable communities | budget (30 % of their total, per cap) | selected | s |\n|--:|--:|--:|--:|")
    for n in (int(s) for s in args.sizes.split(",") if s):
        pool = options(n)
        caps = {k: 0.3 * sum(o.cost(k) for o in pool) for k in kinds}
        budget = Budget(caps.get("period"), caps.get("upfront"), caps.get("annual"))
        start = time.perf_counter()
        plan = select(pool, budget)
        seconds = time.perf_counter() - start
        shown = " / ".join(f"{v:,.0f}" for v in caps.values())
        print(f"| {n:,} | {shown} | {len(plan.selected):,} | {seconds:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

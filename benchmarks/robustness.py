"""How long the robustness of a verdict takes, in-process, on top of the assessment.

    python benchmarks/robustness.py              # the 13 samples + 200 generated communities
    python benchmarks/robustness.py --generated 50

Each community is assessed (`assess`, with gaps, as `carbon assess` does), then its robustness is
computed (`scoring.robustness.robustness`, every figure of the default criteria and factor sets
with its range). The generated communities are the samples with each value scaled by a factor in
0.6-1.6 (seed fixed), a tenth of them without a baseline year. Results go to stdout as Markdown.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from carbon_cli.accounting.factors import load_factor_set  # noqa: E402
from carbon_cli.scoring.assessment import assess  # noqa: E402
from carbon_cli.scoring.criteria_files import load_criteria  # noqa: E402
from carbon_cli.scoring.robustness import robustness  # noqa: E402
from carbon_cli.survey.model import IDENTITY  # noqa: E402
from carbon_cli.survey.reader import read_workbook  # noqa: E402

SEED = 18


def _perturb(values: dict, rng: random.Random) -> dict:
    out = {}
    for key, value in values.items():
        if key in IDENTITY or key == "assessment_year" or isinstance(value, bool):
            out[key] = value
        elif isinstance(value, int | float):
            scaled = value * rng.uniform(0.6, 1.6)
            out[key] = round(scaled) if isinstance(value, int) else scaled
        else:
            out[key] = value
    return out


def communities(generated: int) -> list:
    files = sorted((ROOT / "sample_data" / "communities").glob("*.xlsx"))
    samples = [s for f in files for s in read_workbook(f).surveys]
    rng = random.Random(SEED)
    out = list(samples)
    for i in range(generated):
        base = samples[i % len(samples)]
        values = _perturb(base.assessment, rng)
        values["community_id"] = f"GEN-{i:03d}"
        baseline = None if base.baseline is None or rng.random() < 0.1 else _perturb(base.baseline, rng)
        out.append(dataclasses.replace(base, assessment=values, baseline=baseline))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--generated", type=int, default=200)
    args = parser.parse_args()
    factors, criteria = load_factor_set(), load_criteria()
    surveys = communities(args.generated)
    assess(surveys[0], factors, criteria).robustness  # noqa: B018  (warm: data files, caches)
    assess_ms, robust_ms, robust = [], [], 0
    for survey in surveys:
        t0 = time.perf_counter()
        a = assess(survey, factors, criteria)
        t1 = time.perf_counter()
        r = robustness(a)
        t2 = time.perf_counter()
        assess_ms.append((t1 - t0) * 1000)
        robust_ms.append((t2 - t1) * 1000)
        robust += r.robust
    q = statistics.quantiles(robust_ms, n=20)
    print("| communities | assess, mean ms | robustness: mean ms | median | p95 | max | robust |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {len(surveys)} | {statistics.mean(assess_ms):.2f} | {statistics.mean(robust_ms):.2f} | "
        f"{statistics.median(robust_ms):.2f} | {q[-1]:.2f} | {max(robust_ms):.2f} | {robust} |"
    )


if __name__ == "__main__":
    main()

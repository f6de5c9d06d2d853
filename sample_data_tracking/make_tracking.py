"""Write a fictional three-year pilot campaign: the baseline year 2024 and two monitoring years
(2025, 2026) of five pilots of the sample district, with each pilot's plan file.

Each pilot was built to show one way a plan goes; `INTENT` says, per pilot and year, the status
every measure was meant to have and the verdict meant for acceptance (the tests check the tool
finds exactly that):

- FT-SH-05 carries out its plan: half its measures in 2025, all by 2026;
- FT-SH-08 does the same, but its 2025 survey has the land area typed ten times too large;
- FT-SH-07 and FT-SH-09 do half: one measure partly in 2025; in 2026 the first half of the
  measures done, the next partly, the rest not started;
- FT-SH-06 does nothing.

The 2024 values are those of the sample community workbooks' assessment year (sample_data/),
moved to 2024; a measure carried out changes the survey as its plan entry says (partly: half of
each planned change, only the first of several yes/no fields). Deterministic: run it again and
the files are the same.

    python sample_data_tracking/make_tracking.py        # writes beside this script
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from carbon_cli.accounting.factors import load_factor_set  # noqa: E402
from carbon_cli.core.fileio import write_text, write_workbook  # noqa: E402
from carbon_cli.core.jsonio import dumps  # noqa: E402
from carbon_cli.planning.plan_file import as_judged, make_plan  # noqa: E402
from carbon_cli.planning.pricing import load_planning, planned  # noqa: E402
from carbon_cli.scoring.assessment import assess  # noqa: E402
from carbon_cli.scoring.criteria_files import load_criteria  # noqa: E402
from carbon_cli.survey.fields import dictionary  # noqa: E402
from carbon_cli.survey.model import Survey  # noqa: E402
from carbon_cli.survey.template import table_workbook  # noqa: E402

AS_OF = "2025-03-31"  # the plans were made in the spring after the baseline year
BASE_YEAR, YEARS = 2024, (2024, 2025, 2026)
TABLE = "district_2024-2026.xlsx"
# pilot → how it carries out its plan; the land-area typo: (pilot, year, factor)
PILOTS = {"FT-SH-05": "all", "FT-SH-08": "all", "FT-SH-07": "half", "FT-SH-09": "half", "FT-SH-06": "none"}
LAND_TYPO = ("FT-SH-08", 2025, 10)
VERDICT = {"all": "reached", "half": "missed", "none": "missed"}


def _samples() -> Any:
    spec = importlib.util.spec_from_file_location("make_samples", HERE.parent / "sample_data" / "make_samples.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _divisible(measure: Any) -> bool:
    """Whether a measure can be half done: a number to move, or more than one yes/no field."""
    flags = sum(isinstance(c.after, bool) for c in measure.changes)
    return flags > 1 or flags < len(measure.changes)


def _states(way: str, measures: list[Any], year: int) -> dict[str, str]:
    """The status each measure is meant to have in `year` (the partly done one is one that can be
    half done)."""
    keys = [m.key for m in measures]
    n = len(keys)
    if year == BASE_YEAR or way == "none":
        return dict.fromkeys(keys, "not_started")
    half = math.ceil(n / 2)
    if way == "all":
        done = half if year == 2025 else n
        return {k: "done" if i < done else "not_started" for i, k in enumerate(keys)}
    start = 0 if year == 2025 else half - 1  # half: one measure under way, those before it done by 2026
    partly = next(i for i in range(start, n) if _divisible(measures[i]))
    return {
        k: "done" if i < partly and year > 2025 else "partly" if i == partly else "not_started"
        for i, k in enumerate(keys)
    }


def _carry_out(values: dict[str, Any], plan: Any, states: dict[str, str]) -> dict[str, Any]:
    """The survey after the plan's measures in their `states` (each change as a difference, so a
    measure skipped leaves the fields the next one changes as they were)."""
    fields = dictionary()
    out = dict(values)
    for measure in plan.measures:
        state = states[measure.key]
        if state == "not_started":
            continue
        share = 1.0 if state == "done" else 0.5
        first_flag = True
        for change in measure.changes:
            if isinstance(change.after, bool):
                if share == 1.0 or first_flag:
                    out[change.field] = change.after
                first_flag = False
                continue
            moved = out.get(change.field, 0) + share * (change.after - (change.before or 0))
            out[change.field] = round(moved) if fields[change.field].type == "int" else round(moved, 3)
    return out


def pilots() -> dict[str, dict[str, Any]]:
    """Each pilot: its plan, its surveyed values per year and what it was meant to show."""
    samples = _samples()
    by_id = {c["id"]: c for c in samples.COMMUNITIES}
    factors, criteria = load_factor_set(), load_criteria()
    planning = load_planning(on=AS_OF)
    made: dict[str, dict[str, Any]] = {}
    for pilot, way in PILOTS.items():
        now, _ = samples.years(by_id[pilot])
        base = {k: v for k, v in now.items() if k != "baseline_year"}
        base["assessment_year"] = BASE_YEAR
        survey = as_judged(Survey(TABLE, "table", base))
        assessment = assess(survey, factors, criteria)
        pathway = planned(assessment, planning, ("pass",)).pathways["pass"]
        plan = make_plan(assessment, pathway, planning)
        years, states = {}, {}
        for year in YEARS:
            states[year] = _states(way, list(plan.measures), year)
            values = _carry_out(base, plan, states[year])
            values["assessment_year"] = year
            if (pilot, year) == LAND_TYPO[:2]:
                values["land_area_m2"] = values["land_area_m2"] * LAND_TYPO[2]
            years[year] = values
        made[pilot] = {"way": way, "plan": plan, "years": years, "measures": states, "verdict": VERDICT[way]}
    return made


def campaign(out: Path = HERE) -> dict[str, dict[str, Any]]:
    """Write the table and the plans into `out`; return `pilots()`."""
    made = pilots()
    (out / "plans").mkdir(parents=True, exist_ok=True)
    rows = []
    for pilot, made_one in made.items():
        write_text(out / "plans" / f"{pilot}.json", dumps(made_one["plan"].to_dict()))
        rows.extend({**values, "year": year} for year, values in made_one["years"].items())
    write_workbook(out / TABLE, table_workbook("zh", rows))
    return made


if __name__ == "__main__":
    campaign()
    print(f"wrote {TABLE} and plans/ for {len(PILOTS)} pilots in {HERE}")

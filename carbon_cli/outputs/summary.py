"""The district summary report of a batch: counts, ranking, the communities closest to
eligibility, street aggregates, a chart, and the files that could not be assessed."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from carbon_cli.core.i18n import money
from carbon_cli.core.resources import templates_dir
from carbon_cli.monitoring.view import district_sections
from carbon_cli.outputs.district import BatchOptions, BatchResult, differences, verdict_counts
from carbon_cli.outputs.report import environment

if TYPE_CHECKING:
    from carbon_cli.scoring.assessment import Assessment
    from carbon_cli.scoring.comparison import Comparison
    from carbon_cli.scoring.criteria import CriteriaSet

STATUSES = ("seen", "derived", "assumed")
NAMED_AT_MOST = 4  # the assumed figures are named when there are no more than this many


SHOWN_ITEMS = 3  # the items of a comparison the summary names (the others are counted)
SHOWN_FIGURES = 3  # the figures of a flip the summary names (the others are counted)
AT_THE_EDGE = 0.005  # a flip within this share of a figure's range from its value: right at the edge
AT_THE_END = 0.01  # a flip within this share of a figure's range from the end it moves to: only there


def _number(x: float) -> str:
    return f"{x:.4g}" if abs(x) < 10 else f"{x:.1f}"


def firmness(a: Assessment, lang: str) -> dict[str, Any] | None:
    """How firm the verdict of `a` is, for the summary to word (robustness in scoring/robustness.py):
    the figures whose change flips it, largest move first, each with its value, where the verdict
    changes and which way; whether the verdict sits right at the edge (the least move flips it),
    or flips only when every one of them reaches an end of its range; the score over the ranges."""
    r = a.robustness
    if r is None:  # not made (`with_robustness`): the summary says nothing of it
        return None
    out: dict[str, Any] = {"robust": r.robust, "score_low": r.score_low, "score_high": r.score_high}
    if r.flip is None:
        return out
    flip = r.flip
    moved = []
    for f, end, at in zip(flip.figures, flip.ends, flip.at, strict=True):
        width = (f.high - f.low) or 1.0
        moved.append((abs(at - f.nominal) / width, abs(end - at) / width, f, end, at))
    moved.sort(key=lambda m: (-round(m[0], 6), m[2].key))
    figures = [
        {
            "label": f.label(lang),
            "value": _number(f.nominal),
            "at": _number(at),
            "up": end > f.nominal,
            "low": _number(f.low),
            "high": _number(f.high),
        }
        for _, _, f, end, at in moved
    ]
    return {
        **out,
        "to": flip.verdict,
        "figures": figures[:SHOWN_FIGURES],
        "count": len(figures),
        "minimal": flip.minimal,
        "edge": all(m[0] < AT_THE_EDGE for m in moved),
        "ends_only": len(moved) > 1 and all(m[1] < AT_THE_END for m in moved),
    }


def community_row(a: Assessment, feasibility: str, lang: str, comparison: Comparison | None = None) -> dict[str, Any]:
    """A community's row of the summary, but its rank and report name (made once per community,
    in the batch's worker: the batch keeps this row, not the assessment); with `comparison`, its
    verdict and score under the second set and what makes them differ."""
    pathway = a.pathways.get("pass")
    compared = {}
    if comparison is not None:
        items, controls = differences(comparison, lang)
        b = comparison.b
        # what keeps the community from passing under the second set: its failed controls, then
        # its items short of their points, most points short first (none when it passes there)
        short = [{"key": c.criterion.key, "name": c.criterion.label(lang)} for c in b.evaluation.failed_controls]
        gaps = [i for i in b.evaluation.items if i.status != "na" and i.points < i.max_points - 1e-9]
        gaps.sort(key=lambda i: (-(i.max_points - i.points), i.criterion.key))
        short += [{"key": i.criterion.key, "name": i.criterion.label(lang)} for i in gaps]
        if b.verdict == "eligible":
            short = []
        compared["comparison"] = {
            "score": b.score,
            "verdict": b.verdict,
            "grade_label": b.evaluation.grade.label(lang),
            "agree": comparison.agree,
            "differences": items[:SHOWN_ITEMS],
            "more": max(0, len(items) - SHOWN_ITEMS),
            "controls": controls,
            "short": short[:SHOWN_ITEMS],
            "short_more": max(0, len(short) - SHOWN_ITEMS),
        }
    return {
        "id": a.survey.community_id,
        "name": a.survey.name,
        "street": a.survey.assessment.get("street") or "",
        "district": a.survey.assessment.get("district"),
        "population": a.survey.assessment.get("resident_population"),
        "net_tco2e": a.inventory.net_tco2e,
        "per_capita_tco2e": a.inventory.per_capita_tco2e,
        "score": a.score,
        "grade": a.evaluation.grade.key,
        "grade_label": a.evaluation.grade.label(lang),
        "verdict": a.verdict,
        "feasibility": feasibility,
        "robust": a.robustness.robust if a.robustness else None,
        "robustness": firmness(a, lang),
        "points_to_pass": a.evaluation.points_to_pass,
        "failed_controls": [
            {"key": c.criterion.key, "name": c.criterion.label(lang)} for c in a.evaluation.failed_controls
        ],
        "missing_fields": a.evaluation.fields_to_collect,
        "pathway": None
        if pathway is None
        else {
            "status": pathway.status,
            "effort": pathway.effort,
            "objective": pathway.objective,
            "weight": pathway.weight,
            "upfront_yuan": pathway.cost.upfront.typical if pathway.cost is not None else None,
            "annual_net_yuan": pathway.cost.annual_net.typical if pathway.cost is not None else None,
            "net_cost_yuan": pathway.cost.net_cost.typical if pathway.cost is not None else None,
            "years": pathway.cost.terms.years if pathway.cost is not None else None,
            "score_after": pathway.score_after,
            "measures": [{"key": m.key, "name": m.label(lang), "effort": m.effort} for m in pathway.measures],
            "blockers": list(pathway.blockers),
        },
        "top_gaps": [
            {"key": i.criterion.key, "name": i.criterion.label(lang), "points": i.gap.score_recoverable}
            for i in a.evaluation.gaps[:3]
            if i.gap
        ],
        **compared,
    }


class Ranked(Mapping[str, Any]):
    """A community's summary row with its rank and its report's name, not a copy of it."""

    __slots__ = ("_rank", "_report", "_row")

    def __init__(self, rank: int, row: Mapping[str, Any], report: str | None) -> None:
        self._rank, self._row, self._report = rank, row, report

    def __getitem__(self, key: str) -> Any:
        if key == "rank":
            return self._rank
        if key == "report":
            return self._report
        return self._row[key]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator[str]:
        yield "rank"
        yield from self._row
        yield "report"

    def __len__(self) -> int:
        return len(self._row) + 2

    def __getattr__(self, name: str) -> Any:
        """row.name in a template: found at once, where a mapping first raises AttributeError."""
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def footing(criteria: CriteriaSet, lang: str) -> dict[str, Any]:
    """What a set's verdicts rest on: its figures (thresholds, targets, points, grade lines) counted
    by the status of their entry (seen / derived / assumed), the assumed ones named when few, and
    whether the pass line is the tool's own rule. The summary's caveat is worded from this."""
    from carbon_cli.scoring.figures import criterion_figures

    figures = [  # (name, status): the figures robustness moves, but the pass band
        (f.label(lang), f.status)
        for control, entries in ((True, criteria.controls), (False, criteria.items))
        for c in entries
        for f in criterion_figures(c, control)
    ]
    for g in criteria.grades:
        if g.min_score > 0:
            figures.append((f"{g.label(lang)} ≥ {g.min_score:g}", g.status))
    counts = {s: sum(1 for _, status in figures if status == s) for s in STATUSES}
    named = {s: [n for n, status in figures if status == s] for s in STATUSES}
    pass_line = criteria.pass_grade
    return {
        "count": len(figures),
        **counts,
        # the figures of a status named, when they are few (and not all of the set's)
        "named": {s: n if len(n) <= NAMED_AT_MOST and len(n) < len(figures) else [] for s, n in named.items()},
        "pass_line": f"{pass_line.label(lang)} ≥ {pass_line.min_score:g}",
        "pass_line_assumed": pass_line.status == "assumed",
        "source": criteria.source if criteria.status != "assumed" else None,  # a publication to name
    }


def criteria_file(given: str | None, criteria: CriteriaSet | None) -> dict[str, Any] | None:
    """The file the set was read from (None: a built-in set), and whether it is a built-in set
    edited but still under the built-in id and names (the summary would otherwise pass it off as
    the built-in set)."""
    from pathlib import Path

    from carbon_cli.scoring.criteria import available, edited_builtin

    if given is None or criteria is None or given in available():
        return None
    return {"name": Path(given).name, "edited_builtin": edited_builtin(criteria)}


def summary_context(batch: BatchResult, options: BatchOptions) -> dict[str, Any]:
    from carbon_cli.scoring.figures import range_rules

    lang = options.lang
    rows = [Ranked(r.rank, r.summary, r.report_name) for r in batch.results]
    streets: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"communities": 0, "population": 0, "net_tco2e": 0.0, "score_sum": 0.0, "eligible": 0}
    )
    for row in rows:
        s = streets[row["street"]]
        s["communities"] += 1
        s["population"] += row["population"] or 0
        s["net_tco2e"] += row["net_tco2e"]
        s["score_sum"] += row["score"]
        s["eligible"] += row["verdict"] == "eligible"
    street_rows = [
        {
            "street": name,
            **s,
            "per_capita_tco2e": s["net_tco2e"] / s["population"] if s["population"] else None,
            "mean_score": s["score_sum"] / s["communities"],
        }
        for name, s in sorted(streets.items())
    ]
    closest = [row for row in rows if row["verdict"] != "eligible" and row["feasibility"] == "reachable"]
    closest.sort(key=lambda row: (round(row["pathway"]["weight"], 6), -row["score"], row["id"]))
    feasibility: dict[str, int] = defaultdict(int)
    for row in rows:
        feasibility[row["feasibility"]] += 1
    criteria, factors = (batch.criteria, batch.factors) if batch.results else (None, None)
    return {
        "lang": lang,
        "date": options.date,
        "districts": sorted({str(row["district"]) for row in rows if row["district"]}),
        "criteria": {"id": criteria.id, "name": criteria.label(lang), "status": criteria.status} if criteria else None,
        "criteria_file": criteria_file(options.criteria, criteria),
        # the caveat: how many of the set's figures are seen, derived or assumed
        "footing": footing(criteria, lang) if criteria else None,
        "factor_set": {"id": factors.id, "name": factors.label(lang)} if factors else None,
        "files": batch.files,
        "counts": verdict_counts(batch),
        "feasibility": dict(feasibility),
        "total": len(rows),
        "rows": rows,
        "closest": closest[:10],
        # how many verdicts hold over the ranges of the assumed figures, and why the others do not
        "robust_count": sum(1 for row in rows if row["robust"]),
        "range_rule": range_rules().describe(lang),
        "not_robust": [row for row in rows if row["robust"] is False],  # None: not made
        "streets": street_rows,
        "failures": [{"file": f.file, "community": f.community, "reason": f.reason(lang)} for f in batch.failures],
        "duplicates": [
            {"community": i.community, "file": i.location.file, "other": i.params.get("other")} for i in batch.notes
        ],
        "pathways": options.pathways,
        "grade_lines": [g.min_score for g in criteria.grades if g.min_score > 0] if criteria else [],
        # the grade lines with their names, highest first (drawn on the ranking chart)
        "grades": [
            {"key": g.key, "label": g.label(lang), "min_score": g.min_score} for g in criteria.grades if g.min_score > 0
        ]
        if criteria
        else [],
        "pass_score": criteria.pass_grade.min_score if criteria else 60,
        "objective": options.objective,
        "investment": _investment(batch, rows),
        "comparison": _comparison(batch, options, rows),
        "progress": _progress(batch.progress, lang),
    }


def _comparison(batch: BatchResult, options: BatchOptions, rows: Sequence[Ranked]) -> dict[str, Any] | None:
    """How many verdicts agree under the second set, and the communities whose verdicts differ."""
    b = batch.compared
    if b is None:
        return None
    same_id = batch.criteria is not None and b.id == batch.criteria.id
    return {
        "id": b.id,
        "name": b.label(options.lang),
        "file": options.compare_criteria if same_id else None,  # the same id as the set judged: say which file
        "agree": sum(1 for row in rows if row["comparison"]["agree"]),
        "differ": [row for row in rows if not row["comparison"]["agree"]],
        "total": len(rows),
    }


def _progress(progress: Any, lang: str) -> dict[str, Any] | None:
    """The pilots followed year by year (`carbon batch --plans`), as the tables `carbon track`
    shows, and the money of their plans, formatted."""
    if progress is None:
        return None
    return {
        "pilots": len(progress.pilots),
        "sections": district_sections(progress, lang),
        "planned": money(progress.planned_upfront_yuan, lang),
        "done": money(progress.done_upfront_yuan, lang),
        "spent": money(progress.spent_estimate_yuan, lang),
        "done_share": progress.done_upfront_yuan / progress.planned_upfront_yuan
        if progress.planned_upfront_yuan
        else None,
    }


def _investment(batch: BatchResult, rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The cost curve and budget selection with each community's name, street and report."""
    if batch.investment is None:
        return None
    by_id = {row["id"]: row for row in rows}
    data = batch.investment.to_dict()
    curve = [{**point, "community": by_id.get(point["community_id"])} for point in data["cost_curve"]]
    selected = [by_id.get(c) for c in data["selected"] or []]
    funded = [p for p in curve if not p["already_eligible"]]
    bars = [0.0, *(p["cumulative_yuan"] / 10000 for p in funded)]
    plan = batch.investment.plan
    return {
        **data,
        "caps": plan.budget.caps if plan is not None else [],
        "chart_min": math.floor(min(bars)),
        "chart_max": math.ceil(max(bars)) + 1,
        # what the budget holder must find before any saving comes back
        "upfront_beyond_budget": plan is not None
        and plan.budget.upfront_yuan is None
        and plan.budget.period_yuan is not None
        and plan.total_upfront_yuan > plan.budget.period_yuan + 1e-6,
        "cost_curve": curve,
        "funded_curve": funded,
        "chart_curve": _spread(funded, CHART_BARS),
        "milestones": _milestones(funded),
        "reduced": {p["community_id"]: p["tco2e_reduced"] for p in curve},
        "selected_rows": selected,
        "ready": len(curve) - len(funded),
        "unreachable_rows": [by_id.get(c) for c in data["unreachable"]],
    }


CHART_BARS = 40  # the cost curve's chart: at most this many bars, however many communities


def _spread(points: list[Any], most: int) -> list[Any]:
    """At most `most` of `points`, evenly spread, the last always among them."""
    if len(points) <= most:
        return points
    return [points[(k + 1) * len(points) // most - 1] for k in range(most)]


def _milestones(points: list[Any]) -> list[Any]:
    """The points of the cost curve the summary names in words: the 1st, 3rd, 5th and 10th
    community funded and the last; past 20, the first, each quarter and the last."""
    n = len(points)
    marks = [1, 3, 5, 10] if n <= 20 else [1, n // 4, n // 2, 3 * n // 4]
    return [points[i - 1] for i in sorted({m for m in marks if m < n} | {n})] if n else []


def render_summary(batch: BatchResult, options: BatchOptions) -> str:
    env = environment((str(templates_dir()),), sandboxed=False)
    return env.get_template(f"summary.{options.lang}.md.j2").render(summary_context(batch, options))

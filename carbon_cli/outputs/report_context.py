"""The report context: everything a report template can use (documented in
templates/README.md), built from the one `Assessment`.

The numbers are the ones the library computed, unrounded; templates only arrange and format
them. The context holds the community and its survey, the inventory and the factors it used, the
evaluation and its gaps, the pathways and the priorities drawn from them (their costs as
`outputs.costs_context` shows them), the funding policies the report points to, the provenance
of every surveyed value and the survey's issues.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon_cli.core.i18n import term
from carbon_cli.outputs.costs_context import cost_context
from carbon_cli.planning.policies import Policy, expired, load_policies
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.model import ASSESSMENT, BASELINE

if TYPE_CHECKING:
    from carbon_cli.accounting.inventory import Inventory
    from carbon_cli.planning.pathway import Pathway
    from carbon_cli.scoring.assessment import Assessment
    from carbon_cli.scoring.evaluation import ControlResult, Gap, ItemResult

# ---------------------------------------------------------------------------
# Funding policies
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyMatch:
    """A policy and why it concerns this community."""

    policy: Policy
    measures: tuple[str, ...]  # pathway measures it can help pay for
    items: tuple[str, ...]  # scored items with a gap it relates to


def policies_for(a: Assessment) -> list[PolicyMatch]:
    """Policies linked to the measures of `a`'s pathways or to its scored items with a gap,
    and every policy rewarding accepted pilots."""
    measures = list(dict.fromkeys(s.measure.key for p in a.pathways.values() for s in p.steps))
    items = [i.criterion.key for i in a.evaluation.gaps if i.status == "scored"]
    found = []
    for policy in load_policies():
        match = PolicyMatch(
            policy, tuple(m for m in measures if m in policy.measures), tuple(k for k in items if k in policy.items)
        )
        if policy.pilot_award or match.measures or match.items:
            found.append(match)
    return found


# ---------------------------------------------------------------------------
# The report context
# ---------------------------------------------------------------------------

LAYOUTS = {
    "form": ("分专题表，每个专题一张工作表", "form, one sheet per topic"),
    "table": ("汇总表，每个社区每年一行", "table, one row per community and year"),
}
IDENTITY = (
    "community_id",
    "community_name",
    "street",
    "district",
    "resident_population",
    "households",
    "service_population",
    "land_area_m2",
    "gfa_total_m2",
    "gfa_residential_m2",
    "buildings_total",
)


def _t(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _field(key: str, lang: str) -> dict[str, Any]:
    return dict(_field_entry(key, lang))


@cache  # the same few hundred fields in every report of a batch
def _field_entry(key: str, lang: str) -> dict[str, Any]:
    spec = dictionary().get(key)
    return {
        "key": key,
        "label": spec.label(lang) if spec else key,
        "unit": spec.unit_label(lang) if spec else "",
        "dimension": spec.dimension if spec else "",
    }


def _digits(unit: str) -> int:
    """Decimals that suit a metric's unit: per-capita tonnes need more than a percentage."""
    return 3 if "person" in unit else 0 if unit in ("events/yr", "") else 1


def _gap(gap: Gap | None, a: Assessment, lang: str) -> dict[str, Any] | None:
    if gap is None:
        return None
    return {
        "target": gap.target,
        "distance": gap.distance,
        "direction": gap.direction,
        "comparator": {"increase": "≥", "decrease": "≤"}.get(gap.direction, ""),
        "points": gap.points_recoverable,
        "score_points": gap.score_recoverable,  # the 0–100 scale of the score and of the pathways
        "target_for_pass": gap.target_for_pass,
        "target_for_excellent": gap.target_for_excellent,
        # with the surveyed value, so a template can tell which yes/no field is still "no"
        "fields": [{**_field(k, lang), "value": a.survey.assessment.get(k)} for k in gap.fields],
    }


def _criterion(result: ControlResult | ItemResult, a: Assessment, lang: str) -> dict[str, Any]:
    c = result.criterion
    return {
        "key": c.key,
        "name": c.label(lang),
        "status": result.status,
        "value": result.value,
        "unit": c.unit_label(lang),
        "percent": c.unit == "%",
        "digits": _digits(c.unit),
        "signed": "change" in c.metric.kind,  # a change between years: show "+" on a rise
        "rule": c.rule,
        "reason": result.reason,
        "source_status": c.status,
        "source": c.source,
        "assumed": c.status == "assumed",
        "gap": _gap(result.gap, a, lang),
        "inputs": [_field(k, lang) for k in c.metric.inputs],
    }


def _control(result: ControlResult, a: Assessment, lang: str) -> dict[str, Any]:
    c = result.criterion
    return {
        **_criterion(result, a, lang),
        "kind": "control",
        "target": c.target,
        "comparator": {"at_least": "≥", "at_most": "≤"}.get(c.rule, ""),
    }


def _item(result: ItemResult, a: Assessment, lang: str) -> dict[str, Any]:
    c, ev = result.criterion, a.evaluation
    if c.rule == "boolean" or (c.rule == "met" and c.comparison == "is_true"):
        full_at: float | bool | None = True
    elif c.rule == "met":
        full_at = c.target
    elif c.rule == "steps":
        full_at = min((t for t, p in c.steps if p >= c.points), default=None)
    else:
        full_at = c.full
    return {
        **_criterion(result, a, lang),
        "kind": "item",
        "category": c.category,
        "category_label": ev.criteria.category(c.category).label(lang),
        "points": result.points,
        "max_points": result.max_points,
        "criterion_points": c.points,
        "zero": c.zero,
        "full": c.full,
        "full_at": full_at,
        "comparator": "≤" if c.lower_is_better else "" if full_at is True else "≥",
        "steps": [{"at_least": t, "points": p} for t, p in c.steps],
    }


def _totals(inv: Inventory) -> dict[str, Any]:
    return {
        "year": inv.year,
        "gross_tco2e": inv.gross_tco2e,
        "sinks_tco2e": inv.sinks_tco2e,
        "net_tco2e": inv.net_tco2e,
        "per_capita_tco2e": inv.per_capita_tco2e,
        "per_m2_kgco2e": inv.per_m2_kgco2e,
        "resident_population": inv.resident_population,
        "complete": inv.complete,
    }


def _change_pct(now: float | None, before: float | None) -> float | None:
    return None if now is None or not before else 100 * (now - before) / before


def _inventory(a: Assessment, lang: str) -> dict[str, Any]:
    inv, base = a.inventory, a.baseline_inventory
    gross = inv.gross_tco2e
    lines = [
        {
            "key": line.key,
            "label": term(line.key, lang),
            "tco2e": line.tco2e,
            "baseline_tco2e": base.sources.get(line.key) if base else None,
            "share_pct": 100 * line.tco2e / gross if gross > 0 else None,
        }
        for line in inv.lines
    ]
    not_surveyed = [
        {
            **_field(k, lang),
            "sources": [term(line.key, lang) for line in (*inv.lines, inv.sinks) if k in line.not_surveyed],
        }
        for k in inv.not_surveyed
    ]
    baseline = _totals(base) if base else None
    return {
        **_totals(inv),
        "lines": lines,
        "sinks_label": term("sinks", lang),
        "baseline": baseline,
        "change_pct": {
            k: _change_pct(getattr(inv, k), getattr(base, k))
            for k in ("gross_tco2e", "net_tco2e", "per_capita_tco2e", "per_m2_kgco2e")
        }
        if base
        else None,
        "missing_required": [_field(k, lang) for k in inv.missing_required],
        "not_surveyed": not_surveyed,
    }


def _factors(a: Assessment, lang: str) -> list[dict[str, Any]]:
    used = dict.fromkeys(a.inventory.factors_used)
    if a.baseline_inventory:
        used.update(dict.fromkeys(a.baseline_inventory.factors_used))
    return [
        {
            "key": k,
            "label": f.label(lang),
            "value": f.value,
            "unit": f.unit,
            "status": f.status,
            "assumed": f.status == "assumed",
            "source": f.source,
            "origin": f.origin,
        }
        for k, f in ((k, a.factors[k]) for k in used)
    ]


def _evaluation(a: Assessment, lang: str) -> dict[str, Any]:
    ev, cs = a.evaluation, a.criteria
    controls = [_control(c, a, lang) for c in ev.controls]
    items = [_item(i, a, lang) for i in ev.items]
    categories = []
    for cat in cs.categories:
        mine = [i for i in items if i["category"] == cat.key and i["status"] != "na"]
        if mine:
            categories.append(
                {
                    "key": cat.key,
                    "label": cat.label(lang),
                    "earned": sum(i["points"] for i in mine),
                    "available": sum(i["max_points"] for i in mine),
                }
            )
    criteria = [*cs.controls, *cs.items]
    return {
        "criteria": {
            "id": cs.id,
            "name": cs.label(lang),
            "source": cs.source,
            "status": cs.status,
            "description": cs.description(lang),
            "assumed_count": sum(c.status == "assumed" for c in criteria),
            "count": len(criteria),
            "grades": [
                {"key": g.key, "label": g.label(lang), "min_score": g.min_score, "status": g.status} for g in cs.grades
            ],
            # a grade line that is the tool's own rule (the source states none): reports say so
            "grades_assumed": any(g.status == "assumed" for g in cs.grades if g.min_score > 0),
        },
        # the source's indicators no survey field measures: named in the report, never scored
        "not_assessable": [
            {
                "key": x.key,
                "name": x.label(lang),
                "requirement": x.requirement(lang),
                "reason": x.reason(lang),
                "source": x.source,
                "status": x.status,
            }
            for x in cs.not_assessable
        ],
        "score": ev.score,
        "earned": ev.earned,
        "applicable_max": ev.applicable_max,
        "total_points": sum(c.points for c in cs.items),
        "grade": {"key": ev.grade.key, "label": ev.grade.label(lang)},
        "verdict": {"key": ev.verdict, "label": term(ev.verdict, lang)},
        "pass_score": cs.pass_grade.min_score,
        "excellent_score": cs.top_grade.min_score,
        "pass_label": cs.pass_grade.label(lang),
        "excellent_label": cs.top_grade.label(lang),
        "points_to_pass": ev.points_to_pass,
        "points_to_excellent": ev.points_to_excellent,
        "controls": controls,
        "indicators": items,
        "categories": categories,
        "failed_controls": [c for c in controls if c["status"] == "fail"],
        "missing_controls": [c for c in controls if c["status"] == "missing"],
    }


def _pathway(p: Pathway, a: Assessment, evaluation: dict[str, Any], lang: str) -> dict[str, Any]:
    grades = {g.key: g.label(lang) for g in a.criteria.grades}
    failing = {c["key"]: {f["key"] for f in c["inputs"]} for c in evaluation["failed_controls"]}
    values = dict(a.survey.assessment)  # follow the survey through the steps to show before → after
    steps = []
    for step in p.steps:
        changes = [{**_field(k, lang), "before": values.get(k), "after": v} for k, v in step.changes.items()]
        values.update(step.changes)
        steps.append(
            {
                "key": step.measure.key,
                "name": step.measure.label(lang),
                "description": step.measure.description(lang),
                "effort": step.measure.effort,
                "effort_label": term(step.measure.effort, lang),
                "changes": changes,
                "points_gained": step.points_gained,
                "tco2e_reduced": step.tco2e_reduced,
                "score_after": step.score_after,
                "verdict_after": {"key": step.verdict_after, "label": term(step.verdict_after, lang)},
                "grade_after": {"key": step.grade_after, "label": grades.get(step.grade_after, step.grade_after)},
                # failing controls whose inputs this measure changes
                "addresses": [k for k, inputs in failing.items() if inputs & step.changes.keys()],
                "cost": cost_context(step.cost, lang) if step.cost is not None else None,
            }
        )
    missing = {c["key"] for c in evaluation["missing_controls"]}  # no measure supplies missing data
    labels = {
        c.key: _t(
            lang,
            f"控制项 {c.key} {c.label(lang)} {'缺少数据' if c.key in missing else '仍不满足'}",
            f"control {c.key} {c.label(lang)} {'lacks data' if c.key in missing else 'still fails'}",
        )
        for c in a.criteria.controls
    }
    labels["score"] = _t(
        lang,
        f"得分达不到{grades.get(p.target, p.target)}线",
        f"score below the {grades.get(p.target, p.target).lower()} line",
    )
    return {
        "target": p.target,
        "target_label": grades.get(p.target, p.target),
        "target_score": (a.criteria.top_grade if p.target == "excellent" else a.criteria.pass_grade).min_score,
        "status": p.status,
        "status_label": term(p.status, lang),
        "steps": steps,
        "effort": p.effort,
        "score_before": p.score_before,
        "score_after": p.score_after,
        "tco2e_reduced": p.tco2e_reduced,
        "verdict_after": {"key": p.verdict_after, "label": term(p.verdict_after, lang)},
        "blockers": [{"key": k, "label": labels.get(k, k)} for k in p.blockers],
        "applicable_count": len(p.applicable),
        "objective": p.objective,
        "objective_label": term(f"objective_{p.objective}", lang),
        "cost": cost_context(p.cost, lang) if p.cost is not None else None,
        "extras": [
            {"key": e.measure.key, "name": e.measure.label(lang), "cost": cost_context(e.cost, lang)} for e in p.extras
        ],
    }


def _priorities(gaps: list[dict[str, Any]], pathways: dict[str, dict[str, Any]]) -> tuple[str, list[Any]]:
    """The three most valuable things to do: from the pathway to 通过 (or, once there, to 优秀),
    measures that fix a failing control first; without a pathway, the top gaps."""
    for target in ("pass", "excellent"):
        p = pathways.get(target)
        if p and p["status"] == "reachable":
            ranked = sorted(p["steps"], key=lambda s: (not s["addresses"], -s["points_gained"], -s["tco2e_reduced"]))
            return target, ranked[:3]
        if p and p["status"] != "ready":
            break
    return "gaps", gaps[:3]


def _provenance(a: Assessment, lang: str) -> list[dict[str, Any]]:
    s = a.survey
    keys = [f.key for f in dictionary().fields]
    keys += sorted(k for k in {*s.assessment, *(s.baseline or {})} if k not in keys)
    rows = []
    names: dict[str, str] = {}  # each file's name, once (most values come from one file)
    for key in keys:
        row: dict[str, Any] = {**_field(key, lang)}
        for role, values in ((ASSESSMENT, s.assessment), (BASELINE, s.baseline or {})):
            where = s.source(role, key)
            if where and where.file not in names:
                names[where.file] = Path(where.file).name
            row[role] = (
                None
                if key not in values
                else {
                    "value": values[key],
                    "file": names[where.file] if where else "",
                    "sheet": where.sheet if where else None,
                    "cell": where.cell if where else None,
                    "changed": role == ASSESSMENT and key in a.changes,
                }
            )
        if row[ASSESSMENT] or row[BASELINE]:
            rows.append(row)
    return rows


def report_context(
    a: Assessment, lang: str = "zh", date: str | None = None, as_of: str | None = None
) -> dict[str, Any]:
    """Everything a report template can use (documented in templates/README.md)."""
    s, fields = a.survey, dictionary()
    evaluation = _evaluation(a, lang)
    gaps = [*evaluation["failed_controls"], *evaluation["missing_controls"]]
    by_key = {i["key"]: i for i in evaluation["indicators"]}
    gaps += [by_key[i.criterion.key] for i in a.evaluation.gaps]
    pathways = {k: _pathway(p, a, evaluation, lang) for k, p in a.pathways.items()}
    priorities_from, priorities = _priorities(gaps, pathways)
    labels = {c.key: c.label(lang) for c in a.criteria.items}
    measure_labels = {st.measure.key: st.measure.label(lang) for p in a.pathways.values() for st in p.steps}
    policies = [
        {
            "key": m.policy.key,
            "name": _t(lang, m.policy.name, m.policy.name_en),
            "name_zh": m.policy.name,
            "doc_no": m.policy.doc_no,
            "issuer": _t(lang, m.policy.issuer, m.policy.issuer_en),
            "date": m.policy.date,
            "date_note": _t(lang, m.policy.date_note_zh, m.policy.date_note_en),
            "valid_until": m.policy.valid_until,
            "expired": expired(m.policy.valid_until, as_of),
            "funds": _t(lang, m.policy.funds_zh, m.policy.funds_en),
            "pilot_award": m.policy.pilot_award,
            "measures": [{"key": k, "label": measure_labels[k]} for k in m.measures],
            "indicators": [{"key": k, "label": labels[k]} for k in m.items],
            "source": m.policy.source,
            "status": m.policy.status,
        }
        for m in policies_for(a)
    ]
    topics = [
        {
            "key": t.key,
            "label": t.label(lang),
            "fields": len(specs),
            "assessment": sum(f.key in s.assessment for f in specs),
            "per_year": sum(f.per_year for f in specs),
            "baseline": sum(f.key in s.baseline for f in specs) if s.baseline is not None else None,
        }
        for t in fields.topics
        for specs in [fields.by_topic(t.key)]
    ]
    return {
        "lang": lang,
        "date": date,
        "as_of": as_of,
        "assessment": a,
        "community": {k: s.assessment.get(k) for k in IDENTITY} | {"name": s.name, "id": s.community_id},
        "survey": {
            "file": Path(s.file).name,
            "path": s.file,
            "layout": s.layout,
            "layout_label": _t(lang, *LAYOUTS.get(s.layout, (s.layout, s.layout))),
            "assessment_year": s.assessment_year,
            "baseline_year": s.baseline_year,
            "topics": topics,
        },
        "changes": [{**_field(k, lang), "value": v} for k, v in a.changes.items()],
        "factor_set": {"id": a.factors.id, "name": a.factors.label(lang)},
        "inventory": _inventory(a, lang),
        "factors": _factors(a, lang),
        "evaluation": evaluation,
        "gaps": gaps,
        "fields_to_collect": [_field(k, lang) for k in a.evaluation.fields_to_collect],
        "pathways": pathways,
        "robustness": a.robustness.to_dict(lang) if a.robustness else None,
        "priorities_from": priorities_from,
        "priorities": priorities,
        "policies": policies,
        "provenance": _provenance(a, lang),
        "issues": [
            {**i.to_dict(lang), "file": Path(i.location.file).name, "severity_label": term(i.severity, lang)}
            for i in s.issues
        ],
    }

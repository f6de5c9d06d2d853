"""A community's plan as data (`carbon plan … --save-plan plan.json`): the chosen pathway, each
measure with the survey changes it should bring (field, value before, value after), its cost,
the score and emissions the plan expects year by year, and when the plan was made.

`carbon track` reads it back (`load_plan`) and judges each year's survey against it; the file is
plain JSON so a district can keep it beside the surveys, read it and diff it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.i18n import Bilingual
from carbon_cli.core.resources import load_toml
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.model import ASSESSMENT, BASELINE, Survey

if TYPE_CHECKING:
    from collections.abc import Callable

    from carbon_cli.planning.pathway import Pathway
    from carbon_cli.planning.pricing import Planning
    from carbon_cli.scoring.assessment import Assessment

KIND = "carbon-cli plan"
SCHEMA_VERSION = 1
_KIND_WORDS = Bilingual("计划", "plan")


@dataclass(frozen=True)
class Change:
    """One survey field a measure should change: its value before the measure and after it."""

    field: str
    before: Any  # None: not surveyed before
    after: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "from": self.before, "to": self.after}


@dataclass(frozen=True)
class PlannedMeasure:
    key: str
    zh: str
    en: str
    action: str
    effort: str
    changes: tuple[Change, ...]
    points_gained: float
    tco2e_reduced: float
    score_after: float
    cost: dict[str, Any] | None = None  # the step's cost (the `carbon plan --format json` form)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def change(self, key: str) -> Change | None:
        return next((c for c in self.changes if c.field == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "zh": self.zh,
            "en": self.en,
            "action": self.action,
            "effort": self.effort,
            "changes": [c.to_dict() for c in self.changes],
            "points_gained": self.points_gained,
            "tco2e_reduced": self.tco2e_reduced,
            "score_after": self.score_after,
            "cost": self.cost,
        }


@dataclass(frozen=True)
class YearTarget:
    """What the plan expects of one year: the score and the net emissions."""

    year: int
    score: float
    net_tco2e: float

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "score": self.score, "net_tco2e": self.net_tco2e}


@dataclass(frozen=True)
class Plan:
    community_id: str
    community_name: str
    street: str | None
    district: str | None
    survey_file: str
    made_on: str  # ISO date the plan was made (the --as-of day)
    base_year: int  # the surveyed year the plan starts from
    acceptance_year: int
    target: str  # pass | excellent
    bands: dict[str, float]  # grade key → least score, from the criteria set
    criteria_set: str
    factor_set: str
    cost_set: str
    objective: str
    status: str  # ready | reachable | not_feasible
    score_before: float
    score_after: float
    net_tco2e_before: float
    tco2e_reduced: float
    measures: tuple[PlannedMeasure, ...]
    trajectory: tuple[YearTarget, ...]
    cost: dict[str, Any] | None = None
    pilot_award_yuan: float | None = None
    file: str | None = None  # where it was read from
    extra: dict[str, Any] = field(default_factory=dict)

    def expected(self, year: int) -> YearTarget | None:
        return next((y for y in self.trajectory if y.year == year), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": KIND,
            "schema_version": SCHEMA_VERSION,
            "community": {
                "id": self.community_id,
                "name": self.community_name,
                "street": self.street,
                "district": self.district,
                "file": self.survey_file,
            },
            "made_on": self.made_on,
            "base_year": self.base_year,
            "acceptance_year": self.acceptance_year,
            "target": self.target,
            "bands": self.bands,
            "criteria_set": self.criteria_set,
            "factor_set": self.factor_set,
            "cost_set": self.cost_set,
            "objective": self.objective,
            "status": self.status,
            "score_before": self.score_before,
            "score_after": self.score_after,
            "net_tco2e_before": self.net_tco2e_before,
            "tco2e_reduced": self.tco2e_reduced,
            "measures": [m.to_dict() for m in self.measures],
            "trajectory": [y.to_dict() for y in self.trajectory],
            "cost": self.cost,
            "pilot_award_yuan": self.pilot_award_yuan,
        }


def as_judged(survey: Survey) -> Survey:
    """The survey as its acceptance will judge it: against its baseline year, or, when it has
    none, against itself (the year the plan starts from is the pilot's baseline; reductions
    since then earn points). A plan to follow is searched on this, so a pathway that reaches
    通过 on paper still reaches it when the baseline items count."""
    if survey.baseline is not None or survey.assessment_year is None:
        return survey
    fields = dictionary()
    own = {k: v for k, v in survey.assessment.items() if (spec := fields.get(k)) is not None and spec.per_year}
    sources = {**survey.sources}
    for key in own:
        where = survey.sources.get(f"{ASSESSMENT}.{key}")
        if where is not None:
            sources[f"{BASELINE}.{key}"] = where
    assessment = {**survey.assessment, "baseline_year": survey.assessment_year}
    return replace(survey, assessment=assessment, baseline=own, sources=sources)


def build_years() -> int:
    """Years from the plan to acceptance when none is given (data/monitoring.toml)."""
    return int(load_toml("monitoring.toml")["acceptance"]["build_years"]["value"])


def make_plan(base: Assessment, pathway: Pathway, planning: Planning, acceptance_year: int | None = None) -> Plan:
    """The plan of `pathway` (found and priced for `base`), made on the planning's day."""
    survey = base.survey
    base_year = survey.assessment_year
    if base_year is None:
        raise CarbonError(
            "bad_data_file",
            kind=_KIND_WORDS,
            path=survey.file,
            detail=Bilingual("调研表没有评价年份，无法制定逐年计划", "the survey has no assessment year to plan from"),
        )
    due = acceptance_year if acceptance_year is not None else base_year + build_years()
    if due <= base_year:
        raise CarbonError(
            "bad_data_file",
            kind=_KIND_WORDS,
            path=survey.file,
            detail=Bilingual(
                f"验收年 {due} 应晚于基准年 {base_year}", f"acceptance year {due} is not after {base_year}"
            ),
        )
    values = dict(survey.assessment)
    measures = []
    for step in pathway.steps:
        changes = tuple(Change(k, values.get(k), v) for k, v in step.changes.items())
        values.update(step.changes)
        m = step.measure
        measures.append(
            PlannedMeasure(
                m.key,
                m.zh,
                m.en,
                m.action,
                m.effort,
                changes,
                step.points_gained,
                step.tco2e_reduced,
                step.score_after,
                step.cost.to_dict() if step.cost is not None else None,
            )
        )
    before = base.inventory.net_tco2e
    reduced = pathway.tco2e_reduced if pathway.status == "reachable" else 0.0
    after_score = pathway.score_after if pathway.status == "reachable" else base.score
    span = due - base_year
    trajectory = tuple(
        YearTarget(
            year,
            base.score + (after_score - base.score) * (year - base_year) / span,
            before - reduced * (year - base_year) / span,
        )
        for year in range(base_year, due + 1)
    )
    award = planning.costs.award.value.typical if planning.costs.award else None
    return Plan(
        community_id=survey.community_id,
        community_name=survey.name,
        street=survey.assessment.get("street"),
        district=survey.assessment.get("district"),
        survey_file=survey.file,
        made_on=planning.on_day,
        base_year=base_year,
        acceptance_year=due,
        target=pathway.target,
        bands={g.key: g.min_score for g in base.criteria.grades if g.min_score > 0},
        criteria_set=base.criteria.id,
        factor_set=base.factors.id,
        cost_set=planning.costs.id,
        objective=pathway.objective,
        status=pathway.status,
        score_before=base.score,
        score_after=after_score,
        net_tco2e_before=before,
        tco2e_reduced=reduced,
        measures=tuple(measures),
        trajectory=trajectory,
        cost=pathway.cost.to_dict() if pathway.cost is not None else None,
        pilot_award_yuan=award,
    )


def load_plan(path: Path | str) -> Plan:
    """A plan file written by `carbon plan --save-plan`; `bad_data_file` naming what is wrong."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise _bad(path, exc.strerror or str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad(path, str(exc)) from None
    try:
        return _plan(data, str(path))
    except KeyError as exc:
        raise _bad(path, f"missing {exc}") from None
    except (TypeError, ValueError) as exc:
        raise _bad(path, str(exc)) from None


def load_plans(paths: list[Path], keep: Callable[[Plan], Plan] | None = None) -> list[Plan]:
    """The plans of `paths`: plan files, and every *.json of a folder (in name order); with
    `keep`, what it keeps of each plan, as each is read (not every plan whole first)."""
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    return [load_plan(f) if keep is None else keep(load_plan(f)) for f in files]


def _bad(path: Path, detail: str) -> CarbonError:
    return CarbonError("bad_data_file", kind=_KIND_WORDS, path=str(path), detail=detail)


def _plan(data: Any, file: str) -> Plan:
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise ValueError(f'not a carbon-cli plan (no "kind": "{KIND}")')
    if data.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"schema_version {data.get('schema_version')!r}, expected {SCHEMA_VERSION}")
    community = data["community"]
    measures = tuple(
        PlannedMeasure(
            str(m["key"]),
            str(m.get("zh", m["key"])),
            str(m.get("en", m["key"])),
            str(m["action"]),
            str(m.get("effort", "")),
            tuple(Change(str(c["field"]), c.get("from"), c["to"]) for c in m["changes"]),
            float(m.get("points_gained", 0.0)),
            float(m.get("tco2e_reduced", 0.0)),
            float(m.get("score_after", 0.0)),
            m.get("cost"),
        )
        for m in data["measures"]
    )
    trajectory = tuple(YearTarget(int(y["year"]), float(y["score"]), float(y["net_tco2e"])) for y in data["trajectory"])
    base_year, due = int(data["base_year"]), int(data["acceptance_year"])
    if due <= base_year:
        raise ValueError(f"acceptance_year {due} is not after base_year {base_year}")
    return Plan(
        community_id=str(community["id"]),
        community_name=str(community.get("name") or community["id"]),
        street=community.get("street"),
        district=community.get("district"),
        survey_file=str(community.get("file", "")),
        made_on=str(data["made_on"]),
        base_year=base_year,
        acceptance_year=due,
        target=str(data["target"]),
        bands={str(k): float(v) for k, v in data["bands"].items()},
        criteria_set=str(data["criteria_set"]),
        factor_set=str(data["factor_set"]),
        cost_set=str(data.get("cost_set", "")),
        objective=str(data.get("objective", "")),
        status=str(data["status"]),
        score_before=float(data["score_before"]),
        score_after=float(data["score_after"]),
        net_tco2e_before=float(data["net_tco2e_before"]),
        tco2e_reduced=float(data["tco2e_reduced"]),
        measures=measures,
        trajectory=trajectory,
        cost=data.get("cost"),
        pilot_award_yuan=data.get("pilot_award_yuan"),
        file=file,
    )

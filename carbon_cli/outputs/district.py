"""A district's result: what a batch was run with (`BatchOptions`), what it keeps of each
community (compact `Row`s, ranked), what failed and why, and the rows every batch output is
written from. The batch builds it; the summary, results files and terminal render it."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, ClassVar, Protocol

from carbon_cli.survey.container import Limits
from carbon_cli.survey.issues import Issue

if TYPE_CHECKING:
    from carbon_cli.scoring.assessment import Assessment
    from carbon_cli.scoring.comparison import Comparison


@dataclass
class CacheStats:
    files_read: int = 0  # workbooks parsed
    files_reused: int = 0  # workbooks whose communities all came from the cache, not parsed
    assessed: int = 0  # communities assessed
    reused: int = 0  # communities whose results came from the cache


class Sink(Protocol):
    """Where a batch writes its files as it makes them (an OutputFolder)."""

    def write(self, name: str, data: bytes) -> None: ...

    def open(self, name: str) -> contextlib.AbstractContextManager[IO[bytes]]: ...


@dataclass(frozen=True)
class BatchOptions:
    criteria: str | None = None
    factors: str | None = None
    measures: str | None = None
    year: int | None = None
    limits: Limits = field(default_factory=Limits)
    lang: str = "zh"
    pathways: bool = True
    reports: bool = True
    template: str | None = None
    date: str | None = None  # printed on the reports
    as_of: str | None = None  # the day subsidies are judged on (None: today)
    report_formats: tuple[str, ...] = ("md",)  # each report, and the summary, in md / html / docx
    # planning: what a pathway minimises and how it is priced (planning/pricing.py)
    costs: str | None = None
    objective: str = "lifecycle"
    years: int | None = None
    discount_rate: float | None = None
    include_expired: bool = False
    budget: Any = None  # planning.investment.Budget (caps in yuan) for the investment plan, or None
    # a second criteria set every community is also judged under (--compare-criteria), or None
    compare_criteria: str | None = None
    plans: tuple[str, ...] = ()  # plan files or folders of them (--plans): the pilots followed by year
    # (community ID, Markdown chapter): each pilot's progress by year, with charts, in its report
    tracked: tuple[tuple[str, str], ...] = ()

    @property
    def on(self) -> str:
        """The ISO date subsidies and policies are judged on: --as-of, else today."""
        from carbon_cli.planning.policies import judged_on

        return judged_on(self.as_of)


@dataclass(frozen=True)
class Failure:
    """A file, or one community in it, that could not be assessed, and why."""

    file: str
    community: str | None
    issues: tuple[Issue, ...]

    def reason(self, lang: str = "zh") -> str:
        errors = [i for i in self.issues if i.is_error] or list(self.issues)
        first = errors[0]
        where = ", ".join(x for x in (first.location.sheet, first.location.cell) if x)
        text = first.message(lang) + (f" ({where})" if where else "")
        return text + (f" (+{len(errors) - 1})" if len(errors) > 1 else "")


class Row(Mapping[str, Any]):
    """A read-only row: values under a tuple of keys shared by every row of its shape. A batch
    keeps two rows a community; as dicts they were 4.6 KB a community (460 MB for 100,000), as
    rows about a quarter of that."""

    __slots__ = ("_index", "_keys", "_values")
    _shapes: ClassVar[dict[tuple[str, ...], tuple[tuple[str, ...], dict[str, int]]]] = {}

    def __init__(self, keys: tuple[str, ...], values: tuple[Any, ...]) -> None:
        shape = Row._shapes.get(keys)
        if shape is None:
            shape = Row._shapes[keys] = (keys, {k: i for i, k in enumerate(keys)})
        self._keys, self._index = shape
        self._values = values

    @classmethod
    def of(cls, data: dict[str, Any]) -> Row:
        """`data` as a Row, its lists as tuples. Dicts within stay dicts: small, and pickled (to
        the cache, from the workers) by C code where a Row takes a Python call."""
        return cls(tuple(data), tuple([_frozen(v) if type(v) is list else v for v in data.values()]))

    def as_dict(self) -> dict[str, Any]:
        return dict(zip(self._keys, self._values, strict=True))

    def __getitem__(self, key: str) -> Any:
        return self._values[self._index[key]]

    def get(self, key: str, default: Any = None) -> Any:
        i = self._index.get(key)
        return default if i is None else self._values[i]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._values)

    def __reduce__(self) -> tuple[Any, ...]:
        return Row, (self._keys, self._values)  # one shared keys tuple: pickled once per dump

    def __repr__(self) -> str:
        return f"Row({dict(self)!r})"


def _frozen(items: list[Any]) -> tuple[Any, ...]:
    return tuple([_frozen(v) if type(v) is list else v for v in items])


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a community's assessment leaves for the batch (and what the cache keeps): its rank
    key, its results row and summary row (without rank and report name), and its reports."""

    sort_key: tuple[Any, ...]
    row: Row
    summary: Row
    reports: dict[str, bytes]  # file extension → bytes

    def __reduce__(self) -> tuple[Any, ...]:  # one call, not a slotted dataclass's state dict
        return Outcome, (self.sort_key, self.row, self.summary, self.reports)


@dataclass(slots=True)
class CommunityResult:
    rank: int
    report_name: str | None  # path inside the output folder
    row: Row  # results.csv/xlsx/json columns but rank and report
    summary: Row  # the summary report's row but rank and report

    @property
    def community_id(self) -> str:
        return self.row["community_id"]

    @property
    def verdict(self) -> str:
        return self.row["verdict"]

    @property
    def feasibility(self) -> str:
        return self.row["feasibility"]


@dataclass
class BatchResult:
    results: list[CommunityResult]
    failures: list[Failure]
    notes: list[Issue]  # duplicates with identical data, merged
    files: int
    criteria: Any = None  # the sets the run used
    factors: Any = None
    cache: CacheStats | None = None
    investment: Any = None  # planning.investment.Investment, when pathways were searched
    compared: Any = None  # the criteria set of --compare-criteria, when given
    progress: Any = None  # monitoring.district.DistrictProgress, with --plans over several years

    @property
    def ok(self) -> bool:
        return not self.failures


def feasibility(a: Assessment) -> str:
    if a.verdict == "incomplete":
        return "incomplete"
    pathway = a.pathways.get("pass")
    if a.verdict == "eligible":
        return "ready"
    return pathway.status if pathway else "unknown"


def rank_key(a: Assessment) -> tuple[Any, ...]:
    """Eligible first; then the least weight to 通过 (life-cycle cost by default, upfront cost or
    effort with --objective); then the highest score; then the ID."""
    pathway = a.pathways.get("pass")
    if a.verdict == "eligible":
        weight = 0.0
    elif a.verdict == "incomplete" or pathway is None or pathway.status != "reachable":
        weight = math.inf
    else:
        weight = round(pathway.weight, 6)
    return (a.verdict != "eligible", weight, -round(a.score, 9), a.survey.community_id)


RESULT_COLUMNS = [
    "rank",
    "community_id",
    "community_name",
    "street",
    "district",
    "assessment_year",
    "baseline_year",
    "net_tco2e",
    "per_capita_tco2e",
    "score",
    "grade",
    "verdict",
    "feasibility",
    "robust",
    "flips_on",
    "pathway_measures",
    "pathway_measure_names",
    "pathway_effort",
    "pathway_upfront_yuan",
    "pathway_subsidy_yuan",
    "pathway_annual_net_yuan",
    "pathway_net_cost_yuan",
    "appraisal_years",
    "pathway_running_over_upfront",
    "pathway_tco2e_reduced",
    "score_after_pathway",
    "failed_controls",
    "top_gaps",
    "report",
    "source_file",
]


# with --compare-criteria B: each community's verdict and score under B, and what makes them differ
COMPARE_COLUMNS = ["compare_criteria", "compare_score", "compare_verdict", "compare_agrees", "compare_items"]


def result_columns(batch: BatchResult) -> list[str]:
    """The columns of results.csv/xlsx/json: the comparison's only when the batch compared."""
    return RESULT_COLUMNS if batch.compared is None else [*RESULT_COLUMNS, *COMPARE_COLUMNS]


FAILURE_COLUMNS = ["file", "community_id", "reason"]


FAILING = frozenset(("fail", "missing"))  # a control's statuses that fail a verdict


def differences(c: Comparison, lang: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What accounts for the difference of `c` (scoring/comparison.py): the items whose share of the
    score differs, largest first, and the controls that fail under one set and not the other (a
    control of one set only that passes changes no verdict)."""
    names = {x.key: x.label(lang) for x in (*c.a.criteria.controls, *c.b.criteria.controls)}
    items = [{"key": i.key, "name": i.label(lang), "delta": i.delta} for i in c.items]
    controls = [
        {"key": k, "name": names.get(k, k), "status_a": x, "status_b": y}
        for k, x, y in c.controls
        if (x in FAILING) != (y in FAILING)
    ]
    return items, controls


def compare_fields(c: Comparison, lang: str) -> dict[str, Any]:
    """A community's results columns under the second set (COMPARE_COLUMNS)."""
    from carbon_cli.core.i18n import term

    items, controls = differences(c, lang)
    parts = [f"{i['key']} {i['name']} ({i['delta']:+.1f})" for i in items]
    parts += [f"{x['key']} {x['name']} ({term(x['status_a'], lang)}→{term(x['status_b'], lang)})" for x in controls]
    return {
        "compare_criteria": c.b.criteria.id,
        "compare_score": c.b.score,
        "compare_verdict": c.b.verdict,
        "compare_agrees": c.agree,
        "compare_items": "; ".join(parts),
    }


def result_row(a: Assessment, fit: str, lang: str, comparison: Comparison | None = None) -> dict[str, Any]:
    """A community's results row, but its rank and report name (known once all are ranked); with
    `comparison`, its verdict and score under the second set too."""
    s, ev = a.survey, a.evaluation
    pathway = a.pathways.get("pass")
    gaps = [
        f"{i.criterion.key} {i.criterion.label(lang)} (+{i.gap.score_recoverable:.1f})" for i in ev.gaps[:3] if i.gap
    ]
    return {
        "community_id": s.community_id,
        "community_name": s.name,
        "street": s.assessment.get("street"),
        "district": s.assessment.get("district"),
        "assessment_year": s.assessment_year,
        "baseline_year": s.baseline_year,
        "net_tco2e": a.inventory.net_tco2e,
        "per_capita_tco2e": a.inventory.per_capita_tco2e,
        "score": ev.score,
        "grade": ev.grade.key,
        "verdict": a.verdict,
        "feasibility": fit,
        "robust": a.robustness.robust if a.robustness else None,
        "flips_on": a.robustness.flips_on() if a.robustness else "",
        "pathway_measures": " ".join(m.key for m in pathway.measures) if pathway else None,
        "pathway_measure_names": ("、" if lang == "zh" else ", ").join(m.label(lang) for m in pathway.measures)
        if pathway
        else None,
        "pathway_effort": pathway.effort if pathway and pathway.status == "reachable" else None,
        "pathway_upfront_yuan": pathway.cost.upfront.typical if pathway and pathway.cost is not None else None,
        "pathway_subsidy_yuan": pathway.cost.subsidy.typical if pathway and pathway.cost is not None else None,
        "pathway_annual_net_yuan": pathway.cost.annual_net.typical if pathway and pathway.cost is not None else None,
        "pathway_net_cost_yuan": pathway.cost.net_cost.typical if pathway and pathway.cost is not None else None,
        "appraisal_years": pathway.cost.terms.years if pathway and pathway.cost is not None else None,
        # the measures whose running cost over the period exceeds their upfront cost
        "pathway_running_over_upfront": " ".join(
            s.measure.key for s in pathway.steps if s.cost is not None and s.cost.running_exceeds_upfront
        )
        if pathway and pathway.cost is not None
        else None,
        "pathway_tco2e_reduced": pathway.tco2e_reduced if pathway and pathway.status == "reachable" else None,
        "score_after_pathway": pathway.score_after if pathway else None,
        "failed_controls": " ".join(c.criterion.key for c in ev.failed_controls),
        "top_gaps": "; ".join(gaps),
        "source_file": s.file,
        **(compare_fields(comparison, lang) if comparison is not None else {}),
    }


def output_row(r: CommunityResult) -> dict[str, Any]:
    return {"rank": r.rank, **r.row.as_dict(), "report": r.report_name}


def failure_row(f: Failure, lang: str) -> dict[str, Any]:
    return {"file": f.file, "community_id": f.community, "reason": f.reason(lang)}


def results_dict(batch: BatchResult, options: BatchOptions) -> dict[str, Any]:
    """results.json: its "results" made as they are written (serialize.Rows)."""
    from carbon_cli.core.jsonio import Rows

    lang = options.lang
    columns = result_columns(batch)
    compared = {}
    if batch.compared is not None:
        agree = sum(1 for r in batch.results if r.row["compare_agrees"])
        compared = {"compare_criteria_set": batch.compared.id, "compare_agree": agree}
    return {
        "criteria_set": batch.criteria.id if batch.results else options.criteria,
        **compared,
        "factor_set": batch.factors.id if batch.results else options.factors,
        "files": batch.files,
        "communities": len(batch.results),
        "counts": verdict_counts(batch),
        "results": Rows({c: row[c] for c in columns} for row in map(output_row, batch.results)),
        "failures": [{**failure_row(f, lang), "issues": [i.to_dict(lang) for i in f.issues]} for f in batch.failures],
        "duplicates_merged": [i.to_dict(lang) for i in batch.notes],
        "investment_plan": batch.investment.to_dict() if batch.investment is not None else None,
    }


def verdict_counts(batch: BatchResult) -> dict[str, int]:
    counts = {k: 0 for k in ("eligible", "not_eligible", "incomplete")}
    for r in batch.results:
        counts[r.verdict] += 1
    return counts

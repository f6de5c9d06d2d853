"""Criteria sets (`data/criteria/*.toml` or a user's file) and their evaluation.

A set has control items (pass / fail / missing / n/a), scored items worth points by a rule
(linear, boolean, steps, met), grade bands and the verdict, and may list the indicators of its
source that no survey field measures (`not_assessable`: named in every report, never scored).
Metrics are built-in quantities of the inventory, one survey field, or a ratio of field sums (in
percent); thresholds live in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from carbon_cli.accounting.inputs import ELECTRICITY_USE, INVENTORY_FIELDS
from carbon_cli.core.datafiles import DataSet, Malformed, builtin_ids, locate, read_toml, require, set_names, status_of
from carbon_cli.core.errors import CarbonError
from carbon_cli.scoring.metrics import BUILTIN_METRICS
from carbon_cli.survey.fields import dictionary

DEFAULT_SET = "sz-nzc-community"
FOLDER = "criteria"
CRITERIA_KIND = "评价标准/criteria set"  # what `locate` calls a set it cannot find

CONTROL_RULES = ("complete", "is_true", "at_least", "at_most")
ITEM_RULES = ("linear", "boolean", "steps", "met")
# `met`: all the item's points when the value reaches its target (comparison at_least / at_most;
# a yes/no metric: when it is yes), none otherwise. A published target list without points is a
# set of `met` items worth 1 point each, so the score is the share of targets met (%), and its
# grade bands say how many must be met (min_score = 100 × N / M).
MET_COMPARISONS = ("at_least", "at_most", "is_true")


@dataclass(frozen=True)
class Metric:
    kind: str  # a builtin name, "field", "ratio" or "all_true"
    fields: tuple[str, ...] = ()  # field / all_true
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()

    @property
    def is_bool(self) -> bool:
        if self.kind == "field":
            spec = dictionary().get(self.fields[0])
            return bool(spec and spec.type == "bool")
        return self.kind in ("all_true", "required_fields")

    @cached_property
    def needs_baseline(self) -> bool:
        return BUILTIN_METRICS.get(self.kind, ("", False, ""))[1]

    @property
    def uses_inventory(self) -> bool:
        return self.kind in (
            "per_capita_tco2e",
            "per_capita_change_tco2e",
            "per_capita_reduction_pct",
            "sinks_share_pct",
            "per_m2_kgco2e",
        )

    @cached_property
    def reads(self) -> frozenset[str]:
        """Every assessment-year field the metric's value depends on (the inventory's fields for a
        metric of the inventory): a change to any other field leaves the value as it was."""
        if self.kind == "required_fields":
            return frozenset(s.key for s in dictionary().required)
        if self.uses_inventory:
            return INVENTORY_FIELDS | frozenset(self.inputs)
        return frozenset(self.inputs)

    @property
    def inputs(self) -> tuple[str, ...]:
        """Survey fields the metric reads (what to collect when it is missing)."""
        if self.kind in ("field", "all_true"):
            return self.fields
        if self.kind == "ratio":
            return (*self.numerator, *self.denominator)
        return {
            "renewable_electricity_pct": ("pv_generation_kwh", "green_power_kwh", *ELECTRICITY_USE),
            "public_elec_reduction_pct": ("elec_public_area_kwh",),
            "sinks_share_pct": ("tree_green_m2", "shrub_lawn_m2", "tree_count"),
        }.get(self.kind, ())


@dataclass(frozen=True)
class Criterion:
    """A control item or a scored item."""

    key: str
    zh: str
    en: str
    metric: Metric
    rule: str
    unit: str
    unit_zh: str
    source: str
    status: str
    category: str = ""
    points: float = 0.0
    zero: float | None = None
    full: float | None = None
    target: float | None = None
    steps: tuple[tuple[float, float], ...] = ()
    comparison: str = ""  # rule `met`: at_least | at_most | is_true
    # published low/high of a figure ("zero", "full", "points", "target", "steps[0]"), from the
    # entry's `ranges` table; a figure not listed gets the default range of its status
    # (not compared: a criteria workbook does not carry them yet)
    ranges: tuple[tuple[str, float, float], ...] = field(default=(), compare=False)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def unit_label(self, lang: str = "zh") -> str:
        return self.unit_zh if lang == "zh" else self.unit

    @property
    def lower_is_better(self) -> bool:
        if self.rule == "met":
            return self.comparison == "at_most"
        return self.rule == "linear" and self.full is not None and self.zero is not None and self.full < self.zero


@dataclass(frozen=True)
class NotAssessable:
    """An indicator of the source the survey does not collect: listed, with why, never scored."""

    key: str
    zh: str
    en: str
    requirement_zh: str  # the source's target, as it words it
    requirement_en: str
    reason_zh: str  # why the survey cannot assess it
    reason_en: str
    source: str
    status: str

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def requirement(self, lang: str = "zh") -> str:
        return self.requirement_zh if lang == "zh" else self.requirement_en

    def reason(self, lang: str = "zh") -> str:
        return self.reason_zh if lang == "zh" else self.reason_en


@dataclass(frozen=True)
class Grade:
    key: str
    zh: str
    en: str
    min_score: float
    status: str
    source: str

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Category:
    key: str
    zh: str
    en: str

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class CriteriaSet(DataSet):
    source: str
    status: str
    grades: tuple[Grade, ...]  # highest first
    categories: tuple[Category, ...]
    controls: tuple[Criterion, ...]
    items: tuple[Criterion, ...]
    not_assessable: tuple[NotAssessable, ...] = ()

    def grade_for(self, score: float) -> Grade:
        for grade in self.grades:
            if score >= grade.min_score - 1e-9:
                return grade
        return self.grades[-1]

    def grade(self, key: str) -> Grade:
        """The band named `key`; a target the planning names ("pass", "excellent") in a set whose
        bands are named otherwise is its lowest passing band or its top band."""
        found = next((g for g in self.grades if g.key == key), None)
        if found is not None:
            return found
        if key in ("pass", "excellent"):
            return self.pass_grade if key == "pass" else self.top_grade
        raise KeyError(key)

    @property
    def pass_grade(self) -> Grade:
        """The lowest grade that is not failing (通过)."""
        return self.grades[-2] if len(self.grades) > 1 else self.grades[0]

    @property
    def top_grade(self) -> Grade:
        return self.grades[0]

    def category(self, key: str) -> Category:
        return next((c for c in self.categories if c.key == key), Category(key, key, key))


def available() -> list[str]:
    return builtin_ids(FOLDER)


def edited_builtin(c: CriteriaSet) -> bool:
    """Whether `c` is a built-in set edited but still under the built-in id (and names): outputs
    would pass it off as the built-in set."""
    return c.id in available() and load_toml_criteria(c.id) != c


def load_toml_criteria(name_or_path: str | None = None) -> CriteriaSet:
    """A built-in set by id, or a user's TOML file (any of them, or a criteria workbook:
    `criteria_files.load_criteria`)."""
    origin, path = locate(name_or_path or DEFAULT_SET, FOLDER, CRITERIA_KIND)
    try:
        return build_criteria(origin, read_toml(path, "criteria"))
    except Malformed as exc:
        raise CarbonError("bad_data_file", kind="criteria", path=str(path), detail=str(exc)) from None


def build_criteria(origin: str, data: dict[str, Any]) -> CriteriaSet:
    """A criteria set from the tables of a TOML file (or a workbook read into the same shape);
    raises Malformed naming the entry (`items[3] (S4)`) that is wrong."""
    meta = data.get("set")
    if not isinstance(meta, dict):
        raise Malformed("missing [set] table with id, zh, en")
    grades = tuple(
        Grade(
            require(g, "key", str, f"grades[{i}]"),
            str(g.get("zh", g["key"])),
            str(g.get("en", g["key"])),
            float(require(g, "min_score", (int, float), f"grades[{i}]")),
            status_of(g, f"grades[{i}]"),
            str(g.get("source", "")),
        )
        for i, g in enumerate(_tables(data, "grades"))
    )
    if len(grades) < 2:
        raise Malformed("[[grades]] needs at least a passing and a failing grade")
    grades = tuple(sorted(grades, key=lambda g: -g.min_score))
    categories = tuple(
        Category(require(c, "key", str, f"categories[{i}]"), str(c.get("zh", c["key"])), str(c.get("en", c["key"])))
        for i, c in enumerate(_tables(data, "categories"))
    )
    controls = tuple(_criterion(e, f"controls[{i}]", control=True) for i, e in enumerate(_tables(data, "controls")))
    items = tuple(_criterion(e, f"items[{i}]", control=False) for i, e in enumerate(_tables(data, "items")))
    if not items:
        raise Malformed("no [[items]]: a criteria set needs at least one scored item")
    not_assessable = tuple(
        _not_assessable(e, f"not_assessable[{i}]") for i, e in enumerate(_tables(data, "not_assessable"))
    )
    keys = [c.key for c in (*controls, *items)] + [x.key for x in not_assessable]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise Malformed(f"duplicate keys: {', '.join(duplicates)}")
    return CriteriaSet(
        **set_names(meta, str(meta.get("id", origin))),
        source=str(meta.get("source", "")),
        status=status_of(meta, "[set]"),
        grades=grades,
        categories=categories,
        controls=controls,
        items=items,
        not_assessable=not_assessable,
    )


def _not_assessable(entry: dict[str, Any], where: str) -> NotAssessable:
    key = require(entry, "key", str, where)
    where = f"{where} ({key})"
    reason_zh = require(entry, "reason_zh", str, where)
    return NotAssessable(
        key=key,
        zh=str(entry.get("zh", key)),
        en=str(entry.get("en", key)),
        requirement_zh=str(entry.get("requirement_zh", "")),
        requirement_en=str(entry.get("requirement_en", entry.get("requirement_zh", ""))),
        reason_zh=reason_zh,
        reason_en=str(entry.get("reason_en", reason_zh)),
        source=str(entry.get("source", "")),
        status=status_of(entry, where),
    )


def _tables(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    entries = data.get(name, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise Malformed(f"`{name}` must be an array of tables ([[{name}]])")
    return entries


def _fields(entry: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    names = entry.get(key, [])
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not names:
        raise Malformed(f"{where}: `{key}` must list survey fields")
    unknown = [n for n in names if dictionary().get(n) is None]
    if unknown:
        raise Malformed(f"{where}: unknown survey field(s) {', '.join(map(str, unknown))}")
    return tuple(names)


def _metric(entry: dict[str, Any], where: str) -> Metric:
    kind = require(entry, "metric", str, where)
    if kind == "field":
        return Metric("field", fields=(_fields(entry, "field", where)[0],))
    if kind == "all_true":
        return Metric("all_true", fields=_fields(entry, "fields", where))
    if kind == "ratio":
        return Metric(
            "ratio", numerator=_fields(entry, "numerator", where), denominator=_fields(entry, "denominator", where)
        )
    if kind in BUILTIN_METRICS:
        return Metric(kind)
    choices = ", ".join(["field", "ratio", "all_true", *BUILTIN_METRICS])
    raise Malformed(f"{where}: unknown metric {kind!r} (one of: {choices})")


def _ranges(entry: dict[str, Any], where: str) -> tuple[tuple[str, float, float], ...]:
    """An entry's `ranges = { zero = [low, high], … }`: the published spread of its figures."""
    table = entry.get("ranges", {})
    if not isinstance(table, dict):
        raise Malformed(f"{where}: `ranges` must be a table like {{ zero = [1.2, 1.8] }}")
    ranges = []
    for name, pair in table.items():
        ok = isinstance(pair, list) and len(pair) == 2
        if not ok or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in pair):
            raise Malformed(f"{where}: ranges.{name} must be [low, high]")
        if pair[0] > pair[1]:
            raise Malformed(f"{where}: ranges.{name} must be [low, high], low first")
        ranges.append((str(name), float(pair[0]), float(pair[1])))
    return tuple(ranges)


def _criterion(entry: dict[str, Any], where: str, *, control: bool) -> Criterion:
    key = require(entry, "key", str, where)
    where = f"{where} ({key})"
    metric = _metric(entry, where)
    rule = require(entry, "rule", str, where)
    rules = CONTROL_RULES if control else ITEM_RULES
    if rule not in rules:
        raise Malformed(f"{where}: rule {rule!r} is not one of {', '.join(rules)}")
    comparison = ""
    if rule == "met":
        comparison = str(entry.get("comparison", "is_true" if metric.is_bool else ""))
        if comparison not in MET_COMPARISONS:
            raise Malformed(f"{where}: rule 'met' needs comparison = one of {', '.join(MET_COMPARISONS)}")
        if (comparison == "is_true") != metric.is_bool:
            kind = "a yes/no" if comparison == "is_true" else "a numeric"
            raise Malformed(f"{where}: comparison {comparison!r} needs {kind} metric")
    if rule in ("complete", "is_true", "boolean") and not metric.is_bool:
        raise Malformed(f"{where}: rule {rule!r} needs a yes/no metric")
    if rule in ("at_least", "at_most", "linear", "steps") and metric.is_bool:
        raise Malformed(f"{where}: rule {rule!r} needs a numeric metric")
    unit = str(entry.get("unit", BUILTIN_METRICS.get(metric.kind, ("",))[0] or ("%" if metric.kind == "ratio" else "")))
    fields: dict[str, Any] = {}
    if rule in ("at_least", "at_most") or (rule == "met" and not metric.is_bool):
        fields["target"] = float(require(entry, "target", (int, float), where))
    if rule == "met":
        fields["comparison"] = comparison
    if not control:
        fields["category"] = str(entry.get("category", ""))
        fields["points"] = float(require(entry, "points", (int, float), where))
        if fields["points"] <= 0:
            raise Malformed(f"{where}: points must be > 0")
    if rule == "linear":
        fields["zero"] = float(require(entry, "zero", (int, float), where))
        fields["full"] = float(require(entry, "full", (int, float), where))
        if fields["zero"] == fields["full"]:
            raise Malformed(f"{where}: `zero` and `full` must differ")
    if rule == "steps":
        raw = require(entry, "steps", list, where)
        steps = []
        for i, step in enumerate(raw):
            if not isinstance(step, dict):
                raise Malformed(f"{where}: steps[{i}] must be {{ at_least = …, points = … }}")
            steps.append(
                (
                    float(require(step, "at_least", (int, float), f"{where} steps[{i}]")),
                    float(require(step, "points", (int, float), f"{where} steps[{i}]")),
                )
            )
        if not steps or any(p > fields["points"] for _, p in steps):
            raise Malformed(f"{where}: steps must be non-empty and worth at most `points`")
        fields["steps"] = tuple(sorted(steps, reverse=True))
    fields["ranges"] = _ranges(entry, where)
    return Criterion(
        key=key,
        zh=str(entry.get("zh", key)),
        en=str(entry.get("en", key)),
        metric=metric,
        rule=rule,
        unit=unit,
        unit_zh=str(entry.get("unit_zh", unit)),
        source=str(entry.get("source", "")),
        status=status_of(entry, where),
        **fields,
    )

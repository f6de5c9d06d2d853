"""Reading a criteria workbook back (its layout: `criteria_layout.py`).

A workbook written by `carbon criteria export` (`criteria_workbook.py`) and edited in Excel, WPS or
LibreOffice is opened through the safe opener of survey files and read into the same tables a TOML
criteria file holds (`read_tables`), with every problem found on the way: its sheet, cell and
column, what was found and what was expected, in both languages. `criteria.load_criteria` builds
the set from those tables with the function that builds a TOML set, so a set means the same
whichever form it takes. Nothing here knows a threshold of any set.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from carbon_cli.core.errors import CarbonError
from carbon_cli.core.i18n import Bilingual
from carbon_cli.scoring.criteria_cells import (
    SPLIT,
    STEP,
    MetricRef,
    NotNumber,
    NoValue,
    Problem,
    WorkbookTables,
    cell_number,
    cell_text,
    lookup,
    normal,
    place,
    plain,
    shown_number,
)
from carbon_cli.scoring.criteria_layout import (
    APPLIES,
    CATEGORY_COLUMNS,
    COMPARISONS,
    GRADE_COLUMNS,
    ITEM_COLUMNS,
    NOT_ASSESSABLE_COLUMNS,
    SCALES,
    SET_ROWS,
    SET_VALUE_COL,
    SHEET_CATEGORIES,
    SHEET_GRADES,
    SHEET_ITEMS,
    SHEET_NOT_ASSESSABLE,
    SHEET_SET,
    STATUS_LABELS,
    TYPES,
    Column,
)
from carbon_cli.scoring.metrics import BUILTIN_METRICS, metric_names
from carbon_cli.survey.cells import coordinate
from carbon_cli.survey.container import Limits
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.workbook import opened

# Wording of each problem: carbon_cli/data/messages.toml, under `criteria_<code>`.


def load_tables(path: Path) -> tuple[str, dict[str, Any], Any]:
    """What `criteria_files.load_criteria` reads of a workbook: (set id, tables, Malformed → error);
    the error naming the first problem when there is any."""
    tables = read_tables(path)
    if tables.problems or tables.data is None:
        raise tables.error()

    def explain(detail: str) -> CarbonError:
        tables.problems = [tables.malformed(detail)]
        return tables.error()

    return tables.origin, tables.data, explain


def read_tables(path: Path | str, limits: Limits | None = None) -> WorkbookTables:
    """A criteria workbook, opened safely, as the tables of a TOML set, with every problem found."""
    path = Path(path)
    with opened(path, limits or Limits()) as grids:
        sheets = {grid.name: [(r, tuple(plain(v) for v in values)) for r, values in grid.rows()] for grid in grids}
    reader = _Reader(path, sheets)
    data = reader.read()
    return WorkbookTables(str(path), data, sorted(reader.problems, key=place), reader.rows_of)


# --- the reader--------------------------------------------------------------------------------


_TYPES, _COMPARISONS, _SCALES = lookup(TYPES), lookup(COMPARISONS), lookup(SCALES)
_STATUSES, _APPLIES = lookup(STATUS_LABELS), lookup(APPLIES)


class _Reader:
    def __init__(self, path: Path, sheets: dict[str, list[tuple[int, tuple[Any, ...]]]]) -> None:
        self.path = path
        self.sheets = sheets
        self.problems: list[Problem] = []
        self.rows_of: dict[str, list[tuple[str, int]]] = {
            "controls": [],
            "items": [],
            "grades": [],
            "categories": [],
            "not_assessable": [],
        }
        self.points: float | None = 0.0  # the scored rows' points summed; None when one cannot be read

    def problem(self, code: str, sheet: str, cell: str = "", field: str = "", found: Any = "", **params: Any) -> None:
        self.problems.append(Problem(code, sheet, cell, field, cell_text(found), params))

    def sheet(self, name: str) -> list[tuple[int, tuple[Any, ...]]] | None:
        wanted = {normal(name), *(normal(part) for part in name.split(" "))}
        for actual, rows in self.sheets.items():
            if normal(actual) in wanted:
                return rows
        self.problem("missing_sheet", name, name=name)
        return None

    def table(
        self, name: str, columns: tuple[Column, ...], required: tuple[str, ...]
    ) -> list[tuple[int, dict[str, tuple[Any, str]]]]:
        """The rows of a sheet headed by `columns`: (row, {column key: (value, cell)})."""
        rows = self.sheet(name)
        if rows is None:
            return []
        names = {}
        for col in columns:
            for label in (col.key, col.zh, col.en):
                names[normal(label)] = col.key
        head_row, positions = None, {}
        for r, values in rows[:10]:
            found = {names[normal(v)]: i for i, v in enumerate(values, 1) if v is not None and normal(v) in names}
            if "id" in found or "key" in found:
                head_row, positions = r, found
                break
        for key in required:
            if key not in positions:
                col = next(c for c in columns if c.key == key)
                where = coordinate(head_row or 1, len(positions) + 1)
                self.problem("missing_column", name, where, key, column=f"{col.zh} / {col.en}")
        if head_row is None or any(key not in positions for key in required):
            return []
        out = []
        for r, values in rows:
            if r <= head_row or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            cells = {
                key: (values[i - 1] if i <= len(values) else None, coordinate(r, i)) for key, i in positions.items()
            }
            out.append((r, cells))
        return out

    def number(self, sheet: str, cells: dict[str, tuple[Any, str]], key: str, required: bool) -> float | None:
        value, cell = cells.get(key, (None, ""))
        try:
            number = cell_number(value)
        except NotNumber:
            self.problem("not_a_number", sheet, cell, key, value)
            return None
        except NoValue:
            self.problem("formula_without_value", sheet, cell, key)
            return None
        if number is None and required:
            self.problem("missing_value", sheet, cell, key, what=Bilingual("一个数字", "a number"))
        return number

    def code(
        self, sheet: str, cells: dict[str, tuple[Any, str]], key: str, lookup: dict[str, str], error: str
    ) -> str | None:
        value, cell = cells.get(key, (None, ""))
        text = cell_text(value)
        if not text:
            return None
        found = lookup.get(normal(text))
        if found is None:
            self.problem(error, sheet, cell, key, text)
        return found

    def status(self, sheet: str, cells: dict[str, tuple[Any, str]], key: str = "status") -> str:
        return self.code(sheet, cells, key, _STATUSES, "unknown_status") or "assumed"

    # --- the sheets

    def read(self) -> dict[str, Any] | None:
        """The tables of the workbook in the shape of a TOML set; None when there are problems."""
        meta, total = self.read_set()
        grades = self.read_grades()
        categories = self.read_categories()
        controls, items = self.read_items({c["key"] for c in categories})
        not_assessable = self.read_not_assessable()
        if total is not None and self.points is not None:  # every scored row's points could be read
            value, cell = total
            if abs(self.points - value) > 1e-9:
                self.problem(
                    "points_total", SHEET_SET, cell, "total_points", shown_number(value), sum=shown_number(self.points)
                )
        if self.problems:
            return None
        tables = {"set": meta, "grades": grades, "categories": categories, "controls": controls, "items": items}
        if not_assessable:
            tables["not_assessable"] = not_assessable
        return tables

    def read_set(self) -> tuple[dict[str, Any], tuple[float, str] | None]:
        rows = self.sheet(SHEET_SET)
        meta: dict[str, Any] = {}
        total = None
        if rows is None:
            return meta, None
        keys = {normal(k): k for k, _, _ in SET_ROWS} | {normal(zh): k for k, zh, _ in SET_ROWS}
        keys |= {normal(en): k for k, _, en in SET_ROWS}
        seen: dict[str, str] = {}
        for r, values in rows:
            name = next((keys[normal(v)] for v in values[:2] if v is not None and normal(v) in keys), None)
            if name is None:
                continue
            value = values[SET_VALUE_COL - 1] if len(values) >= SET_VALUE_COL else None
            cell = coordinate(r, SET_VALUE_COL)
            seen[name] = cell
            cells = {name: (value, cell)}
            if name == "status":
                meta["status"] = self.status(SHEET_SET, cells, "status")
            elif name == "total_points":
                number = self.number(SHEET_SET, cells, name, required=False)
                if number is not None:
                    total = (number, cell)
            elif cell_text(value):
                meta[name] = cell_text(value) if name == "id" else str(value)
        if "id" not in meta:
            self.problem(
                "missing_value", SHEET_SET, seen.get("id", "C2"), "id", what=Bilingual("标准编号", "the set's id")
            )
        return meta, total

    def read_grades(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        first: dict[str, int] = {}
        by_score: dict[float, int] = {}
        lowest: tuple[float, str] | None = None
        for r, cells in self.table(SHEET_GRADES, GRADE_COLUMNS, ("key", "min_score")):
            key, cell = cell_text(cells["key"][0]), cells["key"][1]
            if not key:
                self.problem("missing_value", SHEET_GRADES, cell, "key", what=Bilingual("等级的键", "the band's key"))
                continue
            if key in first:
                self.problem("duplicate_id", SHEET_GRADES, cell, "key", key, first=first[key])
                continue
            first[key] = r
            score = self.number(SHEET_GRADES, cells, "min_score", required=True)
            status = self.status(SHEET_GRADES, cells)
            if score is None:
                continue
            score_cell = cells["min_score"][1]
            if not 0 <= score <= 100:
                self.problem("score_range", SHEET_GRADES, score_cell, "min_score", shown_number(score))
                continue
            if score in by_score:
                self.problem(
                    "duplicate_band", SHEET_GRADES, score_cell, "min_score", shown_number(score), first=by_score[score]
                )
                continue
            by_score[score] = r
            if lowest is None or score < lowest[0]:
                lowest = (score, score_cell)
            entry = {"key": key, "min_score": score, "status": status}
            for name in ("zh", "en", "source"):
                if cell_text(cells.get(name, (None, ""))[0]):
                    entry[name] = str(cells[name][0]).strip()
            out.append(entry)
            self.rows_of["grades"].append((key, r))
        if self.sheet_present(SHEET_GRADES):
            if len(out) < 2 and not any(p.sheet == SHEET_GRADES for p in self.problems):
                self.problem("too_few_bands", SHEET_GRADES, f"A{len(out) + 2}")
            elif lowest is not None and lowest[0] > 0:
                self.problem(
                    "missing_band",
                    SHEET_GRADES,
                    lowest[1],
                    "min_score",
                    shown_number(lowest[0]),
                    lowest=shown_number(lowest[0]),
                )
        return out

    def sheet_present(self, name: str) -> bool:
        wanted = {normal(name), *(normal(part) for part in name.split(" "))}
        return any(normal(actual) in wanted for actual in self.sheets)

    def read_categories(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        if not self.sheet_present(SHEET_CATEGORIES):
            return out  # optional: items may leave their category blank
        first: dict[str, int] = {}
        for r, cells in self.table(SHEET_CATEGORIES, CATEGORY_COLUMNS, ("key",)):
            key = cell_text(cells["key"][0])
            if not key:
                continue
            if key in first:
                self.problem("duplicate_id", SHEET_CATEGORIES, cells["key"][1], "key", key, first=first[key])
                continue
            first[key] = r
            entry = {"key": key}
            for name in ("zh", "en"):
                if cell_text(cells.get(name, (None, ""))[0]):
                    entry[name] = str(cells[name][0]).strip()
            out.append(entry)
            self.rows_of["categories"].append((key, r))
        return out

    def read_not_assessable(self) -> list[dict[str, Any]]:
        """The indicators of the source the survey cannot assess (an optional sheet)."""
        out: list[dict[str, Any]] = []
        if not self.sheet_present(SHEET_NOT_ASSESSABLE):
            return out
        first: dict[str, int] = {}
        for r, cells in self.table(SHEET_NOT_ASSESSABLE, NOT_ASSESSABLE_COLUMNS, ("key", "reason_zh")):
            key, cell = cell_text(cells["key"][0]), cells["key"][1]
            if not key:
                self.problem("missing_value", SHEET_NOT_ASSESSABLE, cell, "key", what="编号", what_en="an id")
                continue
            if key in first:
                self.problem("duplicate_id", SHEET_NOT_ASSESSABLE, cell, "key", key, first=first[key])
                continue
            first[key] = r
            if not cell_text(cells["reason_zh"][0]):
                self.problem(
                    "missing_value",
                    SHEET_NOT_ASSESSABLE,
                    cells["reason_zh"][1],
                    "reason_zh",
                    what="不能评价的原因",
                    what_en="why it cannot be assessed",
                )
                continue
            entry: dict[str, Any] = {"key": key, "status": self.status(SHEET_NOT_ASSESSABLE, cells)}
            for column in NOT_ASSESSABLE_COLUMNS[1:-1]:
                if cell_text(cells.get(column.key, (None, ""))[0]):
                    entry[column.key] = str(cells[column.key][0]).strip()
            out.append(entry)
            self.rows_of["not_assessable"].append((key, r))
        return out

    def read_items(self, category_keys: set[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        controls: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        first: dict[str, int] = {}
        rows = self.table(SHEET_ITEMS, ITEM_COLUMNS, ("id", "type", "metric"))
        for r, cells in rows:
            entry = self.read_item(r, cells, first, category_keys)
            if entry is None:
                continue
            control = entry.pop("_control")
            (controls if control else items).append(entry)
            self.rows_of["controls" if control else "items"].append((entry["key"], r))
        if rows and not items and not any(p.sheet == SHEET_ITEMS for p in self.problems):
            self.problem("no_items", SHEET_ITEMS, "B2", "type")
        return controls, items

    def read_item(
        self, r: int, cells: dict[str, tuple[Any, str]], first: dict[str, int], category_keys: set[str]
    ) -> dict[str, Any] | None:
        s = SHEET_ITEMS
        before = len(self.problems)

        def cell(key: str) -> str:
            return cells.get(key, (None, coordinate(r, 1 + [c.key for c in ITEM_COLUMNS].index(key))))[1]

        def text(key: str) -> str:
            return cell_text(cells.get(key, (None, ""))[0])

        key = text("id")
        if not key:
            self.problem("missing_value", s, cell("id"), "id", what=Bilingual("编号", "an id"))
        elif key in first:
            self.problem("duplicate_id", s, cell("id"), "id", key, first=first[key])
        else:
            first[key] = r
        kind = self.code(s, cells, "type", _TYPES, "unknown_type")
        if kind is None and not text("type"):
            self.problem(
                "missing_value", s, cell("type"), "type", what=Bilingual("控制项 或 评分项", "control or scored")
            )
        entry: dict[str, Any] = {"key": key}
        for name in ("zh", "en", "unit", "unit_zh", "source"):
            if text(name):
                entry[name] = str(cells[name][0]).strip() if name == "source" else text(name)
        entry["status"] = self.status(s, cells)
        metric = self.read_metric(r, cells, entry, cell)
        comparison = self.code(s, cells, "comparison", _COMPARISONS, "unknown_comparison")
        applies = self.code(s, cells, "applies", _APPLIES, "unknown_applies")
        if metric is not None and applies is not None and (applies == "baseline") != metric.needs_baseline:
            right = "baseline" if metric.needs_baseline else "always"
            self.problem(
                "applies_mismatch",
                s,
                cell("applies"),
                "applies",
                text("applies"),
                applies=Bilingual(APPLIES[right][0], APPLIES[right][1]),
                metric=metric.kind,
            )
        if kind == "control":
            self.read_control(r, cells, entry, metric, comparison, cell, text)
        elif kind == "scored":
            self.read_scored(r, cells, entry, metric, comparison, cell, text, category_keys)
        if len(self.problems) > before or kind is None:
            return None
        entry["_control"] = kind == "control"
        return entry

    def read_metric(
        self, r: int, cells: dict[str, tuple[Any, str]], entry: dict[str, Any], cell: Any
    ) -> MetricRef | None:
        s = SHEET_ITEMS
        name = cell_text(cells["metric"][0])
        if not name:
            self.problem("missing_value", s, cell("metric"), "metric", what=Bilingual("指标量", "a metric"))
            return None
        names = metric_names()
        if name not in names:
            self.problem("unknown_metric", s, cell("metric"), "metric", name, choices=", ".join(names))
            return None
        entry["metric"] = name
        lists: dict[str, list[str]] = {}
        ok = True
        for column in ("fields", "numerator", "denominator"):
            raw = cell_text(cells.get(column, (None, ""))[0])
            keys = [k for k in SPLIT.split(raw) if k]
            lists[column] = keys
            for k in keys:
                spec = dictionary().get(k)
                if spec is None:
                    self.problem("unknown_field", s, cell(column), column, k)
                    ok = False
                elif spec.type == "text":
                    self.problem("text_field", s, cell(column), column, k)
                    ok = False
        wanted = {"field": ("fields",), "all_true": ("fields",), "ratio": ("numerator", "denominator")}.get(name, ())
        for column in ("fields", "numerator", "denominator"):
            count = len(lists[column])
            if column not in wanted and count:
                self.problem("fields_not_read", s, cell(column), column, cell_text(cells[column][0]), metric=name)
                ok = False
            elif column in wanted and (count == 0 or (name == "field" and count != 1)):
                one = name == "field"
                self.problem(
                    "wrong_field_count",
                    s,
                    cell(column),
                    column,
                    cell_text(cells.get(column, (None, ""))[0]),
                    count=Bilingual(
                        "恰好一个字段键" if one else "至少一个字段键",
                        "exactly one field key" if one else "at least one field key",
                    ),
                )
                ok = False
        if not ok:
            return None
        if name == "field":
            entry["field"] = lists["fields"][0]
            spec = dictionary().get(lists["fields"][0])
            return MetricRef("field", bool(spec and spec.type == "bool"), False)
        if name == "all_true":
            entry["fields"] = lists["fields"]
            return MetricRef("all_true", True, False)
        if name == "ratio":
            entry["numerator"], entry["denominator"] = lists["numerator"], lists["denominator"]
            return MetricRef("ratio", False, False)
        _, baseline, kind = BUILTIN_METRICS[name]
        return MetricRef(name, kind == "bool", baseline)

    def read_control(
        self,
        r: int,
        cells: dict[str, tuple[Any, str]],
        entry: dict[str, Any],
        metric: MetricRef | None,
        comparison: str | None,
        cell: Any,
        text: Any,
    ) -> None:
        s = SHEET_ITEMS
        if text("points"):
            self.problem("control_points", s, cell("points"), "points", text("points"))
        if comparison is None:
            if not text("comparison"):
                self.problem(
                    "missing_value",
                    s,
                    cell("comparison"),
                    "comparison",
                    what=Bilingual("≥、≤、是 或 齐全", "≥, ≤, yes or complete"),
                )
            return
        entry["rule"] = comparison
        if metric is None:
            return
        if comparison in ("is_true", "complete") and not metric.is_bool:
            self.problem("yes_no_metric", s, cell("comparison"), "comparison", text("comparison"), metric=metric.kind)
        elif comparison in ("at_least", "at_most"):
            if metric.is_bool:
                self.problem(
                    "numeric_metric", s, cell("comparison"), "comparison", text("comparison"), metric=metric.kind
                )
            target = self.number(s, cells, "target", required=True)
            if target is not None:
                entry["target"] = target

    def read_scored(
        self,
        r: int,
        cells: dict[str, tuple[Any, str]],
        entry: dict[str, Any],
        metric: MetricRef | None,
        comparison: str | None,
        cell: Any,
        text: Any,
        category_keys: set[str],
    ) -> None:
        s = SHEET_ITEMS
        category = text("category")
        if category:
            if category_keys and category not in category_keys:
                self.problem(
                    "unknown_category",
                    s,
                    cell("category"),
                    "category",
                    category,
                    choices=", ".join(sorted(category_keys)),
                )
            entry["category"] = category
        points = self.number(s, cells, "points", required=True)
        self.points = None if points is None or self.points is None else self.points + points
        if points is not None:
            if points <= 0:
                self.problem("bad_points", s, cell("points"), "points", text("points"))
            entry["points"] = points
        scale = self.code(s, cells, "scale", _SCALES, "unknown_scale")
        if scale is None:
            if not text("scale"):
                self.problem(
                    "missing_value",
                    s,
                    cell("scale"),
                    "scale",
                    what=Bilingual("线性、阶梯 或 是否", "linear, steps or boolean"),
                )
            return
        entry["rule"] = scale
        allowed = {
            "linear": ("at_least", "at_most"),
            "steps": ("at_least",),
            "boolean": ("is_true",),
            "met": ("at_least", "at_most", "is_true"),
        }[scale]
        if comparison is not None and comparison not in allowed:
            labels_zh = " 或 ".join(COMPARISONS[a][0] for a in allowed)
            labels_en = " or ".join(COMPARISONS[a][1] for a in allowed)
            self.problem(
                "comparison_for_type",
                s,
                cell("comparison"),
                "comparison",
                text("comparison"),
                allowed=Bilingual(
                    f"{labels_zh}（计分方式 {SCALES[scale][0]}）", f"{labels_en} (scoring {SCALES[scale][1]})"
                ),
            )
            return
        if scale == "met":
            self.read_met(cells, entry, metric, comparison, cell, text)
            return
        if metric is not None:
            if scale == "boolean" and not metric.is_bool:
                self.problem("yes_no_metric", s, cell("scale"), "scale", text("scale"), metric=metric.kind)
            if scale in ("linear", "steps") and metric.is_bool:
                self.problem("numeric_metric", s, cell("scale"), "scale", text("scale"), metric=metric.kind)
        if scale == "linear":
            zero = self.number(s, cells, "zero", required=True)
            full = self.number(s, cells, "full", required=True)
            if zero is None or full is None:
                return
            if zero == full:
                self.problem("equal_thresholds", s, cell("full"), "full", shown_number(full))
            elif comparison is not None and (full < zero) != (comparison == "at_most"):
                higher = comparison == "at_least"
                self.problem(
                    "reversed_thresholds",
                    s,
                    cell("full"),
                    "full",
                    shown_number(full),
                    comparison=COMPARISONS[comparison][0],
                    full=shown_number(full),
                    zero=shown_number(zero),
                    expected=Bilingual(
                        f"满分值{'大于' if higher else '小于'}零分值 {shown_number(zero)}"
                        f"（或把比较改为 {'≤' if higher else '≥'}）",
                        f"full {'above' if higher else 'below'} zero {shown_number(zero)} "
                        f"(or make the comparison {'≤' if higher else '≥'})",
                    ),
                )
            entry["zero"], entry["full"] = zero, full
        elif scale == "steps":
            steps = self.read_steps(cells, cell, points)
            if steps is not None:
                entry["steps"] = [{"at_least": t, "points": p} for t, p in steps]

    def read_met(
        self,
        cells: dict[str, tuple[Any, str]],
        entry: dict[str, Any],
        metric: MetricRef | None,
        comparison: str | None,
        cell: Any,
        text: Any,
    ) -> None:
        """A scored item of scale 达标/met: its comparison and, for a numeric metric, its target."""
        s = SHEET_ITEMS
        if metric is None:
            return
        if metric.is_bool:
            if comparison not in (None, "is_true"):
                self.problem(
                    "numeric_metric", s, cell("comparison"), "comparison", text("comparison"), metric=metric.kind
                )
                return
            entry["comparison"] = "is_true"
            return
        if comparison is None:
            if not text("comparison"):
                self.problem("missing_value", s, cell("comparison"), "comparison", what="≥ 或 ≤", what_en="≥ or ≤")
            return
        if comparison == "is_true":
            self.problem("yes_no_metric", s, cell("comparison"), "comparison", text("comparison"), metric=metric.kind)
            return
        entry["comparison"] = comparison
        target = self.number(s, cells, "target", required=True)
        if target is not None:
            entry["target"] = target

    def read_steps(
        self, cells: dict[str, tuple[Any, str]], cell: Any, points: float | None
    ) -> list[tuple[float, float]] | None:
        raw = cell_text(cells.get("steps", (None, ""))[0])
        where = cell("steps")

        def bad(zh: str, en: str) -> None:
            self.problem("bad_steps", SHEET_ITEMS, where, "steps", raw, detail=Bilingual(zh, en))

        if not raw:
            self.problem(
                "missing_value", SHEET_ITEMS, where, "steps", what=Bilingual("如 “6 → 3; 2 → 1”", "e.g. “6 → 3; 2 → 1”")
            )
            return None
        steps = []
        for part in (p.strip() for p in re.split(r"[;；\n]+", unicodedata.normalize("NFKC", raw))):
            if not part:
                continue
            m = STEP.match(part)
            try:
                threshold, value = float(m.group(1)), float(m.group(2))  # type: ignore[union-attr]
            except (AttributeError, ValueError):
                bad(f"“{part}”不是“下限 → 分值”", f"“{part}” is not “threshold → points”")
                return None
            steps.append((threshold, value))
        if not steps:
            bad("没有任何一档", "no step")
            return None
        thresholds = [t for t, _ in steps]
        if len(set(thresholds)) != len(thresholds):
            bad("两档的下限相同", "two steps share a threshold")
            return None
        if any(p < 0 for _, p in steps):
            bad("分值为负", "negative points")
            return None
        if points is not None and any(p > points for _, p in steps):
            bad(
                f"某档分值超过该项分值 {shown_number(points)}",
                f"a step is worth more than the item's {shown_number(points)} points",
            )
            return None
        return steps

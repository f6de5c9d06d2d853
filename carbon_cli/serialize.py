"""Assessment → plain data (the JSON contract). Numbers stay unrounded; text follows `lang`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from carbon_cli.evaluation import ControlResult, Gap, ItemResult

if TYPE_CHECKING:
    from carbon_cli.assessment import Assessment

SCHEMA_VERSION = 1


def _gap(gap: Gap | None, unit: str) -> dict[str, Any] | None:
    if gap is None:
        return None
    return {
        "target": gap.target,
        "distance": gap.distance,
        "unit": unit,
        "direction": gap.direction,
        "points_recoverable": gap.points_recoverable,
        "score_recoverable": gap.score_recoverable,
        "target_for_pass": gap.target_for_pass,
        "target_for_excellent": gap.target_for_excellent,
        "fields": list(gap.fields),
    }


def _control(result: ControlResult, lang: str) -> dict[str, Any]:
    c = result.criterion
    return {
        "key": c.key,
        "name": c.label(lang),
        "status": result.status,
        "value": result.value,
        "target": c.target,
        "unit": c.unit,
        "reason": result.reason or None,
        "gap": _gap(result.gap, c.unit),
        "source_status": c.status,
    }


def _item(result: ItemResult, lang: str) -> dict[str, Any]:
    c = result.criterion
    return {
        "key": c.key,
        "name": c.label(lang),
        "category": c.category,
        "status": result.status,
        "value": result.value,
        "unit": c.unit,
        "points": result.points,
        "max_points": result.max_points,
        "rule": c.rule,
        "zero": c.zero,
        "full": c.full,
        "reason": result.reason or None,
        "gap": _gap(result.gap, c.unit),
        "source_status": c.status,
    }


def assessment_dict(a: Assessment, lang: str = "zh") -> dict[str, Any]:
    s, ev = a.survey, a.evaluation
    used = dict.fromkeys(a.inventory.factors_used)
    if a.baseline_inventory:
        used.update(dict.fromkeys(a.baseline_inventory.factors_used))
    return {
        "schema_version": SCHEMA_VERSION,
        "community": {
            "id": s.community_id,
            "name": s.name,
            "street": s.assessment.get("street"),
            "district": s.assessment.get("district"),
            "assessment_year": s.assessment_year,
            "baseline_year": s.baseline_year,
            "file": s.file,
            "layout": s.layout,
        },
        "criteria_set": ev.criteria.id,
        "factor_set": a.factors.id,
        "changes": a.changes,
        "inventory": a.inventory.to_dict(),
        "baseline_inventory": a.baseline_inventory.to_dict() if a.baseline_inventory else None,
        "score": ev.score,
        "earned_points": ev.earned,
        "applicable_points": ev.applicable_max,
        "grade": ev.grade.key,
        "verdict": ev.verdict,
        "points_to_pass": ev.points_to_pass,
        "points_to_excellent": ev.points_to_excellent,
        "controls": [_control(c, lang) for c in ev.controls],
        "indicators": [_item(i, lang) for i in ev.items],
        "fields_to_collect": ev.fields_to_collect,
        "factors": {
            k: {"value": f.value, "unit": f.unit, "status": f.status, "source": f.source}
            for k, f in ((k, a.factors[k]) for k in used)
        },
        "pathways": {k: p.to_dict() for k, p in a.pathways.items()},
        "errors": [i.to_dict(lang) for i in s.issues if i.is_error],
        "warnings": [i.to_dict(lang) for i in s.issues if not i.is_error],
    }


def dumps(data: Any) -> str:
    return "".join(dump_chunks(data))


class Rows:
    """A list of flat rows (keys to numbers, text, booleans or None) in a document, made and
    written one row at a time: a batch's results, 100,000 of them, are never held as dicts."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.rows = rows


_INDENTED = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False)
# A flat row at depth 2 of an indent-2 document, by the C encoder (the indenting one is pure
# Python, 5–10 × slower): the item separator carries the newline and indentation.
_FLAT_ROW = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",\n      ", ": "))


def dump_chunks(data: Any) -> Iterator[str]:
    """`dumps(data)` in pieces, to write a large document without holding its text; a top-level
    value given as `Rows` is made as it is written. The text is the same as json.dumps(data,
    indent=2) would give with each Rows a list."""
    if not isinstance(data, dict) or not any(isinstance(v, Rows) for v in data.values()):
        yield from _INDENTED.iterencode(data)
        yield "\n"
        return
    separator = "{\n  "
    for key, value in data.items():
        yield separator + _INDENTED.encode(key) + ": "
        separator = ",\n  "
        if isinstance(value, Rows):
            yield from _rows(value.rows)
        else:
            yield _INDENTED.encode(value).replace("\n", "\n  ")
    yield "\n}\n"


def _rows(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    opening = "[\n    "
    for row in rows:
        flat = dict(row)
        if flat and not any(isinstance(v, dict | list | tuple) for v in flat.values()):
            text = "{\n      " + _FLAT_ROW.encode(flat)[1:-1] + "\n    }"
        else:
            text = _INDENTED.encode(flat).replace("\n", "\n    ")
        yield opening + text
        opening = ",\n    "
    yield "[]" if opening.startswith("[") else "\n  ]"

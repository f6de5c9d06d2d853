"""Reading one cell's value as people type it: numbers as text, 万/亿, units, %, yes/no, blanks.

`parse_value` turns a raw cell value into the field's canonical unit and type, or raises
`ValueProblem` naming what is wrong. Missing ("—", "不详", empty) is `MISSING`, never zero.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from carbon_cli.survey.fields import FieldSpec, normalize

Value = float | int | bool | str


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()

MISSING_WORDS = frozenset(
    normalize(w)
    for w in (
        "",
        "-",
        "--",
        "—",
        "——",
        "–",
        "/",
        "\\",
        "n/a",
        "na",
        "#n/a",
        "null",
        "none",
        "nil",
        "无数据",
        "不详",
        "暂无",
        "暂无数据",
        "未统计",
        "未知",
        "空",
        "缺",
        "缺失",
        "待补充",
        "待填",
        "不清楚",
        "?",
        "？",
        "…",
        "...",
    )
)
YES_WORDS = frozenset(
    normalize(w)
    for w in (
        "是",
        "有",
        "√",
        "✓",
        "✔",
        "☑",
        "y",
        "yes",
        "true",
        "t",
        "1",
        "对",
        "已",
        "已设立",
        "已建立",
        "已编制",
        "已建成",
        "已完成",
        "已设置",
        "已核查",
        "有的",
    )
)
NO_WORDS = frozenset(
    normalize(w)
    for w in (
        "否",
        "无",
        "×",
        "✗",
        "✘",
        "☒",
        "x",
        "n",
        "no",
        "false",
        "f",
        "0",
        "没有",
        "未",
        "未设立",
        "未建立",
        "未编制",
        "未建成",
        "未设置",
        "未核查",
        "不是",
    )
)
ZERO_WORDS = frozenset(normalize(w) for w in ("无", "没有", "零", "未使用", "不使用"))
EXCEL_ERRORS = frozenset(
    (
        "#DIV/0!",
        "#REF!",
        "#VALUE!",
        "#NAME?",
        "#N/A",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    )
)
APPROX_PREFIXES = ("大约", "约为", "约", "近", "~", "≈", "逾", "超过", "大概")
APPROX_SUFFIXES = ("左右", "上下", "余", "多", "以上", "+")
MULTIPLIERS = {"万": 1e4, "亿": 1e8}
PER_YEAR_SUFFIXES = ("/年", "/a", "/yr", "/year", "每年", "/y", "·a-1", "/年度", "年")

# Units per dimension, as factors to a base unit; a field's canonical unit is one of them.
UNITS: dict[str, dict[str, float]] = {
    "energy": {
        "kwh": 1,
        "千瓦时": 1,
        "度": 1,
        "kw·h": 1,
        "kw.h": 1,
        "千瓦·时": 1,
        "wh": 1e-3,
        "mwh": 1e3,
        "兆瓦时": 1e3,
        "gwh": 1e6,
        "吉瓦时": 1e6,
    },
    "gas_volume": {"m3": 1, "立方米": 1, "立方": 1, "方": 1, "nm3": 1, "标方": 1, "标立方米": 1, "l": 1e-3, "升": 1e-3},
    "water_volume": {"m3": 1, "立方米": 1, "立方": 1, "方": 1, "t": 1, "吨": 1, "l": 1e-3, "升": 1e-3},
    "liquid_volume": {"l": 1, "升": 1, "公升": 1, "ml": 1e-3, "毫升": 1e-3, "m3": 1e3, "立方米": 1e3},
    "mass": {"kg": 1, "千克": 1, "公斤": 1, "g": 1e-3, "克": 1e-3, "t": 1e3, "吨": 1e3, "斤": 0.5},
    "area": {
        "m2": 1,
        "平方米": 1,
        "平米": 1,
        "平方": 1,
        "sqm": 1,
        "hm2": 1e4,
        "公顷": 1e4,
        "ha": 1e4,
        "km2": 1e6,
        "平方公里": 1e6,
        "平方千米": 1e6,
        "亩": 10000 / 15,
    },
    "power": {
        "kwp": 1,
        "kw": 1,
        "千瓦": 1,
        "千瓦峰值": 1,
        "千瓦(峰值)": 1,  # 千瓦（峰值） once full-width brackets are folded
        "mwp": 1e3,
        "mw": 1e3,
        "兆瓦": 1e3,
        "wp": 1e-3,
    },
    "distance": {"km": 1, "公里": 1, "千米": 1, "m": 1e-3, "米": 1e-3},
    "persons": {"人": 1, "persons": 1, "person": 1, "people": 1, "名": 1, "口": 1},
    "households": {"户": 1, "households": 1, "household": 1},
    "count": {
        "count": 1,
        "个": 1,
        "栋": 1,
        "幢": 1,
        "座": 1,
        "辆": 1,
        "株": 1,
        "棵": 1,
        "盏": 1,
        "套": 1,
        "台": 1,
        "处": 1,
        "只": 1,
        "块": 1,
        "pcs": 1,
    },
    "events": {"events": 1, "次": 1, "场": 1, "期": 1},
    "percent": {"%": 1, "百分比": 1, "percent": 1},
    "year": {"年": 1, "year": 1},
}

_NUMBER = re.compile(r"^(?P<sign>[+-]?)(?P<num>(?:\d[\d,']*(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)(?P<rest>.*)$")
_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
# A date typed as text (a CSV holds no date cells): 2023/7/1, 2023-07-01, 2023.7.1, 2023年7月1日,
# 7/1/2023, with a time or not; spaces were taken out before it is matched.
_DATE_TEXT = re.compile(
    r"^(?:\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{4}年\d{1,2}月\d{1,2}日?|\d{1,2}([-/.])\d{1,2}\2\d{4})"
    r"(?:\d{1,2}:\d{2}(?::\d{2})?)?$"
)


@dataclass
class ValueProblem(Exception):
    """Why a cell could not be read; `code` is an issue code of `carbon_cli.core.i18n`."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Parsed:
    value: Value | _Missing
    warnings: tuple[tuple[str, dict[str, Any]], ...] = ()


def _clean_text(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw)
    return re.sub(r"[\s\u3000\u00a0]+", "", text)


def unit_factor(unit: str | None, spec: FieldSpec) -> float:
    """Factor from `unit` to the field's canonical unit; raises ValueProblem when unknown."""
    if not unit or spec.dimension not in UNITS:
        return 1.0
    return _unit_factor(unit, spec.dimension, spec.unit)


@functools.lru_cache(maxsize=4096)  # a table repeats one header unit in every row
def _unit_factor(unit: str, dimension: str, canonical_unit: str) -> float:
    table = UNITS[dimension]
    text = _clean_text(unit).lower()
    for suffix in PER_YEAR_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    scale = 1.0
    if text[:1] in MULTIPLIERS and text[1:] in table:
        scale, text = MULTIPLIERS[text[0]], text[1:]
    elif text in MULTIPLIERS:
        return MULTIPLIERS[text]
    base = table.get(text)
    canonical = table.get(_clean_text(canonical_unit).lower(), 1.0)
    if base is None:
        raise ValueProblem("unknown_unit", {"unit": unit, "units": "、".join(sorted(table)[:8])})
    return scale * base / canonical


def _number_text(text: str, spec: FieldSpec, unit_hint: str | None) -> tuple[float, list]:
    warnings: list[tuple[str, dict[str, Any]]] = []
    approximate = False
    for prefix in APPROX_PREFIXES:
        if text.startswith(prefix):
            text, approximate = text[len(prefix) :], True
            break
    for suffix in APPROX_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text, approximate = text[: -len(suffix)], True
            break
    match = _NUMBER.match(text.lower())
    if match is None:
        raise ValueProblem("unreadable_number")
    digits = match.group("num")
    if "," in digits or "'" in digits:
        plain = digits.replace("'", ",")
        mantissa = plain.split("e")[0]
        if not _GROUPED.match(mantissa):
            raise ValueProblem("ambiguous_number")
        digits = plain.replace(",", "")
    number = float(match.group("sign") + digits)
    rest = match.group("rest")
    for suffix in APPROX_SUFFIXES:  # 500余万: the 余 sits between number and unit
        if rest.startswith(suffix) and rest[len(suffix) :][:1] in MULTIPLIERS:
            rest, approximate = rest[len(suffix) :], True
    percent = False
    if rest:
        if rest == "%":
            percent = True
        else:
            number *= unit_factor(rest, spec)
    elif unit_hint:
        number *= unit_factor(unit_hint, spec)
    if percent and spec.dimension != "percent":
        number /= 100  # 35% of a plain quantity is a fraction
    if approximate:
        warnings.append(("approximate_value", {"value": _fmt(number)}))
    return number, warnings


def shown(raw: Any) -> str | None:
    """A raw cell as an issue quotes it: a date as 2023-07-01 (with its time only when it has one)."""
    if raw is None:
        return None
    if isinstance(raw, dt.datetime):
        return raw.strftime("%Y-%m-%d" if raw.time() == dt.time() else "%Y-%m-%d %H:%M")
    if isinstance(raw, dt.date):
        return raw.isoformat()
    if isinstance(raw, dt.time):
        return raw.strftime("%H:%M")
    return str(raw)


def _fmt(number: float) -> str:
    return f"{number:,.6g}" if abs(number) < 1e6 else f"{number:,.0f}"


def parse_value(raw: Any, spec: FieldSpec, unit_hint: str | None = None, max_abs_value: float = 1e12) -> Parsed:
    """Read `raw` (what openpyxl or a CSV gives) as a value of `spec`, in its canonical unit."""
    if raw is None:
        return Parsed(MISSING)
    if isinstance(raw, str):
        stripped = raw.strip()
        if stripped.upper() in EXCEL_ERRORS:
            raise ValueProblem("excel_error")
        if normalize(stripped) in MISSING_WORDS and not (spec.type == "bool" and stripped == "/"):
            return Parsed(MISSING)
    if isinstance(raw, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise ValueProblem("date_not_number")
    if spec.type == "text":
        text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
        text = text.strip()
        if len(text) > 200:
            raise ValueProblem("text_too_long", {"length": len(text), "limit": 200})
        return Parsed(text)
    if spec.type == "bool":
        return Parsed(_parse_bool(raw))
    return _parse_quantity(raw, spec, unit_hint, max_abs_value)


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        if raw in (0, 1):
            return bool(raw)
        raise ValueProblem("bad_bool")
    word = normalize(str(raw))
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise ValueProblem("bad_bool")


def _parse_quantity(raw: Any, spec: FieldSpec, unit_hint: str | None, max_abs_value: float) -> Parsed:
    warnings: list[tuple[str, dict[str, Any]]] = []
    if isinstance(raw, bool):
        raise ValueProblem("unreadable_number")
    if isinstance(raw, int | float):
        number = float(raw)
        if unit_hint:
            number *= unit_factor(unit_hint, spec)
    else:
        text = _clean_text(str(raw))
        if normalize(text) in ZERO_WORDS:
            return Parsed(0 if spec.type == "int" else 0.0)
        if _DATE_TEXT.match(text):
            raise ValueProblem("date_not_number")
        number, warnings = _number_text(text, spec, unit_hint)
    fraction = not (isinstance(raw, str) and "%" in raw)
    return Parsed(checked_quantity(number, spec, max_abs_value, fraction), tuple(warnings))


def checked_quantity(number: float, spec: FieldSpec, max_abs_value: float, fraction: bool = True) -> int | float:
    """A number already in the field's unit, checked and typed; `fraction`: 0.35 may mean 35 %."""
    if not math.isfinite(number) or abs(number) > max_abs_value:
        raise ValueProblem("absurd_value", {"limit": f"{max_abs_value:.0e}"})
    if number < 0:
        raise ValueProblem("negative_value")
    if spec.dimension == "percent" and 0 < number <= 1 and fraction:
        number *= 100  # a fraction: Excel stores a cell shown as 35% as 0.35
    if spec.dimension == "year":
        if not number.is_integer() or not 1900 <= number <= 2100:
            raise ValueProblem("bad_year")
        return int(number)
    if spec.type == "int":
        rounded = round(number)
        if abs(number - rounded) > 1e-6 * max(1.0, abs(number)):
            raise ValueProblem("not_whole_number")
        return int(rounded)
    return number

"""The layout of a criteria workbook: its sheets, their columns with headings in both languages,
and the closed lists behind the drop-downs. The writer (`criteria_workbook.py`) lays a set out by
it and the reader (`criteria_sheets.py`) reads one back by it."""

from __future__ import annotations

from dataclasses import dataclass

from carbon_cli.core.datafiles import STATUSES

# --- the workbook's shape ---------------------------------------------------------------------

SHEET_ABOUT = "说明 About"
SHEET_SET = "标准 Set"
SHEET_ITEMS = "指标 Items"
SHEET_GRADES = "等级 Grades"
SHEET_CATEGORIES = "分类 Categories"
SHEET_NOT_ASSESSABLE = "不可评价 Not assessable"
SHEET_LISTS = "清单 Lists"
DROPDOWN_ROWS = 300  # drop-downs reach this far down, so rows can be added

# Closed lists: code → (中文, English). A cell may hold the code or either label.
TYPES = {"control": ("控制项", "control"), "scored": ("评分项", "scored")}
COMPARISONS = {
    "at_least": ("≥", "≥"),
    "at_most": ("≤", "≤"),
    "is_true": ("是", "yes"),
    "complete": ("齐全", "complete"),
}
SCALES = {
    "linear": ("线性", "linear"),
    "steps": ("阶梯", "steps"),
    "boolean": ("是否", "boolean"),
    "met": ("达标", "met"),
}
STATUS_LABELS = {"seen": ("已见原文", "seen"), "derived": ("推算", "derived"), "assumed": ("假设", "assumed")}
APPLIES = {"always": ("始终适用", "always"), "baseline": ("有基准年时", "with a baseline year")}
ALIASES = {
    "at_least": (">=", "≧", "不低于", "不小于", "以上", "higher is better", "越高越好"),
    "at_most": ("<=", "≦", "不高于", "不大于", "以下", "lower is better", "越低越好"),
    "is_true": ("true", "为是"),
    "control": ("控制", "控制项（必须满足）"),
    "scored": ("评分", "score"),
}
assert tuple(STATUS_LABELS) == STATUSES


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    width: int
    help_zh: str
    help_en: str

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def help(self, lang: str) -> str:
        return self.help_zh if lang == "zh" else self.help_en


ITEM_COLUMNS = (
    Column("id", "编号", "id", 7, "每行唯一的编号，如 C1、S1", "an id used once, e.g. C1, S1"),
    Column(
        "type",
        "类型",
        "type",
        9,
        "控制项（须全部满足）或 评分项（计分）",
        "control (must pass) or scored (earns points)",
    ),
    Column(
        "category",
        "分类",
        "category",
        11,
        "评分项的分类键，见“分类 Categories”表",
        "the scored item's category key (Categories)",
    ),
    Column("zh", "中文名称", "Chinese name", 24, "指标的中文名称", "the item's Chinese name"),
    Column("en", "英文名称", "English name", 28, "指标的英文名称", "the item's English name"),
    Column(
        "metric",
        "指标量",
        "metric",
        24,
        "读取的指标量，见“清单 Lists”表和 docs/metrics.md",
        "the metric it reads: see the Lists sheet and docs/metrics.md",
    ),
    Column(
        "fields",
        "字段",
        "fields",
        26,
        "指标量为 field 或 all_true 时读取的调研字段键，多个用逗号分隔",
        "survey field key(s) read by metric field or all_true, separated by commas",
    ),
    Column(
        "numerator",
        "分子字段",
        "numerator",
        30,
        "ratio：分子字段，多个用 + 相加",
        "ratio: fields summed above the line, joined by +",
    ),
    Column(
        "denominator",
        "分母字段",
        "denominator",
        22,
        "ratio：分母字段，多个用 + 相加",
        "ratio: fields summed below the line, joined by +",
    ),
    Column(
        "comparison",
        "比较",
        "comparison",
        8,
        "≥ 越高越好（不低于）；≤ 越低越好（不高于）；是：是/否指标须为“是”；齐全：必填数据齐全",
        "≥ higher is better (at least); ≤ lower is better (at most); yes: a yes/no metric must be yes; "
        "complete: every required field present",
    ),
    Column(
        "scale",
        "计分方式",
        "scoring",
        9,
        "评分项在阈值之间如何计分：线性（零分值与满分值之间按比例）、阶梯（达到的最高一档的分）、是否（“是”得满分）、"
        "达标（达到“控制值”列的目标得满分，否则 0 分）",
        "how a scored item earns points between thresholds: linear (in proportion between the zero and "
        "full values), steps (the points of the highest step reached), boolean (all points if yes), "
        "met (all points when the value reaches the target column, else 0)",
    ),
    Column(
        "target",
        "控制值",
        "target",
        9,
        "控制项（或计分方式为达标的评分项）的限值，与“比较”连读：≥ 100 即不低于 100",
        "a control's (or a met item's) limit, read with the comparison: ≥ 100 means at least 100",
    ),
    Column("zero", "零分值", "zero at", 9, "线性计分：得 0 分的值", "linear: the value that earns 0 points"),
    Column("full", "满分值", "full at", 9, "线性计分：得满分的值", "linear: the value that earns full points"),
    Column("points", "分值", "points", 7, "评分项的满分", "the scored item's maximum points"),
    Column(
        "steps",
        "阶梯",
        "steps",
        16,
        "阶梯计分：“6 → 3; 2 → 1” 即不低于 6 得 3 分、不低于 2 得 1 分，否则 0 分",
        "steps: “6 → 3; 2 → 1” means at least 6 earns 3 points, at least 2 earns 1, else 0",
    ),
    Column(
        "unit", "单位（英文）", "unit", 12, "阈值的单位（英文）；百分数写 %", "the thresholds' unit; % for percents"
    ),
    Column("unit_zh", "单位（中文）", "unit (Chinese)", 12, "阈值的单位（中文）", "the thresholds' unit in Chinese"),
    Column(
        "applies",
        "适用条件",
        "applies",
        12,
        "始终适用，或 有基准年时（读取基准年的指标量；无基准年时不适用，不计入满分）。由指标量决定，须与之一致",
        "always, or with a baseline year (a metric that reads the baseline year is n/a without one and "
        "leaves the maximum). Follows from the metric and must agree with it",
    ),
    Column("source", "来源", "source", 40, "阈值和分值的出处", "where the thresholds and points come from"),
    Column(
        "status",
        "状态",
        "status",
        9,
        "已见原文（见到出处原文）、推算（由已见数字计算）、假设（未见出处）",
        "seen (the figure is in the source), derived (computed from seen figures), assumed (not seen)",
    ),
)
GRADE_COLUMNS = (
    Column("key", "键", "key", 12, "等级的键，如 pass", "the band's key, e.g. pass"),
    Column("zh", "中文名称", "Chinese name", 12, "", ""),
    Column("en", "英文名称", "English name", 14, "", ""),
    Column(
        "min_score",
        "最低分",
        "min score",
        9,
        "达到该等级的最低得分（0–100）；最低一档须从 0 起",
        "the lowest score of the band (0–100); the lowest band starts at 0",
    ),
    Column("source", "来源", "source", 60, "", ""),
    Column("status", "状态", "status", 10, "", ""),
)
CATEGORY_COLUMNS = (
    Column(
        "key",
        "键",
        "key",
        14,
        "分类的键，“指标 Items”表的分类列引用它",
        "the key the Items sheet's category column names",
    ),
    Column("zh", "中文名称", "Chinese name", 16, "", ""),
    Column("en", "英文名称", "English name", 24, "", ""),
)
NOT_ASSESSABLE_COLUMNS = (
    Column("key", "编号", "id", 7, "每行唯一的编号，不与指标编号重复", "an id used once, not an item's id"),
    Column("zh", "中文名称", "Chinese name", 22, "", ""),
    Column("en", "英文名称", "English name", 26, "", ""),
    Column("requirement_zh", "要求（中文）", "requirement (Chinese)", 30, "出处对该指标的要求", "what the source asks"),
    Column("requirement_en", "要求（英文）", "requirement (English)", 30, "", ""),
    Column(
        "reason_zh", "原因（中文）", "reason (Chinese)", 36, "调研为何不能评价该指标", "why the survey cannot assess it"
    ),
    Column("reason_en", "原因（英文）", "reason (English)", 36, "", ""),
    Column("source", "来源", "source", 30, "", ""),
    Column("status", "状态", "status", 9, "", ""),
)
# The Set sheet: one row per entry (key, label, value)
SET_ROWS = (
    ("id", "标准编号", "set id"),
    ("zh", "中文名称", "Chinese name"),
    ("en", "英文名称", "English name"),
    ("description_zh", "中文说明", "Chinese description"),
    ("description_en", "英文说明", "English description"),
    ("source", "来源", "source"),
    ("status", "状态", "status"),
    ("total_points", "评分项总分", "total points of the scored items"),
)
SET_VALUE_COL = 3

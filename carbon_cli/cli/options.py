"""Options shared by several commands, defined once with their help text."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    md = "md"


class ReportFormat(StrEnum):
    """`carbon assess --format`: the terminal, JSON, or a report (Markdown, web page, Word)."""

    table = "table"
    json = "json"
    md = "md"
    html = "html"
    docx = "docx"


class IssueFormat(StrEnum):
    table = "table"
    json = "json"


LangOption = Annotated[Lang, typer.Option("--lang", help="Language of messages and reports: zh (中文) or en.")]
CriteriaOption = Annotated[
    str | None,
    typer.Option(
        "--criteria",
        metavar="SET|FILE",
        help="Criteria set: a built-in id (see `carbon criteria`) or a TOML file. Default sz-nzc-community.",
    ),
]
CompareCriteriaOption = Annotated[
    str | None,
    typer.Option(
        "--compare-criteria",
        metavar="SET|FILE",
        help="A second criteria set (id, TOML file or criteria workbook) every community is judged under too: "
        "its verdict and score there, the items that account for the difference, and how many verdicts agree.",
    ),
]
FactorsOption = Annotated[
    str | None,
    typer.Option(
        "--factors",
        metavar="SET|FILE",
        help="Emission factor set: a built-in id (see `carbon factors`) or a TOML file. Default cn-south-2023.",
    ),
]
CommunityOption = Annotated[
    str | None,
    typer.Option(
        "--community", "-c", metavar="ID", help="Community ID (or name) to pick from a district table workbook."
    ),
]
YearOption = Annotated[
    int | None,
    typer.Option(
        "--year",
        metavar="YEAR",
        help="Assessment year to use from a table workbook (default: each community's latest).",
    ),
]
OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to FILE instead of the terminal (atomically)."),
]
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="KEY=VALUE",
        help="What-if: change an assessment-year survey value, e.g. --set charging_spaces=600 (repeatable).",
    ),
]
MeasuresOption = Annotated[
    str | None,
    typer.Option(
        "--measures", metavar="FILE", help="A TOML file that overrides or extends the measures library (see README)."
    ),
]
MaxInflatedOption = Annotated[
    float,
    typer.Option("--max-inflated-mb", metavar="MB", help="Refuse a workbook that inflates past MB megabytes."),
]
MaxFileOption = Annotated[
    float,
    typer.Option("--max-file-mb", metavar="MB", help="Refuse a survey file larger than MB megabytes."),
]


class Objective(StrEnum):
    lifecycle = "lifecycle"
    upfront = "upfront"
    effort = "effort"


CostsOption = Annotated[
    str | None,
    typer.Option(
        "--costs",
        metavar="SET|FILE",
        help="Cost set: a built-in id (see `carbon costs`) or a TOML file overriding it. Default sz-2025.",
    ),
]
ObjectiveOption = Annotated[
    Objective,
    typer.Option(
        "--objective",
        help="What a pathway minimises: lifecycle (net cost over the appraisal period, the default), "
        "upfront (capex less one-off subsidies) or effort (low 1, medium 3, high 9).",
    ),
]
YearsOption = Annotated[
    int | None,
    typer.Option(
        "--years", min=1, max=50, metavar="N", help="Appraisal period in years (default: the cost set's, 10)."
    ),
]
DiscountOption = Annotated[
    float | None,
    typer.Option(
        "--discount-rate",
        min=0.0,
        max=0.99,
        metavar="RATE",
        help="Discount rate for the appraisal, e.g. 0.04 (default 0).",
    ),
]
IncludeExpiredOption = Annotated[
    bool,
    typer.Option(
        "--include-expired", help="Count subsidies of policies that have expired (shown as expired otherwise)."
    ),
]


def _full_date(value: str | None) -> str | None:
    """--as-of: a full date (2026-12-31, 2026/12/31, 2026年12月31日) as ISO, or None for today."""
    if value is None:
        return None
    from carbon_cli.planning.policies import parse_date

    day = parse_date(value)
    if day is None:
        from carbon_cli.core.errors import UsageError

        raise UsageError("usage_bad_date", option="--as-of", value=value)
    return day.isoformat()


ReportDateOption = Annotated[
    str | None,
    typer.Option(
        "--date",
        metavar="TEXT",
        help="Date printed on the report (none unless given). It does not decide which subsidies count: see --as-of.",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        callback=_full_date,
        help="Day on which subsidies and policies are judged in force, e.g. 2026-12-31 (default: today). It "
        "changes which subsidies a pathway counts and is stated in the report; with validate --roster, the day "
        "the collection status is dated.",
    ),
]

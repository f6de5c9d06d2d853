"""`carbon batch`: score, rank and report every community of a district."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from carbon_cli.cli.options import (
    AsOfOption,
    CompareCriteriaOption,
    CostsOption,
    CriteriaOption,
    DiscountOption,
    FactorsOption,
    IncludeExpiredOption,
    Lang,
    LangOption,
    MaxFileOption,
    MaxInflatedOption,
    MeasuresOption,
    Objective,
    ObjectiveOption,
    ReportDateOption,
    YearOption,
    YearsOption,
)

if TYPE_CHECKING:
    from carbon_cli.batch.cache import Cache


def batch(
    paths: Annotated[
        list[Path], typer.Argument(help="Form workbooks, folders of them (recursive) and table workbooks.")
    ],
    outdir: Annotated[
        Path, typer.Option("--output", "-o", metavar="OUTDIR", help="Folder for reports and results.")
    ] = Path("carbon-out"),
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: CPU count).")
    ] = None,
    criteria: CriteriaOption = None,
    compare_criteria: CompareCriteriaOption = None,
    factors: FactorsOption = None,
    measures: MeasuresOption = None,
    lang: LangOption = Lang.zh,
    year: YearOption = None,
    pathways: Annotated[
        bool, typer.Option("--pathways/--no-pathways", help="Search each community's pathway to eligibility.")
    ] = True,
    reports: Annotated[
        bool, typer.Option("--reports/--no-reports", help="Write a Markdown report per community.")
    ] = True,
    template: Annotated[
        Path | None,
        typer.Option(
            "--template",
            metavar="FILE",
            help="Your own Jinja2 Markdown template for the reports, or a Word template (.docx) for their look.",
        ),
    ] = None,
    date: ReportDateOption = None,
    as_of: AsOfOption = None,
    report_format: Annotated[
        str,
        typer.Option(
            "--report-format",
            metavar="md,html,docx",
            help="Formats of the reports and the summary, comma-separated: md, html (web page), docx (Word).",
        ),
    ] = "md",
    force: Annotated[
        bool, typer.Option("--force", help="Write into a folder that holds files carbon-cli did not write.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no ranking table.")] = False,
    use_cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Reuse the results of files and communities unchanged since an earlier run "
            "(kept in the user cache folder, or CARBON_CACHE_DIR; at most CARBON_CACHE_MB, default 1024).",
        ),
    ] = True,
    objective: ObjectiveOption = Objective.lifecycle,
    costs: CostsOption = None,
    years: YearsOption = None,
    discount_rate: DiscountOption = None,
    include_expired: IncludeExpiredOption = False,
    budget: Annotated[
        str | None,
        typer.Option(
            "--budget",
            metavar="AMOUNT",
            help="Yuan the district commits over the appraisal period (300万 works): upfront plus every "
            "year's net running cost of the pathways (life-cycle cost). Picks the communities that make the "
            "most pilots within it.",
        ),
    ] = None,
    budget_upfront: Annotated[
        str | None,
        typer.Option(
            "--budget-upfront",
            metavar="AMOUNT",
            help="A separate cap on the upfront cost (capex less one-off subsidies) of the pathways funded.",
        ),
    ] = None,
    budget_annual: Annotated[
        str | None,
        typer.Option(
            "--budget-annual",
            metavar="AMOUNT",
            help="A separate cap on the net running cost a year (opex less savings and annual subsidies).",
        ),
    ] = None,
    plans: Annotated[
        list[Path] | None,
        typer.Option(
            "--plans",
            metavar="DIR",
            help="Plan files written by carbon plan --save-plan, or a folder of them (repeatable): when the "
            "surveys hold several years, the summary follows these pilots (on course or behind, emissions "
            "by year, spend so far against the plans), as carbon track does.",
        ),
    ] = None,
    max_inflated_mb: MaxInflatedOption = 512.0,
    max_file_mb: MaxFileOption = 100.0,
) -> None:
    """Assess every community: a report each, a summary report, and results as CSV, XLSX and JSON.

    Exit code 0 when every file was assessed, 1 when some could not be (the rest are still written).

    Example: carbon batch sample_data -o out/

    Example: carbon batch sample_data -o out/ --compare-criteria ndrc-2014-pilot-targets
    """
    from carbon_cli.accounting.factors import load_factor_set
    from carbon_cli.batch.outdir import OutputFolder
    from carbon_cli.batch.run import run_batch
    from carbon_cli.cli.console import emit, progress_bar, stderr, t
    from carbon_cli.cli.ranking import batch_view
    from carbon_cli.core.errors import UsageError
    from carbon_cli.core.fileio import terminated_as_interrupted
    from carbon_cli.outputs.district import BatchOptions
    from carbon_cli.outputs.results import write_results
    from carbon_cli.planning.costs import load_cost_set
    from carbon_cli.planning.investment import Budget, parse_yuan
    from carbon_cli.planning.measures import load_measures
    from carbon_cli.scoring.criteria_files import load_criteria
    from carbon_cli.survey.container import Limits

    code = lang.value
    formats = report_formats(report_format)
    caps = []
    for given in (budget, budget_upfront, budget_annual):
        yuan = parse_yuan(given) if given is not None else None
        if given is not None and yuan is None:
            raise UsageError("bad_budget", found=given)
        caps.append(yuan)
    budget_caps = Budget(*caps) if any(c is not None for c in caps) else None
    _some_input(list(paths), outdir, code)
    # fail fast on a bad data file
    load_criteria(criteria), load_factor_set(factors), load_measures(measures), load_cost_set(costs)
    if compare_criteria is not None:
        load_criteria(compare_criteria)
    options = BatchOptions(
        criteria=criteria,
        factors=factors,
        measures=measures,
        year=year,
        limits=Limits(max_file_mb=max_file_mb, max_inflated_mb=max_inflated_mb),
        lang=code,
        pathways=pathways,
        reports=reports,
        template=str(template) if template else None,
        date=date,
        as_of=as_of,
        report_formats=formats,
        costs=costs,
        objective=objective.value,
        years=years,
        discount_rate=discount_rate,
        include_expired=include_expired,
        budget=budget_caps,
        compare_criteria=compare_criteria,
        plans=tuple(str(p) for p in plans or ()),
    )
    followed = None
    if plans:  # every year read and each plan tracked first: a pilot's report shows its progress
        from carbon_cli.batch.progress import follow_pilots
        from carbon_cli.outputs.tracking import community_chapter

        followed = follow_pilots(list(paths), options)
        if followed is not None and reports:
            chapters = tuple((t.plan.community_id, community_chapter(t, code)) for t in followed[1])
            options = replace(options, tracked=chapters)
    cache = _cache() if use_cache else None
    with terminated_as_interrupted(), OutputFolder(outdir, list(paths), force) as out:
        if out.stale_lock is not None:
            pid = out.stale_lock.get("pid", "?")
            stderr.print(
                t(
                    code,
                    f"注意：上次运行（进程 {pid}）被中断，留下的锁和临时文件已清除",
                    f"note: an earlier run (process {pid}) was interrupted; its lock and temporary files were cleared",
                )
            )
        with progress_bar(code, enabled=not quiet) as (on_total, advance):
            result = run_batch(paths, options, jobs=jobs, on_total=on_total, progress=advance, sink=out, cache=cache)
        if followed is not None:
            result = replace(result, progress=followed[0])
        write_results(result, options, out)
        out.commit()
    if cache is not None:
        cache.prune()
    if not quiet:
        emit(batch_view(result, code))
    if result.cache is not None and (result.cache.reused or result.cache.files_reused):
        c = result.cache
        stderr.print(
            t(
                code,
                f"缓存：{c.reused} 个社区沿用上次结果，{c.assessed} 个重新评估；"
                f"{c.files_reused} 个文件未变未重读（--no-cache 可关闭）",
                f"cache: {c.reused} communities reused, {c.assessed} assessed; "
                f"{c.files_reused} unchanged file(s) not read again (--no-cache turns this off)",
            )
        )
    summaries = "summary." + "/".join(options.report_formats)
    stderr.print(
        t(
            code,
            f"已写入 {outdir}/：{len(out.files)} 个文件（汇总报告 {summaries}，结果 results.csv/xlsx/json）",
            f"Wrote {len(out.files)} file(s) to {outdir}/ ({summaries}, results.csv/xlsx/json)",
        )
    )
    for line in removed_lines(out.removed, options.report_formats, code):
        stderr.print(line)
    raise typer.Exit(0 if result.ok else 1)


def removed_lines(removed: list[str], formats: tuple[str, ...], lang: str) -> list[str]:
    """What a re-run removed from the folder: the reports of formats not asked for this time
    (and how to keep them), then any other file of the previous run not written again."""
    from carbon_cli.cli.console import t
    from carbon_cli.outputs.documents import FORMATS

    suffix = {name: name.rsplit(".", 1)[-1].lower() if "." in name else "" for name in removed}
    dropped = [f for f in FORMATS if f not in formats and f in suffix.values()]
    by_format = [n for n in removed if suffix[n] in dropped]
    rest = len(removed) - len(by_format)
    lines = []
    if by_format:
        keep = ",".join([*formats, *dropped])
        lines.append(
            t(
                lang,
                f"已删除上次运行写入、本次没有要求的格式（{'、'.join(dropped)}）的 {len(by_format)} 个文件；"
                f"要一并保留，请用 --report-format {keep}",
                f"removed {len(by_format)} file(s) of formats not asked for this time: {', '.join(dropped)} "
                f"(to keep them, run with --report-format {keep})",
            )
        )
    if rest:
        lines.append(
            t(
                lang,
                f"已删除上次运行写入、本次没有再写出的 {rest} 个文件（如已不在输入中的社区的报告）",
                f"removed {rest} file(s) of the previous run that this run did not write again "
                "(such as the reports of communities no longer in the input)",
            )
        )
    return lines


def _some_input(paths: list[Path], outdir: Path, lang: str) -> None:
    """Refuse, before any output folder is made, a batch whose paths hold no survey at all."""
    from carbon_cli.cli.console import print_error
    from carbon_cli.core.errors import CarbonError
    from carbon_cli.survey.issues import Issue, Location
    from carbon_cli.survey.paths import expand_paths

    files, problems = expand_paths(paths)
    if any(f.exists() for f in files):
        return
    missing = [Issue("file_not_found", Location(str(f)), params={"path": str(f)}) for f in files]
    for issue in [*missing, *problems]:
        print_error(CarbonError(issue.code, hint=issue.expected(lang) or None, **issue.params), lang)
    raise CarbonError("batch_no_input", outdir=str(outdir))


def report_formats(value: str) -> tuple[str, ...]:
    """`md,html,docx` → ("md", "html", "docx"); an unknown format is a usage error."""
    from carbon_cli.cli.usage import PDF_LIKE
    from carbon_cli.core.errors import UsageError
    from carbon_cli.core.i18n import Bilingual
    from carbon_cli.outputs.documents import FORMATS

    formats = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in value.split(",") if f.strip()))
    unknown = [f for f in formats if f not in FORMATS]
    if any(f in PDF_LIKE for f in unknown):
        raise UsageError("report_format_pdf", option="--report-format")
    if unknown or not formats:
        choices = Bilingual("、".join(FORMATS), ", ".join(FORMATS))
        raise UsageError("bad_report_format", value=", ".join(unknown) or repr(value), choices=choices)
    return formats


def _cache() -> Cache:
    import os

    from carbon_cli.batch.cache import DEFAULT_MAX_MB, Cache

    try:
        max_mb = float(os.environ.get("CARBON_CACHE_MB") or DEFAULT_MAX_MB)
    except ValueError:
        max_mb = DEFAULT_MAX_MB
    return Cache(max_mb=max_mb)


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)

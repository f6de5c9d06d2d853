"""The files a batch writes: per-community reports, the summary, and CSV/XLSX/JSON results."""

from __future__ import annotations

from carbon_cli.batch import (
    FAILURE_COLUMNS,
    RESULT_COLUMNS,
    BatchOptions,
    BatchResult,
    failure_row,
    result_row,
    results_dict,
)
from carbon_cli.export import csv_bytes, people_sheets, xlsx_bytes
from carbon_cli.serialize import dumps


def output_files(batch: BatchResult, options: BatchOptions) -> dict[str, bytes]:
    """Name inside the output folder → bytes, in a stable order."""
    from carbon_cli.outputs import documents, split_template
    from carbon_cli.summary import render_summary

    lang = options.lang
    rows = [result_row(r, lang) for r in batch.results]
    failures = [failure_row(f, lang) for f in batch.failures]
    criteria = batch.results[0].assessment.criteria if batch.results else None
    grades = {g.key: g.label(lang) for g in criteria.grades} if criteria else {}
    summary = render_summary(batch, options)
    word_template = split_template(options.template)[1]
    files: dict[str, bytes] = {
        f"summary.{fmt}": data for fmt, data in documents(summary, options.report_formats, lang, word_template).items()
    }
    files |= {
        "results.csv": csv_bytes(RESULT_COLUMNS, rows),
        # for people first; then the same with keys and codes, as in results.csv, for scripts
        "results.xlsx": xlsx_bytes(
            [
                *people_sheets(RESULT_COLUMNS, rows, FAILURE_COLUMNS, failures, lang, grades),
                ("results", RESULT_COLUMNS, rows),
                ("failures", FAILURE_COLUMNS, failures),
            ]
        ),
        "results.json": dumps(results_dict(batch, options)).encode("utf-8"),
    }
    for r in batch.results:
        if r.report_name and r.report is not None:
            stem = r.report_name.rsplit(".", 1)[0]
            files.update((f"{stem}.{fmt}", data) for fmt, data in r.report.items())
    return files

"""The files a batch writes besides its per-community reports: the summary, and CSV/XLSX/JSON
results, into the run's output folder."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from typing import IO

from carbon_cli.core.i18n import column_label
from carbon_cli.core.jsonio import dump_chunks
from carbon_cli.core.memory import fewer_collections
from carbon_cli.outputs.district import (
    FAILURE_COLUMNS,
    BatchOptions,
    BatchResult,
    Sink,
    failure_row,
    output_row,
    result_columns,
    results_dict,
)
from carbon_cli.outputs.export import Mapped, Sheet, csv_bytes, people_sheets, xlsx_bytes


def write_results(batch: BatchResult, options: BatchOptions, sink: Sink) -> None:
    """summary.<format> for each report format and results.csv|xlsx|json, each made and written in turn."""
    with fewer_collections():
        _write_results(batch, options, sink)


def _write_results(batch: BatchResult, options: BatchOptions, sink: Sink) -> None:
    from carbon_cli.outputs.documents import documents, split_template
    from carbon_cli.outputs.summary import render_summary

    lang = options.lang
    summary = render_summary(batch, options)
    word_template = split_template(options.template)[1]
    for fmt, data in documents(summary, options.report_formats, lang, word_template).items():
        sink.write(f"summary.{fmt}", data)
    del summary
    rows = Mapped(batch.results, output_row)  # each made as it is written
    columns = result_columns(batch)
    sink.write("results.csv", csv_bytes(columns, rows))
    failures = [failure_row(f, lang) for f in batch.failures]
    grades = {g.key: g.label(lang) for g in batch.criteria.grades} if batch.criteria is not None else {}
    # for people first, each report linked in the most readable format written; then the same
    # with keys and codes, as in results.csv, for scripts (printed on a page each, not on ten)
    readable = next(f for f in ("html", "docx", "md", *options.report_formats) if f in options.report_formats)
    sheets = [
        *people_sheets(columns, rows, FAILURE_COLUMNS, failures, lang, grades, readable),
        Sheet("results", columns, rows, note=column_label("sheet.for_scripts", lang), fit=(1, 1)),
        Sheet("failures", FAILURE_COLUMNS, failures, note=column_label("sheet.for_scripts", lang), fit=(1, 1)),
    ]
    sink.write("results.xlsx", xlsx_bytes(sheets))
    del rows, sheets
    with sink.open("results.json") as f:  # written as it is encoded: not held whole in memory
        block: list[str] = []
        for chunk in dump_chunks(results_dict(batch, options)):
            block.append(chunk)
            if len(block) >= 512:
                f.write("".join(block).encode("utf-8"))
                block.clear()
        f.write("".join(block).encode("utf-8"))


class _Files(dict):
    def write(self, name: str, data: bytes) -> None:
        self[name] = data

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        buffer = io.BytesIO()
        yield buffer
        self[name] = buffer.getvalue()


def output_files(batch: BatchResult, options: BatchOptions) -> dict[str, bytes]:
    """Name inside the output folder → bytes, for the files `write_results` writes."""
    files = _Files()
    write_results(batch, options, files)
    return dict(files)

"""The files a batch writes besides its per-community reports: the summary, and CSV/XLSX/JSON
results, into the run's output folder."""

from __future__ import annotations

from carbon_cli.batch import (
    FAILURE_COLUMNS,
    RESULT_COLUMNS,
    BatchOptions,
    BatchResult,
    Sink,
    failure_row,
    output_row,
    results_dict,
)
from carbon_cli.export import csv_bytes, xlsx_bytes
from carbon_cli.serialize import dumps


def write_results(batch: BatchResult, options: BatchOptions, sink: Sink) -> None:
    """summary.md and results.csv|xlsx|json, each made and written in turn."""
    from carbon_cli.summary import render_summary

    lang = options.lang
    sink.write("summary.md", render_summary(batch, options).encode("utf-8"))
    rows = [output_row(r) for r in batch.results]
    sink.write("results.csv", csv_bytes(RESULT_COLUMNS, rows))
    failures = [failure_row(f, lang) for f in batch.failures]
    sink.write("results.xlsx", xlsx_bytes([("results", RESULT_COLUMNS, rows), ("failures", FAILURE_COLUMNS, failures)]))
    del rows
    sink.write("results.json", dumps(results_dict(batch, options)).encode("utf-8"))


class _Files(dict):
    def write(self, name: str, data: bytes) -> None:
        self[name] = data


def output_files(batch: BatchResult, options: BatchOptions) -> dict[str, bytes]:
    """Name inside the output folder → bytes, for the files `write_results` writes."""
    files = _Files()
    write_results(batch, options, files)
    return dict(files)

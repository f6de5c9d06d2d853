"""JSON text as carbon-cli writes it: indented, UTF-8 as is, no NaN; long row lists written a row at a time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any


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

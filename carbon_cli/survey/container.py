"""What a survey file is, judged by its content, and whether it is safe to open.

A file is judged by its content, not its name: an OLE container (an .xls, or any
password-protected workbook), a zip package (.xlsx or .ods, or a .numbers/.docx in disguise), a
web page saved as ".xls", or CSV text. Before calamine sees a package, every part is inflated
here from its raw bytes under limits that do not trust the zip header (declared sizes can lie): a
total budget, a compression-ratio ceiling against zip bombs, the sizes and checksums the header
claims. XML entity declarations are refused. Per sheet, hidden state, merged ranges, the extent
of the cells (the reader lays a sheet out as a full grid), error values and the formulas that
have no stored result are read (`SheetInfo`), for `survey.workbook` to read the cached values with:
from the sheet XML of an .xlsx here, from content.xml of an .ods (`survey.odf`) and from the BIFF
records of an .xls (`survey.biff`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from carbon_cli.survey.issues import InputError, Issue, Location

SURVEY_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
# Spreadsheets carbon-cli cannot read (a WPS .et is read if it holds BIFF8, as most do): found in
# a folder they are reported, never silently skipped.
OTHER_SPREADSHEETS = (".xlsb", ".et", ".numbers")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")

_MB = 1024 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTION_STREAMS = tuple(name.encode("utf-16-le") for name in ("EncryptionInfo", "EncryptedPackage"))
_RATIO_FLOOR_MB = 32  # below this a part may compress as well as it likes (blank rows, styles)
MAX_ROW = 1_048_576  # Excel's last row
# Cells of one sheet's grid (rows x columns up to its farthest cell, blanks included): a district
# table has about a million; a forged sheet (a stray cell in column XFD of every row, or one far
# cell) would otherwise make the reader lay out billions.
MAX_CELLS = 20_000_000


@dataclass(frozen=True)
class Limits:
    """How much a single survey file may cost to open. Configurable from the CLI."""

    max_file_mb: float = 100.0
    max_inflated_mb: float = 512.0
    # Once a part inflates past _RATIO_FLOOR_MB, inflated/compressed above this is a zip bomb
    # (real xlsx parts compress 5-20:1; a bomb of zeros 1000:1).
    max_ratio: float = 100.0


@dataclass
class SheetInfo:
    """What the package check found in one sheet, beyond its cached values."""

    name: str
    hidden: bool = False
    member: str = ""
    format: str = "xlsx"  # or "xls", "ods": which reader may read the values
    uncomputed: set[tuple[int, int]] = field(default_factory=set)  # formulas with no stored result
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # Excel error values ("#DIV/0!")
    rows: int = 0  # the farthest cell's row and column
    columns: int = 0


def input_error(file: Path, code: str, sheet: str | None = None, **params: Any) -> InputError:
    """The error that survey file `file` (and its `sheet`) cannot be used: issue `code` with `params`."""
    return InputError(Issue(code, Location(str(file), sheet), params=params))


def _mb(size: float) -> str:
    return f"{size / _MB:,.1f}"


# --- the file as a whole --------------------------------------------------------------------


def check_readable(path: Path, limits: Limits) -> int:
    """The file's size, once it is known to be a regular, readable file under the size limit."""
    try:
        if not path.exists():
            raise input_error(path, "file_not_found", path=str(path))
        if path.is_dir():
            raise input_error(path, "is_directory", path=str(path))
        if not path.is_file():
            raise input_error(path, "not_a_file", path=str(path))  # a pipe or a device would hang or never end
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except PermissionError:
        raise input_error(path, "permission_denied", path=str(path)) from None
    except OSError as exc:
        raise input_error(path, "read_failed", detail=exc.strerror or type(exc).__name__) from None
    if size == 0:
        raise input_error(path, "empty_file")
    if size > limits.max_file_mb * _MB:
        raise input_error(path, "file_too_large", size_mb=_mb(size), limit_mb=f"{limits.max_file_mb:g}")
    return size


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(512)


def _ole_is_encrypted(path: Path) -> bool:
    """Whether an OLE container holds the streams of an encrypted OOXML package."""
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(_MB):
            buffer = tail + chunk
            if any(name in buffer for name in _ENCRYPTION_STREAMS):
                return True
            tail = buffer[-40:]
    return False


def _looks_like_markup(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<")


def kind_of_file(path: Path, limits: Limits) -> str:
    """What the survey file at `path` is, judged by its content: "package" (a zip package, to be
    checked by `inspect_package`), "ole" (an .xls, to be checked by `inspect_xls`) or "text" (CSV
    or tab-separated text).

    Raises InputError, naming the file, when it is unreadable, too large, or of a kind carbon-cli
    cannot read (an encrypted workbook, a web page saved as .xls …).
    """
    check_readable(path, limits)
    try:
        head = _head(path)
    except OSError as exc:
        raise input_error(path, "read_failed", detail=exc.strerror or type(exc).__name__) from None
    suffix = path.suffix.lower()
    if head.startswith(_OLE_MAGIC):
        if _ole_is_encrypted(path):
            raise input_error(path, "encrypted_workbook")
        return "ole"
    if head.startswith(b"PK"):
        return "package"
    if suffix in TEXT_SUFFIXES:
        return "text"
    if _looks_like_markup(head):
        raise input_error(path, "html_table", suffix=suffix or "(none)")
    if suffix in OTHER_SPREADSHEETS:
        raise input_error(path, "unsupported_format", suffix=suffix)
    raise input_error(path, "not_a_workbook")

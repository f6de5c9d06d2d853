"""Where the package's data files and report templates live, installed or in a checkout."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # carbon_cli/
DATA_DIR = PACKAGE_DIR / "data"


def templates_dir() -> Path:
    """The wheel carries templates inside the package; a checkout keeps them at the top level."""
    packaged = PACKAGE_DIR / "templates"
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / "templates"


@cache
def load_toml(relative: str) -> dict[str, Any]:
    with (DATA_DIR / relative).open("rb") as f:
        return tomllib.load(f)

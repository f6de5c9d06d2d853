"""Shared fixtures: a complete plausible survey, and small workbooks written on the fly."""

from __future__ import annotations

import carbon_cli  # noqa: F401  (before openpyxl: it pins openpyxl's XML writer, see its __init__)

# isort: split
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from carbon_cli.accounting.factors import load_factor_set
from carbon_cli.scoring.criteria_files import load_criteria
from carbon_cli.survey.model import Survey

# `carbon batch` keeps a cache in the user's cache folder: the tests keep theirs apart
os.environ.setdefault("CARBON_CACHE_DIR", tempfile.mkdtemp(prefix="carbon-test-cache-"))

# The day the suite's clock shows: every test runs as on this day, whatever the machine's clock
# says (subsidies are judged in force on "today"). Tests that start carbon-cli in another process
# pass `--as-of AS_OF` instead; tests/test_clock.py runs the date-sensitive paths on other days.
AS_OF = "2026-11-30"


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    import datetime as dt

    from carbon_cli.planning import policies

    monkeypatch.setattr(policies, "today", lambda: dt.date.fromisoformat(AS_OF))


ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_data"

FORM_HEADER = ["字段键", "指标", "单位", "必填", "基准年数值", "评价年数值", "数据来源", "备注"]


def complete_values(population: int = 18000) -> dict[str, Any]:
    """Every required field with plausible values (a fictional community), plus a few optional ones."""
    p = population
    return {
        "community_id": "T-01",
        "community_name": "测试社区",
        "street": "测试街道",
        "district": "示范区",
        "assessment_year": 2023,
        "resident_population": p,
        "households": 7000,
        "land_area_m2": 600_000.0,
        "gfa_total_m2": 900_000.0,
        "gfa_residential_m2": 700_000.0,
        "buildings_total": 120,
        "elec_residential_kwh": 1000.0 * p,
        "elec_public_area_kwh": 100.0 * p,
        "gas_pipeline_m3": 40.0 * p,
        "water_supply_m3": 50.0 * p,
        "msw_total_t": 0.35 * p,
        "buildings_with_sorting_points": 120,
        "green_cover_m2": 200_000.0,
        "has_carbon_mgmt_team": True,
        "has_creation_plan": True,
    }


@pytest.fixture
def survey() -> Survey:
    return Survey("t.xlsx", "form", complete_values())


@pytest.fixture(scope="session")
def factors():
    return load_factor_set()


@pytest.fixture(scope="session")
def criteria():
    return load_criteria()


def write_form(path: Path, rows: list[list[Any]], sheet: str = "能源", extra_sheets: int = 0) -> Path:
    """A minimal form workbook: one topic sheet with the header in row 2 and `rows` below."""
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(["调研表"])
    ws.append(FORM_HEADER)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def write_table(path: Path, header: list[Any], rows: list[list[Any]], title: str = "社区汇总") -> Path:
    book = Workbook()
    ws = book.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path

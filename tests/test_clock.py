"""The clock: the one date-dependent rule (which subsidies are in force) follows `--as-of`, or the
day the clock shows, and nothing else changes with the calendar. Runs the date-sensitive paths
(`assess --format md`, `plan --format json`, `batch`) on days either side of a policy's expiry."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from carbon_cli.cli.app import app
from carbon_cli.core import i18n
from carbon_cli.planning import policies
from tests.conftest import SAMPLES

FORM = str(SAMPLES / "communities" / "FT-SH-05.xlsx")
# Futian's PV subsidy policy is valid until 2024-12-31 (policies.toml, costs/sz-2025.toml)
IN_FORCE, LAPSED = "2024-06-01", "2026-11-30"


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def _set_clock(monkeypatch, day: str) -> None:
    monkeypatch.setattr(policies, "today", lambda: dt.date.fromisoformat(day))


def test_which_policies_are_in_force_follows_the_as_of_day():
    before = _run(["assess", FORM, "--format", "md", "--as-of", IN_FORCE])
    after = _run(["assess", FORM, "--format", "md", "--as-of", LAPSED])
    assert "至 2024-12-31，2024-06-01 在有效期内" in before and "已过期" not in before
    assert "至 2024-12-31，⚠ 按 2026-11-30 判断已过期" in after
    assert "补贴按 2024-06-01 的政策有效期判断" in before and "补贴按 2026-11-30 的政策有效期判断" in after


@pytest.mark.parametrize("day", [IN_FORCE, LAPSED])
def test_the_clock_is_the_default_as_of_day(monkeypatch, day):
    explicit = {
        "md": _run(["assess", FORM, "--format", "md", "--as-of", day]),
        "plan": _run(["plan", FORM, "--format", "json", "--as-of", day]),
    }
    _set_clock(monkeypatch, day)
    assert _run(["assess", FORM, "--format", "md"]) == explicit["md"]
    assert _run(["plan", FORM, "--format", "json"]) == explicit["plan"]
    assert f"{day} 在有效期内" in explicit["md"] or f"按 {day} 判断已过期" in explicit["md"]


def test_the_printed_date_decides_nothing():
    plain = _run(["assess", FORM, "--format", "md", "--as-of", IN_FORCE])
    dated = _run(["assess", FORM, "--format", "md", "--as-of", IN_FORCE, "--date", "2030年1月1日"])
    assert dated.replace("\n报告日期：2030年1月1日\n", "") == plain


@pytest.mark.slow
def test_batch_outputs_follow_the_as_of_day_and_only_it(tmp_path, monkeypatch):
    def batch(name: str, *extra: str) -> dict[str, bytes]:
        out = tmp_path / name
        _run(["batch", FORM, "-o", str(out), "-q", "--jobs", "1", "--no-cache", *extra])
        return {p.name: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".carbon-cli.json"}

    on_day = batch("explicit", "--as-of", LAPSED)
    _set_clock(monkeypatch, LAPSED)
    assert batch("clock") == on_day
    _set_clock(monkeypatch, "2030-02-28")
    assert batch("later", "--as-of", LAPSED) == on_day
    assert batch("in-force", "--as-of", IN_FORCE)["FT-SH-05.md"] != on_day["FT-SH-05.md"]


def test_an_as_of_that_is_not_a_date_is_a_usage_error():
    result = CliRunner().invoke(app, ["plan", FORM, "--as-of", "next week"])
    error = result.exception  # a UsageError (exit 2), worded by main(): see tests/test_mistakes.py
    assert getattr(error, "code", None) == "usage_bad_date" and getattr(error, "exit_code", None) == 2
    assert "2026-12-31" in i18n.expected(error.code, "zh", **error.params)

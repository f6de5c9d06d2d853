"""The message catalogue (carbon_cli/data/messages.toml): every entry worded in both languages with
the same placeholders, every code the code base raises worded there, and the file read only when
a message is needed."""

from __future__ import annotations

import ast
import string
import tomllib

import pytest
from typer.testing import CliRunner

from carbon_cli.core import i18n
from carbon_cli.core.resources import DATA_DIR, PACKAGE_DIR

with (DATA_DIR / i18n.CATALOGUE).open("rb") as _f:
    CATALOGUE = tomllib.load(_f)
ISSUES: dict[str, dict] = CATALOGUE["issues"]
LABELS = [(table, key, pair) for table in ("terms", "columns") for key, pair in CATALOGUE[table].items()]

# Worded but raised nowhere today (kept for now; use one, or delete it, and take it off this list).
UNUSED = {"inconsistent_identity", "fraction_as_percent", "no_assessment_year", "annotate_csv"}


def placeholders(template: str) -> set[str]:
    """The {names} of a template; a malformed one (a lone brace) fails here, as it would in use."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def test_the_catalogue_has_issues_terms_and_columns_only():
    assert set(CATALOGUE) == {"issues", "terms", "columns"}
    assert len(ISSUES) > 50


@pytest.mark.parametrize("code", sorted(ISSUES))
def test_every_issue_has_a_severity_and_both_languages(code):
    entry = ISSUES[code]
    assert entry["severity"] in ("error", "warning")
    assert set(entry) <= {"severity", "zh", "en", "expected_zh", "expected_en"}, set(entry)
    assert isinstance(entry["zh"], str) and entry["zh"].strip()
    assert isinstance(entry["en"], str) and entry["en"].strip()
    assert ("expected_zh" in entry) == ("expected_en" in entry), "expected_zh and expected_en go together"
    assert entry.get("expected_zh", "x").strip() and entry.get("expected_en", "x").strip(), "leave it out, not blank"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in entry["zh"] + entry.get("expected_zh", "")) or "{" in entry["zh"]


@pytest.mark.parametrize("code", sorted(ISSUES))
def test_both_languages_take_the_same_placeholders(code):
    entry = ISSUES[code]
    assert placeholders(entry["zh"]) == placeholders(entry["en"])
    assert placeholders(entry.get("expected_zh", "")) == placeholders(entry.get("expected_en", ""))


@pytest.mark.parametrize(("table", "key", "pair"), LABELS, ids=[f"{t}.{k}" for t, k, _ in LABELS])
def test_every_term_and_column_heading_has_both_languages(table, key, pair):
    assert set(pair) == {"zh", "en"}
    assert pair["zh"].strip() and pair["en"].strip()
    assert not placeholders(pair["zh"]) and not placeholders(pair["en"])


def test_the_functions_read_the_catalogue():
    assert i18n.severity("out_of_range") == ISSUES["out_of_range"]["severity"] == "warning"
    assert i18n.message("file_not_found", "en", path="a.xlsx") == "no such file or folder: a.xlsx"
    assert i18n.message("file_not_found", path="a.xlsx") == "文件或文件夹不存在：a.xlsx"
    assert i18n.expected("out_of_range", "en", low=1, high=2) == "1 – 2"
    assert i18n.message("read_failed", "en") == "cannot read the file: "  # a missing placeholder is blank
    detail = i18n.Bilingual("文件夹只读", "read-only folder")
    assert i18n.message("write_failed", "zh", path="out", detail=detail) == "无法写入 out：文件夹只读"
    assert i18n.term("eligible.short", "en") == "eligible" and i18n.column_label("rank") == "排名"
    # an unknown code or key is shown as itself rather than failing
    assert (i18n.severity("no_such_code"), i18n.message("no_such_code"), i18n.expected("no_such_code")) == (
        "error",
        "no_such_code",
        "",
    )
    assert i18n.term("no_such_term") == "no_such_term" and i18n.column_label("no_such_column") == "no_such_column"
    # the tables as they were when they were dicts in i18n.py
    assert i18n.ISSUES["zip_bomb"][0] == "error" and len(i18n.ISSUES) == len(ISSUES)
    assert i18n.TERMS["pass"] == ("通过", "pass") and i18n.COLUMN_LABELS["score"] == ("得分", "Score")


def test_help_does_not_read_the_catalogue():
    from carbon_cli.cli.app import app

    i18n._catalogue.cache_clear()
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    assert i18n._catalogue.cache_info().currsize == 0
    i18n.message("empty_file")
    assert i18n._catalogue.cache_info().currsize == 1


# Where an issue code is written in the code base: the first argument of these (the second of
# `_fail(path, code, …)` and `input_error(path, code, …)`), `code=…`, `code = …`, `x.code == …`,
# `for code, … in ((code, …), …)`
# and the (code, params) warnings of the value parser.
_CODE_ARG = {
    "CarbonError": 0,
    "UsageError": 0,
    "InputError": 0,
    "Issue": 0,
    "ValueProblem": 0,
    "_fail": 1,
    "input_error": 1,
    "Finding": 0,  # monitoring/history.py: a finding across the years of one community
}
# A criteria workbook's problems (scoring/criteria_sheets.py) are made as `Problem(code, …)`,
# `self.problem(code, …)` or `self.code(sheet, cells, key, choices, code)`, and worded under
# `criteria_<code>`: call → (prefix, position of the code).
_PREFIXED = {"Problem": ("criteria_", 0), "problem": ("criteria_", 0), "code": ("criteria_", 4)}


def _strings(node: ast.AST) -> set[str]:
    """The literal strings `node` can be: "a", "a" if … else "b", ("a", "b")."""
    if isinstance(node, ast.Constant):
        return {node.value} if isinstance(node.value, str) else set()
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return set().union(*map(_strings, node.elts))
    return set()


def _is_code(node: ast.AST) -> bool:
    return isinstance(node, ast.Name | ast.Attribute) and (getattr(node, "id", None) or node.attr) == "code"


def codes_in(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in _CODE_ARG and len(node.args) > _CODE_ARG[name]:
                arg = node.args[_CODE_ARG[name]]
                found |= _strings(arg)  # InputError(Issue(…)): the Issue is a call of its own
            if name in _PREFIXED and len(node.args) > _PREFIXED[name][1]:
                prefix, at = _PREFIXED[name]
                found |= {prefix + c for c in _strings(node.args[at])}
            found |= set().union(*(_strings(k.value) for k in node.keywords if k.arg == "code"))
            warning = name == "append" and isinstance(func.value, ast.Name) and func.value.id == "warnings"
            if warning and node.args and isinstance(node.args[0], ast.Tuple):
                found |= _strings(node.args[0].elts[0])
        elif isinstance(node, ast.Assign) and any(_is_code(t) for t in node.targets):
            found |= _strings(node.value)
        elif isinstance(node, ast.Compare) and _is_code(node.left):
            found |= set().union(*(_strings(c) for c in node.comparators))
        elif (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Tuple)
            and _is_code(node.target.elts[0])
            and isinstance(node.iter, ast.Tuple | ast.List)
        ):
            found |= {s for e in node.iter.elts if isinstance(e, ast.Tuple) for s in _strings(e.elts[0])}
    return found


SOURCES = sorted(p for p in PACKAGE_DIR.rglob("*.py") if p.name != "i18n.py")
USED = set().union(*(codes_in(ast.parse(p.read_text(encoding="utf-8"))) for p in SOURCES))


def test_every_code_the_code_base_raises_is_in_the_catalogue():
    # the scan sees each way a code is written (or it would pass by finding nothing)
    for code in ("zip_bomb", "write_failed", "unknown_unit", "approximate_value", "contradiction", "empty_workbook"):
        assert code in USED, code
    assert USED - set(ISSUES) == set()


def test_every_code_in_the_catalogue_is_raised_somewhere():
    written = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES)
    unused = {code for code in ISSUES if f'"{code}"' not in written and code not in USED}
    assert unused == UNUSED, "update UNUSED in this file"

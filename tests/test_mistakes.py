"""What carbon-cli says to the plausible mistakes of issue 24 (item 7), through the real command
line, in Chinese by default: the whole message is pinned, and nothing is written for a batch that
found no input. Every Click usage error is in the chosen language, without Click's English usage
line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow  # each case runs carbon-cli in a process of its own, as a user does

FORM = SAMPLES / "communities" / "FT-SH-05.xlsx"


def carbon(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    env.pop("CARBON_LANG", None)
    return subprocess.run(
        [sys.executable, "-m", "carbon_cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=120,
    )


def lines(run: subprocess.CompletedProcess) -> list[str]:
    return [line.strip() for line in run.stderr.splitlines() if line.strip()]


def no_click_english(run: subprocess.CompletedProcess) -> None:
    assert "Usage:" not in run.stderr and "Try '" not in run.stderr and "Traceback" not in run.stderr


def test_a_mistyped_batch_path_writes_nothing(tmp_path):
    missing = tmp_path / "communitiez"
    run = carbon("batch", missing, "-o", tmp_path / "out")
    assert run.returncode == 1
    assert lines(run) == [
        f"错误: 文件或文件夹不存在：{missing}",
        "检查路径和文件名的拼写",
        f"错误: 没有找到任何调研表，未写入 {tmp_path / 'out'}",
        "检查路径是否写对；文件夹中应有 .xlsx/.xls/.ods/.csv 调研表",
    ]
    assert not (tmp_path / "out").exists()


def test_a_batch_folder_without_surveys_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    run = carbon("batch", tmp_path / "empty", "-o", tmp_path / "out")
    assert run.returncode == 1
    assert lines(run)[0] == f"错误: 文件夹中没有找到 .xlsx/.xls/.ods/.csv 调研表：{tmp_path / 'empty'}"
    assert not (tmp_path / "out").exists()


PDF_ADVICE = (
    "用 html 生成网页报告后在浏览器中“打印 → 另存为 PDF”；或用 docx 生成 Word 报告，再用 Word/WPS 另存为 PDF"
    "（或 soffice --headless --convert-to pdf 报告.docx）"
)


def test_batch_report_format_pdf_says_how_to_get_a_pdf(tmp_path):
    run = carbon("batch", SAMPLES / "communities", "-o", tmp_path / "out", "--report-format", "pdf")
    assert run.returncode == 2
    no_click_english(run)
    assert lines(run) == ["错误: --report-format 不能直接输出 PDF", PDF_ADVICE]
    assert not (tmp_path / "out").exists()


def test_assess_format_pdf_says_how_to_get_a_pdf():
    run = carbon("assess", FORM, "--format", "pdf")
    assert run.returncode == 2
    no_click_english(run)
    assert lines(run) == ["错误: --format 不能直接输出 PDF", PDF_ADVICE, "运行 carbon assess -h 查看用法和示例"]


def test_an_unknown_report_format_lists_the_known_ones(tmp_path):
    run = carbon("batch", SAMPLES / "communities", "-o", tmp_path / "out", "--report-format", "rtf")
    assert lines(run) == ["错误: --report-format 不支持 rtf", "可选 md、html、docx，可用逗号连写，如 md,html,docx"]


def test_budget_given_to_a_command_without_it_names_the_one_with_it():
    run = carbon("plan", FORM, "--budget", "abc")
    assert run.returncode == 2
    no_click_english(run)
    assert lines(run) == [
        "错误: carbon plan 没有 --budget 选项（--budget 是 carbon batch 的选项）",
        "运行 carbon plan -h 查看用法和示例",
    ]


def test_a_budget_that_is_not_an_amount(tmp_path):
    run = carbon("batch", SAMPLES / "communities", "-o", tmp_path / "out", "--budget", "abc")
    assert run.returncode == 2
    no_click_english(run)
    assert lines(run) == ["错误: --budget 应为金额（元），如 3000000 或 300万：abc"]


def test_template_roster_into_a_file_says_it_wants_a_folder(tmp_path):
    forms = tmp_path / "forms"
    assert carbon("template", "--roster", SAMPLES / "roster.txt", "-o", forms).returncode == 0
    target = forms / "FT-SH-01.xlsx"
    run = carbon("template", "--roster", SAMPLES / "roster.txt", "-o", target)
    assert run.returncode == 2
    assert lines(run) == [
        f"错误: -o 应为文件夹：{target} 是一个文件",
        "--roster 为每个社区写一份调研表，-o 指定存放它们的文件夹，如 -o forms/",
    ]


def test_write_failures_are_worded_in_both_languages(tmp_path):
    from carbon_cli.core.fileio import write_failed

    error = write_failed(tmp_path / "x", FileExistsError(17, "File exists"))
    assert error.message("zh") == f"无法写入 {tmp_path / 'x'}：已有同名的文件或文件夹"
    assert error.message("en") == f"cannot write {tmp_path / 'x'}: a file or folder of that name exists"


def _docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("报告")
    document.save(path)
    return path


def test_a_genuine_word_document_is_named_as_one(tmp_path):
    from carbon_cli.survey.issues import InputError
    from carbon_cli.survey.reader import read_workbook

    with pytest.raises(InputError) as err:
        read_workbook(_docx(tmp_path / "report.docx"))
    issue = err.value.issue
    assert issue.code == "office_document"
    assert issue.message("zh") == "这是 Word 文档 (.docx)，不是调研表工作簿"
    renamed = tmp_path / "survey.xlsx"
    renamed.write_bytes((tmp_path / "report.docx").read_bytes())
    with pytest.raises(InputError) as err:
        read_workbook(renamed)
    assert err.value.issue.message("zh") == "文件内容是 Word 文档 (.docx)，只是扩展名改成了 .xlsx"


# --- every Click usage error, in the chosen language ---------------------------------------------

USAGE = [
    (("frobnicate",), ["错误: 没有“frobnicate”这个命令", "可用的命令：", "运行 carbon -h 查看用法和示例"]),
    (("assess",), ["错误: 缺少参数 PATH", "运行 carbon assess -h 查看用法和示例"]),
    (("assess", FORM, "--nope"), ["错误: carbon assess 没有 --nope 选项", "运行 carbon assess -h 查看用法和示例"]),
    (("assess", FORM, "--formt", "json"), ["错误: carbon assess 没有 --formt 选项（是否想用 --factors、--format？）"]),
    (("assess", FORM, "--criteria"), ["错误: 选项 --criteria 后面要跟一个值", "运行 carbon assess -h 查看用法和示例"]),
    (("assess", FORM, FORM), [f"错误: 多余的参数：{FORM}"]),
    (("assess", FORM, "--lang", "fr"), ["错误: --lang 不能取 fr", "可选：zh、en"]),
    (("plan", FORM, "--years", "abc"), ["错误: --years 应为整数：abc"]),
    (("plan", FORM, "--years", "99"), ["错误: --years 超出允许范围：99", "应 ≤ 50"]),
    (("plan", FORM, "--discount-rate", "x"), ["错误: --discount-rate 应为数字：x"]),
    (
        ("plan", FORM, "--as-of", "2026"),
        ["错误: --as-of 应为完整的日期：2026", "如 2026-12-31、2026/12/31 或 2026年12月31日"],
    ),
]


@pytest.mark.parametrize(("args", "expected"), USAGE, ids=[" ".join(map(str, a[:1] + a[2:])) for a, _ in USAGE])
def test_usage_errors_are_in_chinese(args, expected):
    run = carbon(*args)
    assert run.returncode == 2
    no_click_english(run)
    got = lines(run)
    assert len(got) >= len(expected), got
    for want, line in zip(expected, got, strict=False):
        assert line.startswith(want), (want, got)


def test_usage_errors_are_in_english_with_lang_en():
    run = carbon("assess", FORM, "--budget", "3", "--lang", "en")
    assert run.returncode == 2
    no_click_english(run)
    assert lines(run) == [
        "error: carbon assess has no option --budget (--budget belongs to carbon batch)",
        "run carbon assess -h for usage and an example",
    ]

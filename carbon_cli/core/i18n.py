"""Wording of issues, errors and interface terms in Chinese (default) and English.

Messages are templates keyed by a stable code; the code is what scripts and tests match on,
the wording is for people.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any, Literal

LANGS = ("zh", "en")

Severity = Literal["error", "warning"]

# code: (severity, zh message, en message, zh expected, en expected)
ISSUES: dict[str, tuple[Severity, str, str, str, str]] = {
    # whole files
    "file_not_found": (
        "error",
        "文件或文件夹不存在：{path}",
        "no such file or folder: {path}",
        "检查路径和文件名的拼写",
        "check the spelling of the path and file name",
    ),
    "permission_denied": (
        "error",
        "没有读取权限：{path}",
        "permission denied: {path}",
        "给当前用户读取权限（或复制一份到自己的文件夹）",
        "give your user read permission (or copy the file to a folder of yours)",
    ),
    "is_directory": (
        "error",
        "这是一个文件夹，不是工作簿：{path}",
        "this is a folder, not a workbook: {path}",
        "指定其中的调研表文件，或对整个文件夹用 carbon validate/batch",
        "name a survey file in it, or run carbon validate/batch on the folder",
    ),
    "not_a_file": (
        "error",
        "不是普通文件（是设备、管道或套接字），不读取：{path}",
        "not a regular file (a device, pipe or socket); not read: {path}",
        "一个 .xlsx 或 .csv 调研表文件",
        "an .xlsx or .csv survey file",
    ),
    "read_failed": (
        "error",
        "无法读取文件：{detail}",
        "cannot read the file: {detail}",
        "检查磁盘或网络盘是否可用，复制到本地后重试",
        "check the disk or network share; copy the file locally and retry",
    ),
    "empty_file": (
        "error",
        "文件是空的（0 字节），可能下载或复制失败",
        "the file is empty (0 bytes); the download or copy may have failed",
        "重新导出或复制该调研表",
        "export or copy the survey again",
    ),
    "file_too_large": (
        "error",
        "文件有 {size_mb} MB，超过上限 {limit_mb} MB，已拒绝读取",
        "the file is {size_mb} MB, over the limit of {limit_mb} MB; refused",
        "调研表通常不到 1 MB：删除嵌入的图片、附件或多余的工作表后另存",
        "a survey is usually under 1 MB: remove embedded pictures, attachments or extra sheets and save again",
    ),
    "no_workbooks": (
        "error",
        "文件夹中没有找到 .xlsx/.xlsm/.csv 调研表：{path}",
        "no .xlsx/.xlsm/.csv surveys in this folder: {path}",
        "把调研表放进该文件夹，或指定正确的文件夹",
        "put the surveys in this folder, or name the right folder",
    ),
    "not_a_workbook": (
        "error",
        "不是 Excel 工作簿（.xlsx 文件本质是 zip 压缩包，此文件不是）",
        "not an Excel workbook (an .xlsx file is a zip archive; this one is not)",
        "用 Excel/WPS 另存为 .xlsx；如果是 CSV 文本，把扩展名改为 .csv",
        "save it as .xlsx from Excel or WPS; if it is CSV text, rename it to .csv",
    ),
    "zip_not_workbook": (
        "error",
        "这是 zip 压缩包，但里面不是 Excel 工作簿（可能是改了扩展名的 Word/PowerPoint 文件或普通压缩包）",
        "a zip archive, but not an Excel workbook inside (a renamed Word/PowerPoint file or a plain archive?)",
        "用 Excel/WPS 打开调研表后另存为 .xlsx",
        "open the survey in Excel or WPS and save it as .xlsx",
    ),
    "corrupt_workbook": (
        "error",
        "工作簿已损坏，无法读取（{detail}）",
        "the workbook is corrupt and cannot be read ({detail})",
        "重新获取完整的原文件；或用 Excel/WPS 打开（必要时修复）后另存为 .xlsx",
        "get the complete original again, or open it in Excel or WPS (repairing it if asked) and save it as .xlsx",
    ),
    "encrypted_workbook": (
        "error",
        "工作簿设置了打开密码（已加密），无法读取",
        "the workbook is password-protected (encrypted) and cannot be read",
        "在 Excel/WPS 中取消打开密码后另存为 .xlsx",
        "remove the password in Excel or WPS and save it again as .xlsx",
    ),
    "legacy_xls": (
        "error",
        "这是旧版 Excel 97-2003 (.xls) 或 WPS (.et) 格式的文件，不支持",
        "this is a legacy Excel 97-2003 (.xls) or WPS (.et) file, which is not supported",
        "用 Excel/WPS 另存为 .xlsx",
        "save it as .xlsx from Excel or WPS",
    ),
    "html_table": (
        "error",
        "文件内容是网页 (HTML/XML) 表格，只是扩展名为 {suffix}（一些系统导出的“Excel”就是这样）",
        "the file is a web page (HTML/XML) table with a {suffix} name (some systems export “Excel” this way)",
        "用 Excel/WPS 打开后另存为 .xlsx",
        "open it in Excel or WPS and save it as .xlsx",
    ),
    "unsupported_format": (
        "error",
        "不支持的文件格式 {suffix}",
        "unsupported file format {suffix}",
        "在原软件中另存为 .xlsx（或 UTF-8 编码的 .csv 汇总表）",
        "save it as .xlsx from the program that made it (or as a UTF-8 .csv district table)",
    ),
    "csv_encoding": (
        "error",
        "CSV 文件不是可识别的文本（UTF-8、GB18030 或 UTF-16），可能根本不是 CSV",
        "the CSV file is not UTF-8, GB18030 or UTF-16 text; perhaps not a CSV at all",
        "用 Excel/WPS 另存为“CSV UTF-8（逗号分隔）”",
        "save it from Excel or WPS as “CSV UTF-8 (comma delimited)”",
    ),
    "bad_csv": (
        "error",
        "CSV 文件第 {line} 行无法解析（{detail}）",
        "CSV line {line} cannot be parsed ({detail})",
        "检查该行引号是否成对、单元格是否过长；或用 Excel/WPS 另存为 CSV UTF-8",
        "check the quotes on that line and overlong cells, or save it again as CSV UTF-8 from Excel or WPS",
    ),
    "workbook_too_large": (
        "error",
        "工作簿解压后超过上限 {limit_mb} MB（可能是压缩炸弹），已拒绝读取",
        "the workbook inflates past the limit of {limit_mb} MB (possibly a zip bomb) and was refused",
        "正常调研表解压后远小于此上限；确有需要可用 --max-inflated-mb 放宽",
        "real surveys inflate to far less; raise --max-inflated-mb if you must",
    ),
    "zip_bomb": (
        "error",
        "工作簿的压缩比异常（{packed_mb} MB 压缩数据已解压出 {inflated_mb} MB 以上），是压缩炸弹或已损坏，已拒绝读取",
        "the workbook compresses impossibly well ({packed_mb} MB of data had inflated to over {inflated_mb} MB): "
        "a zip bomb or a damaged file, refused",
        "正常调研表不会这样：请向提供者索取原始文件，或用 Excel/WPS 另存为 .xlsx",
        "a real survey never does this: ask its sender for the original, or save it again as .xlsx from Excel or WPS",
    ),
    "unsafe_xml": (
        "error",
        "工作簿包含不安全的 XML 结构（DTD/实体定义，位于 {part}），已拒绝读取",
        "the workbook contains unsafe XML (a DTD or entity declarations, in {part}) and was refused",
        "Excel/WPS 从不写入这种结构：用 Excel/WPS 另存为 .xlsx",
        "Excel and WPS never write these: save it again as .xlsx from Excel or WPS",
    ),
    "too_many_merged_cells": (
        "error",
        "工作表中合并单元格过多（超过 {limit} 个单元格），无法可靠读取",
        "the sheet merges too many cells (over {limit}) to be read reliably",
        "取消不必要的合并单元格后另存",
        "unmerge the cells that need not be merged and save again",
    ),
    "formulas_not_computed": (
        "error",
        "工作表中有超过 {count} 个公式没有计算结果",
        "the sheet holds over {count} formulas with no computed value",
        "在 Excel/WPS 中打开并保存一次（保存时会计算并存下公式结果）",
        "open and save the file once in Excel or WPS (saving stores the formula results)",
    ),
    "sheet_too_large": (
        "error",
        "工作表数据量过大：读到第 {row} 行时已超过 {limit} 个单元格（含行内空白），不像调研表",
        "the sheet is too large: past {limit} cells (blanks within rows included) by row {row}; not a survey",
        "删除多余的行、列和远处的零星内容后另存；一个汇总表通常只有几千行、几十列",
        "delete surplus rows, columns and stray far-away cells and save again; a district table has "
        "a few thousand rows and tens of columns",
    ),
    "empty_workbook": (
        "error",
        "工作簿中没有任何数据",
        "the workbook holds no data",
        "填写调研表（carbon template 生成空白表）",
        "fill in a survey (carbon template writes a blank one)",
    ),
    "no_survey_sheet": (
        "error",
        "没有找到调研表：任何工作表中都没有可识别的表头（工作表：{sheets}）",
        "no survey found: no sheet has a header row carbon-cli recognises (sheets: {sheets})",
        "用 carbon template 生成的表格式：分专题表（字段键/指标/评价年数值列）或汇总表（每列一个字段、含年份列）",
        "the layout carbon template writes: a form (key/field/assessment-value columns) "
        "or a table (one column per field, with a year column)",
    ),
    "no_data_rows": (
        "error",
        "汇总表只有表头，没有数据行",
        "the table has a header but no data rows",
        "每个社区每年一行",
        "one row per community per year",
    ),
    "community_not_found": (
        "error",
        "汇总表中没有社区 {community}（可选：{choices}）",
        "community {community} is not in this table (choices: {choices})",
        "",
        "",
    ),
    "community_required": (
        "error",
        "汇总表包含 {count} 个社区，请用 --community 指定一个（可选：{choices}）",
        "the table holds {count} communities; pick one with --community (choices: {choices})",
        "",
        "",
    ),
    "duplicate_community": (
        "error",
        "社区编码 {community} 重复：也出现在 {other}",
        "community ID {community} is duplicated: also in {other}",
        "每个社区编码在一个批次中唯一",
        "a community ID unique within a batch",
    ),
    "output_is_input": (
        "error",
        "输出路径指向输入文件，拒绝覆盖：{path}",
        "the output path is an input file; refusing to overwrite it: {path}",
        "换一个输出路径（-o），输入文件保持不变",
        "choose another output path (-o); the input is left as it was",
    ),
    "outdir_is_input": (
        "error",
        "输出文件夹就是输入文件夹，拒绝写入：{path}",
        "the output folder is the input folder; refusing to write there: {path}",
        "换一个输出文件夹（-o），例如输入文件夹下的 out/",
        "choose another output folder (-o), e.g. out/ inside the input folder",
    ),
    "outdir_not_ours": (
        "error",
        "输出文件夹 {path} 中已有不是 carbon-cli 写入的文件，拒绝写入",
        "output folder {path} holds files carbon-cli did not write; refusing to write there",
        "换一个空文件夹，或加 --force",
        "use an empty folder, or add --force",
    ),
    "write_failed": ("error", "无法写入 {path}：{detail}", "cannot write {path}: {detail}", "", ""),
    "outdir_locked": (
        "error",
        "另一个 carbon batch（进程 {pid}，{since} 开始）正在写入 {path}，本次未运行",
        "another carbon batch (process {pid}, started {since}) is writing to {path}; this one did not run",
        "等它结束后再运行，或换一个输出文件夹（-o）；若该进程已不存在，锁会自动失效",
        "run again when it has finished, or choose another output folder (-o); a lock whose process "
        "has ended is released by itself",
    ),
    # cells
    "unreadable_number": (
        "error",
        "{label}：无法识别为数值",
        "{label}: not a number",
        "数值，如 12345、1.2万、35%",
        "a number, e.g. 12345, 1.2万, 35%",
    ),
    "ambiguous_number": (
        "error",
        "{label}：千位分隔符位置不对，无法确定数值",
        "{label}: misplaced thousands separators make the number ambiguous",
        "如 12,345 或 12345",
        "e.g. 12,345 or 12345",
    ),
    "negative_value": ("error", "{label}：不能为负数", "{label}: cannot be negative", "≥ 0 的数值", "a number ≥ 0"),
    "not_whole_number": ("error", "{label}：应为整数", "{label}: must be a whole number", "整数", "a whole number"),
    "date_not_number": (
        "error",
        "{label}：单元格是日期，不是数值",
        "{label}: the cell holds a date, not a number",
        "数值（检查单元格格式是否被设成了日期）",
        "a number (check the cell is not formatted as a date)",
    ),
    "excel_error": (
        "error",
        "{label}：单元格是 Excel 错误值",
        "{label}: the cell holds an Excel error value",
        "数值（修正公式）",
        "a number (fix the formula)",
    ),
    "formula_no_value": (
        "error",
        "{label}：单元格是公式但没有计算结果（由脚本生成的文件常见）",
        "{label}: the cell holds a formula with no computed value (common in files written by scripts)",
        "在 Excel/WPS 中打开并保存一次，或直接填数值",
        "open and save the file once in Excel/WPS, or type the value",
    ),
    "unknown_unit": ("error", "{label}：无法识别单位 “{unit}”", "{label}: unknown unit “{unit}”", "{units}", "{units}"),
    "absurd_value": (
        "error",
        "{label}：数值大得不合理",
        "{label}: the value is absurdly large",
        "绝对值 ≤ {limit}",
        "magnitude ≤ {limit}",
    ),
    "bad_bool": (
        "error",
        "{label}：无法识别为“是/否”",
        "{label}: not a yes/no answer",
        "是/否、有/无、√/×、Y/N、1/0",
        "yes/no, 是/否, Y/N, TRUE/FALSE, 1/0",
    ),
    "bad_year": (
        "error",
        "{label}：不是有效年份",
        "{label}: not a valid year",
        "四位年份，如 2023",
        "a four-digit year, e.g. 2023",
    ),
    "text_too_long": (
        "error",
        "{label}：文本过长（{length} 字符）",
        "{label}: text too long ({length} characters)",
        "≤ {limit} 字符",
        "≤ {limit} characters",
    ),
    "merged_value_cell": (
        "error",
        "{label}：数值单元格在合并单元格 {area} 内，显示的是 {anchor} 的数值，无法确定本字段的数值",
        "{label}: the value cell lies inside the merged range {area}, which shows the value of {anchor}; "
        "this field's own value cannot be told",
        "取消合并，每个字段在自己的单元格填写数值",
        "unmerge the cells and give each field its own value",
    ),
    # fields
    "missing_required": (
        "error",
        "缺少必填项：{label}",
        "required field missing: {label}",
        "填写{year_role}数值",
        "a value for the {year_role}",
    ),
    "blank_survey": (
        "error",
        "调研表是空白的：评价年除社区名称、编码等身份信息外没有填写任何数据，无法评价",
        "the survey is blank: nothing is filled in for the assessment year beyond the community's name and ID, "
        "so it cannot be assessed",
        "填写评价年的调研数据后交回",
        "fill in the assessment-year survey values and send it back",
    ),
    "duplicate_field": (
        "error",
        "{label} 出现了不止一次且数值不同（另见 {other}）",
        "{label} appears more than once with different values (see also {other})",
        "每个字段只填一次",
        "each field once",
    ),
    "contradiction": (
        "error",
        "{label} 大于 {other_field}，这不可能",
        "{label} exceeds {other_field}, which is impossible",
        "≤ {other_field}（{other_value}）",
        "≤ {other_field} ({other_value})",
    ),
    "baseline_not_before": (
        "error",
        "基准年份不早于评价年份",
        "the baseline year is not before the assessment year",
        "基准年份 < 评价年份（{assessment_year}）",
        "baseline year < assessment year ({assessment_year})",
    ),
    "missing_year": (
        "error",
        "这一行没有年份",
        "this row has no year",
        "年份列填四位年份",
        "a four-digit year in the year column",
    ),
    "duplicate_year": (
        "error",
        "社区 {community} 的 {year} 年数据出现了两行",
        "community {community} has two rows for {year}",
        "每个社区每年一行",
        "one row per community per year",
    ),
    "missing_community_id": (
        "error",
        "这一行有数据但没有社区编码",
        "this row has data but no community ID",
        "社区编码",
        "a community ID",
    ),
    "inconsistent_identity": (
        "error",
        "{label} 在同一社区的不同年份行中不一致",
        "{label} differs between the year rows of one community",
        "同一社区各年份一致",
        "the same value in every year row",
    ),
    # warnings
    "out_of_range": (
        "warning",
        "{label} 超出常见范围",
        "{label} is outside the plausible range",
        "{low} – {high}",
        "{low} – {high}",
    ),
    "per_out_of_range": (
        "warning",
        "{label} 与 {per_field} 之比为 {ratio}，超出常见范围",
        "{label} per {per_field} is {ratio}, outside the plausible range",
        "每单位 {low} – {high}",
        "{low} – {high} per unit",
    ),
    "exceeds_other": (
        "warning",
        "{label} 大于 {other_field}，请核实",
        "{label} exceeds {other_field}; please check",
        "通常 ≤ {other_field}（{other_value}）",
        "usually ≤ {other_field} ({other_value})",
    ),
    "green_power_exceeds_use": (
        "warning",
        "{label} 大于总用电量，请核实",
        "{label} exceeds total electricity use; please check",
        "≤ 总用电量（{other_value}）",
        "≤ total electricity ({other_value})",
    ),
    "unknown_field": (
        "warning",
        "未识别的字段 “{found}”，已忽略",
        "unrecognised field “{found}”, ignored",
        "调研表字段（见 carbon template）",
        "a survey field (see carbon template)",
    ),
    "approximate_value": (
        "warning",
        "{label}：近似值，按 {value} 读取",
        "{label}: approximate value, read as {value}",
        "准确数值",
        "an exact figure",
    ),
    "fraction_as_percent": (
        "warning",
        "{label}：{found} 按比例读作 {value}%",
        "{label}: {found} read as a fraction, i.e. {value}%",
        "如 35% 或 35",
        "e.g. 35% or 35",
    ),
    "hidden_sheet": (
        "warning",
        "工作表 “{sheet}” 是隐藏的，其中的数据已读取",
        "sheet “{sheet}” is hidden; its data was read",
        "确认隐藏表中的数据应当参与评价；否则删除该表",
        "check that the hidden sheet's data belongs in the assessment, or delete the sheet",
    ),
    "baseline_incomplete": (
        "warning",
        "基准年缺少 {label}，与基准年对比的指标无法计算",
        "baseline year lacks {label}; comparisons with the baseline cannot be made",
        "基准年数值",
        "a baseline-year value",
    ),
    "baseline_values_without_year": (
        "warning",
        "填写了基准年数值，但没有基准年份，基准年数据未使用",
        "baseline values were given without a baseline year; they were not used",
        "填写基准年份",
        "fill in the baseline year",
    ),
    "no_assessment_year": (
        "error",
        "没有评价年份",
        "no assessment year",
        "评价年份，如 2023",
        "an assessment year, e.g. 2023",
    ),
    # the campaign: roster, forms handed out, annotated copies
    "roster_no_header": (
        "error",
        "社区名单中没有找到表头：需要“社区编码”列，以及“社区名称”或“所属街道”列",
        "no header found in the roster: it needs a community ID column and a name or street column",
        "第一行写列名：社区编码、社区名称、所属街道（可加所属区、联系人）",
        "column names in the first row: community ID, community name, sub-district (optionally district, contact)",
    ),
    "roster_empty": (
        "error",
        "社区名单只有表头，没有社区",
        "the roster has a header but no communities",
        "每个社区一行",
        "one row per community",
    ),
    "roster_duplicate": (
        "warning",
        "社区编码 {found} 在名单中出现了两次（另见 {other}），只用第一行",
        "community ID {found} is on the roster twice (see also {other}); the first row is used",
        "每个社区一行",
        "one row per community",
    ),
    "roster_same_file": (
        "error",
        "名单中的社区编码写成文件名后相同：{names}",
        "roster IDs give the same file name: {names}",
        "",
        "",
    ),
    "forms_exist": (
        "error",
        "文件夹 {path} 中已有 {count} 份同名调研表（如 {first}），没有覆盖；换一个空文件夹，或加 --force 覆盖",
        "{count} forms already exist in {path} (e.g. {first}); nothing was overwritten: use an empty folder, "
        "or add --force to overwrite",
        "",
        "",
    ),
    "roster_needed": (
        "error",
        "-o、--from 和 --district 只与 --roster 一起使用",
        "-o, --from and --district go with --roster",
        "",
        "",
    ),
    "roster_folder_needed": (
        "error",
        "用 --roster 时请用 -o 指定调研表写入的文件夹",
        "with --roster, name the folder for the forms with -o",
        "",
        "",
    ),
    "annotate_csv": (
        "warning",
        "CSV 文件不能加批注，没有生成标注副本",
        "a CSV file cannot carry comments; no annotated copy was made",
        "看上面的问题列表，或把表格另存为 .xlsx",
        "use the problem list above, or save the table as .xlsx",
    ),
    # generic (CLI)
    "bad_set_option": ("error", "--set 参数格式应为 字段=数值：{found}", "--set takes FIELD=VALUE: {found}", "", ""),
    "unknown_set_field": ("error", "--set 中的字段不存在：{found}", "--set names an unknown field: {found}", "", ""),
    "bad_set_value": ("error", "--set {found}：{detail}", "--set {found}: {detail}", "", ""),
    "bad_budget": (
        "error",
        "--budget 应为金额（元），如 3000000 或 300万：{found}",
        "--budget takes an amount in yuan, e.g. 3000000 or 300万: {found}",
        "",
        "",
    ),
    "unknown_set": (
        "error",
        "没有名为 {name} 的{kind}（可选：{choices}），也不是文件",
        "no {kind} named {name} (choices: {choices}), and no such file",
        "",
        "",
    ),
    "bad_data_file": (
        "error",
        "{kind}文件 {path} 格式有误：{detail}",
        "{kind} file {path} is malformed: {detail}",
        "",
        "",
    ),
    "bad_template": ("error", "报告模板 {path} 有误：{detail}", "report template {path} is broken: {detail}", "", ""),
    "internal_error": (
        "error",
        "内部错误：{detail}",
        "internal error: {detail}",
        "这是 carbon-cli 的缺陷，不是数据的问题：请把该文件和 carbon --debug 的输出交给维护者",
        "a bug in carbon-cli, not in the data: send the file and the output of carbon --debug to the maintainers",
    ),
}

# Interface terms shared by every rendering.
TERMS: dict[str, tuple[str, str]] = {
    "eligible": ("符合近零碳社区要求", "eligible"),
    "not_eligible": ("不符合", "not eligible"),
    "incomplete": ("数据不足", "incomplete"),
    "eligible.short": ("符合", "eligible"),
    "excellent": ("优秀", "excellent"),
    "pass": ("通过", "pass"),
    "fail": ("未通过", "fail"),
    "missing": ("缺数据", "missing data"),
    "unmet": ("未满足", "not met"),
    "na": ("不适用", "n/a"),
    "scored": ("已评分", "scored"),
    "error": ("错误", "error"),
    "warning": ("警告", "warning"),
    "seen": ("已见原文", "seen"),
    "derived": ("推算", "derived"),
    "assumed": ("假设", "assumed"),
    "assessment": ("评价年", "assessment year"),
    "baseline": ("基准年", "baseline year"),
    "ready": ("现已符合", "ready now"),
    "reachable": ("可达", "reachable"),
    "not_feasible": ("试点期内不可行", "not feasible"),
    "low": ("低", "low"),
    "medium": ("中", "medium"),
    "high": ("高", "high"),
    "electricity": ("电力", "Electricity"),
    "natural_gas": ("管道天然气", "Natural gas"),
    "lpg": ("液化石油气", "LPG"),
    "diesel": ("柴油", "Diesel"),
    "gasoline": ("汽油（交通）", "Gasoline (transport)"),
    "water": ("供水与污水", "Water and wastewater"),
    "waste": ("生活垃圾", "Waste"),
    "sinks": ("绿地碳汇", "Green-space sinks"),
    "objective_cost": ("按前期投入最少选取", "least upfront cost"),
    "objective_effort": ("按工作量最小选取", "least effort"),
    "subsidy_expired": ("否，政策已过期", "no: expired"),
    "subsidy_not_yet_valid": ("否，政策尚未生效", "no: not yet in force"),
    "subsidy_district": ("否，仅限特定辖区", "no: another district's"),
    "subsidy_below_min_capex": ("否，投资额未达门槛", "no: project below the minimum"),
}


@dataclass(frozen=True)
class Bilingual:
    """A parameter worded in both languages (e.g. the detail of a corrupt file)."""

    zh: str
    en: str

    def __str__(self) -> str:
        return self.en

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _in(lang: str, params: dict[str, Any]) -> dict[str, Any]:
    return {k: v.text(lang) if isinstance(v, Bilingual) else v for k, v in params.items()}


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


_formatter = string.Formatter()


def _fill(template: str, params: dict[str, Any]) -> str:
    values = _Blank({k: ("" if v is None else v) for k, v in params.items()})
    return _formatter.vformat(template, (), values)


def _entry(code: str) -> tuple[Severity, str, str, str, str]:
    return ISSUES.get(code, ("error", code, code, "", ""))


def severity(code: str) -> Severity:
    return _entry(code)[0]


def message(code: str, lang: str = "zh", **params: Any) -> str:
    entry = _entry(code)
    return _fill(entry[1] if lang == "zh" else entry[2], _in(lang, params))


def expected(code: str, lang: str = "zh", **params: Any) -> str:
    entry = _entry(code)
    return _fill(entry[3] if lang == "zh" else entry[4], _in(lang, params))


def term(key: str, lang: str = "zh") -> str:
    pair = TERMS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


# Column headings of the people's sheets of results.xlsx (results.csv/json and the key sheets
# keep the keys).
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "rank": ("排名", "Rank"),
    "community_id": ("社区编码", "Community ID"),
    "community_name": ("社区名称", "Community"),
    "street": ("街道", "Street"),
    "district": ("所属区", "District"),
    "assessment_year": ("评价年", "Assessment year"),
    "baseline_year": ("基准年", "Baseline year"),
    "net_tco2e": ("净排放（tCO2e/年）", "Net emissions (tCO2e/yr)"),
    "per_capita_tco2e": ("人均排放（tCO2e/人·年）", "Per capita (tCO2e/person/yr)"),
    "score": ("得分", "Score"),
    "grade": ("等级", "Grade"),
    "verdict": ("结论", "Verdict"),
    "feasibility": ("可行性（达到通过）", "Feasibility (pass)"),
    "pathway_measures": ("路径措施", "Pathway measures"),
    "pathway_measure_names": ("路径措施名称", "Pathway measure names"),
    "pathway_effort": ("路径工作量", "Pathway effort"),
    "pathway_upfront_yuan": ("路径前期投入（元）", "Pathway upfront (yuan)"),
    "pathway_subsidy_yuan": ("路径补贴（元）", "Pathway subsidies (yuan)"),
    "pathway_annual_net_yuan": ("路径每年净支出（元）", "Pathway net a year (yuan)"),
    "pathway_tco2e_reduced": ("路径年减排（tCO2e）", "Pathway cut (tCO2e/yr)"),
    "score_after_pathway": ("措施后得分", "Score after pathway"),
    "failed_controls": ("未满足的控制项", "Failed controls"),
    "top_gaps": ("主要差距（可多得分）", "Top gaps (points to gain)"),
    "report": ("报告", "Report"),
    "source_file": ("调研表", "Survey file"),
    "file": ("文件", "File"),
    "reason": ("原因", "Reason"),
    "sheet.results": ("评价结果", "Assessment"),
    "sheet.failures": ("未能评估", "Not assessed"),
    "feasibility.unknown": ("未计算", "not computed"),
}


def column_label(key: str, lang: str = "zh") -> str:
    pair = COLUMN_LABELS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def money(value: float | None, lang: str = "zh") -> str:
    """Yuan for people: 万元 with one decimal in Chinese from 10,000 up, whole yuan in English."""
    if value is None:
        return "—"
    if lang == "zh":
        return f"{value / 1e4:,.1f} 万元" if abs(value) >= 1e4 else f"{value:,.0f} 元"
    return f"{value:,.0f} yuan"


def money_range(low: float, high: float, lang: str = "zh") -> str:
    """A low–high range in the unit `money` would use for the larger end."""
    if lang == "zh" and max(abs(low), abs(high)) >= 1e4:
        return f"{low / 1e4:,.1f}–{high / 1e4:,.1f} 万元"
    return f"{low:,.0f}–{high:,.0f} {'元' if lang == 'zh' else 'yuan'}"


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal or a spreadsheet: CJK and full-width characters count
    two, others one."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)

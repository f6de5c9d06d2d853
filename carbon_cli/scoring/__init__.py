"""Scoring: criteria sets, their evaluation, and the Assessment (one community's result object and its JSON form).

Importing the package registers `Assessment.robustness` (see `assessment.ROBUSTNESS`) and the
criteria workbook reader with `criteria.load_criteria`, so a `--criteria FILE.xlsx` is read
wherever a TOML set is (see `criteria.FILE_READERS`).
"""

from carbon_cli.scoring import assessment, criteria, criteria_sheets, robustness

for _suffix in criteria.WORKBOOK_SUFFIXES:
    criteria.FILE_READERS[_suffix] = criteria_sheets.load_tables
assessment.ROBUSTNESS.append(robustness.robustness)  # Assessment.robustness (see its comment)

"""Forms handed out: one prefilled form workbook per roster community, named by its ID.

Each carries the community's ID, name, street and district, locked; with earlier data (last
year's table or forms) its baseline-year column is filled too, so the community types only the
new year.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from carbon_cli.campaign.returned import PREFILLED
from carbon_cli.campaign.roster import Member, Roster, form_name
from carbon_cli.core.errors import CarbonError
from carbon_cli.survey.container import Limits
from carbon_cli.survey.fields import dictionary
from carbon_cli.survey.issues import InputError, Issue
from carbon_cli.survey.model import Survey
from carbon_cli.survey.paths import expand_paths


@dataclass(frozen=True)
class Baseline:
    """Earlier data for one community: the year and its per-year values."""

    year: int
    values: dict[str, Any]
    file: str


@dataclass(frozen=True)
class Written:
    member: Member
    path: Path
    baseline: Baseline | None


def earlier_baselines(paths: list[Path], limits: Limits | None = None) -> tuple[dict[str, Baseline], list[Issue]]:
    """Baseline values per community ID from earlier surveys (tables or forms).

    A survey that had a baseline year keeps it (the baseline stays the baseline); otherwise its
    assessment year becomes the new baseline.
    """
    from carbon_cli.survey.reader import read_workbook

    fields = dictionary()
    files, problems = expand_paths(paths)
    found: dict[str, Baseline] = {}
    for path in files:
        try:
            book = read_workbook(path, limits=limits)
        except InputError as exc:
            problems.append(exc.issue)
            continue
        for survey in book.surveys:
            baseline = _baseline_of(survey, fields)
            if baseline is not None:
                found.setdefault(survey.community_id, baseline)
    return found, problems


def _baseline_of(survey: Survey, fields: Any) -> Baseline | None:
    if survey.baseline is not None and survey.baseline_year is not None:
        year, values = survey.baseline_year, survey.baseline
    elif survey.assessment_year is not None:
        year, values = survey.assessment_year, survey.assessment
    else:
        return None
    # A percentage below 1 written bare would read back as a fraction (0.5 → 50 %): keep its sign.
    per_year = {
        k: f"{v:g}%" if fields[k].unit == "%" and isinstance(v, float | int) and 0 < v < 1 else v
        for k, v in values.items()
        if fields[k].per_year
    }
    return Baseline(int(year), per_year, survey.file) if per_year else None


def write_forms(
    roster: Roster,
    folder: Path,
    lang: str = "zh",
    district: str | None = None,
    baselines: dict[str, Baseline] | None = None,
    force: bool = False,
) -> list[Written]:
    """Write `<id>.xlsx` in `folder` for every roster member; refuse to overwrite unless `force`.

    All or nothing: the forms are built in a new folder and swapped in with the folder's other
    files when every one is on disk (core.fileio.StagedFolder), so a failure (a full disk, no
    permission) leaves the folder as it was. No manifest is left there: the folder is one to read
    the returned forms from.
    """
    from carbon_cli.core.fileio import InputGuard, StagedFolder, workbook_bytes
    from carbon_cli.survey.template import form_workbook

    baselines = baselines or {}
    targets = [(m, folder / form_name(m.id)) for m in roster.members]
    clashes = sorted({p.name for _, p in targets if [q for _, q in targets].count(p) > 1})
    if clashes:
        raise CarbonError("roster_same_file", names="、".join(clashes))
    if not force:
        existing = [p for _, p in targets if p.exists()]
        if existing:
            raise CarbonError("forms_exist", path=str(folder), count=len(existing), first=existing[0].name)
    inputs = [Path(roster.file), *(Path(b.file) for b in baselines.values())]
    guard = InputGuard(inputs)
    for _, path in targets:  # before anything is written
        guard.check(path)
    written = []
    with StagedFolder(folder, inputs, command="template") as out:
        for member, path in targets:
            identity = {
                "community_id": member.id,
                "community_name": member.name,
                "street": member.street or None,
                "district": member.district or district or None,
            }
            assessment: dict[str, Any] = {k: v for k, v in identity.items() if v is not None}
            earlier = baselines.get(member.id)
            baseline = None
            if earlier is not None:
                assessment["baseline_year"] = earlier.year
                baseline = earlier.values
            locked = assessment.keys() & set(PREFILLED)
            wb = form_workbook(lang, assessment=assessment, baseline=baseline, locked=locked)
            out.write(path.name, workbook_bytes(wb))
            written.append(Written(member, path, earlier))
        out.commit()
    return written

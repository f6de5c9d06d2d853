"""Whether a form written from a roster has come back filled in: a form exactly as `template
--roster` wrote it is not a survey returned, but one still waiting to be filled in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from carbon_cli.survey.model import Survey

PREFILLED = ("community_id", "community_name", "street", "district")  # written into each form, locked


def is_untouched(survey: Survey) -> bool:
    """A form with nothing typed into it beyond what `write_forms` prefilled (the community's
    identity, and the baseline year and column carried over from earlier data): not a survey
    returned, a form still waiting to be filled in. One that holds anything else, even only the
    assessment year, or a cell that could not be read, has been touched."""
    return (
        survey.layout == "form"
        and set(survey.assessment) <= {*PREFILLED, "baseline_year"}
        and not any(i.location.cell for i in survey.issues)
    )


def untouched_files(files: list[Any]) -> set[str]:
    """The validated files (`validation.FileResult`) that are forms nobody has filled in."""
    return {r.file for r in files if r.layout is not None and r.surveys and all(is_untouched(s) for s in r.surveys)}

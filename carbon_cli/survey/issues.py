"""Problems found in user input, each with its location, and the errors that carry them.

An `Issue` is a finding (error or warning) about one file, sheet, cell and field; its wording
lives in `carbon_cli.core.i18n` so the same issue renders in Chinese or English. `InputError` is
raised when a whole file cannot be used; `CarbonError` is the base of every error a user can
cause, and the CLI turns it into a message and an exit code, never a traceback.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from carbon_cli.core import i18n
from carbon_cli.core.errors import CarbonError

Severity = i18n.Severity


@dataclass(frozen=True, slots=True)
class Location:
    file: str
    sheet: str | None = None
    cell: str | None = None

    def describe(self) -> str:
        parts = [self.file]
        if self.sheet:
            parts.append(self.sheet)
        if self.cell:
            parts.append(self.cell)
        return " › ".join(parts)


@dataclass(frozen=True)
class Issue:
    code: str
    location: Location
    field: str | None = None
    community: str | None = None
    found: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False, compare=False)

    @property
    def severity(self) -> Severity:
        return i18n.severity(self.code)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def message(self, lang: str = "zh", beside_field: bool = False) -> str:
        """The message; `beside_field`: without the field's name it starts with, for a table
        whose own column names the field."""
        params = self._label_params(lang)
        text = i18n.message(self.code, lang, found=self.found, **params)
        label = params["label"]
        if beside_field and label:
            for sep in ("：", ": ", " "):
                if text.startswith(label + sep) and len(text) > len(label + sep):
                    return text[len(label + sep) :]
        return text

    def expected(self, lang: str = "zh") -> str:
        return i18n.expected(self.code, lang, found=self.found, **self._label_params(lang))

    def field_label(self, lang: str = "zh") -> str:
        if not self.field:
            return ""
        from carbon_cli.survey.fields import dictionary

        spec = dictionary().get(self.field)
        return spec.label(lang) if spec else self.field

    def field_name(self, lang: str = "zh") -> str:
        """The field as a person is told of it: label with unit (居民生活用电量（千瓦时）)."""
        from carbon_cli.survey.fields import field_name

        return field_name(self.field, lang) if self.field else ""

    def _label_params(self, lang: str) -> dict[str, Any]:
        from carbon_cli.survey.fields import field_name

        params = dict(self.params)
        for name, value in self.params.items():
            if name.endswith("_field") and isinstance(value, str):
                params[name] = field_name(value, lang)
        params.setdefault("label", self.field_name(lang))
        params.setdefault("key", self.field or "")
        if "per_field" in self.params:  # a ratio's range is in the field's unit per the other's
            from carbon_cli.survey.fields import dictionary

            fields = dictionary()
            mine, per = fields.get(self.field or ""), fields.get(self.params["per_field"])
            params.setdefault("unit", mine.unit_shown(lang) if mine else "")
            params.setdefault("per_unit", per.unit_one(lang) if per else "")
        return params

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.location.file,
            "sheet": self.location.sheet,
            "cell": self.location.cell,
            "field": self.field,
            "field_label": self.field_label(lang) or None,
            "community": self.community,
            "found": self.found,
            "expected": self.expected(lang) or None,
            "message": self.message(lang),
        }


class InputError(CarbonError):
    """A whole input file cannot be used; carries the issue that says why."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(issue.code, **issue.params)
        self.issue = issue

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.issue,)

    def message(self, lang: str = "zh") -> str:
        return f"{self.issue.location.describe()}: {self.issue.message(lang)}"

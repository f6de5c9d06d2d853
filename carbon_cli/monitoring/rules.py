"""The monitoring rules (`data/monitoring.toml`): every threshold the history checks and the
tracking use, each with its source and status."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from carbon_cli.core.datafiles import Malformed, require, status_of
from carbon_cli.core.errors import CarbonError
from carbon_cli.core.resources import DATA_DIR, load_toml


@dataclass(frozen=True)
class Threshold:
    key: str
    value: float
    unit: str
    status: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "status": self.status, "source": self.source}


@dataclass(frozen=True)
class Rules:
    id: str
    stable: dict[str, Threshold]  # field → largest share it may change by between two years
    jump: Threshold  # largest ratio of two consecutive years' values
    jump_exempt: frozenset[str]
    done_share: Threshold
    started_share: Threshold
    evidence: dict[str, tuple[str, ...]]  # measure action → the fields that show it
    evidence_status: str
    evidence_source: str
    build_years: Threshold
    on_course_margin: Threshold
    retry_years: Threshold

    def thresholds(self) -> dict[str, Threshold]:
        table = {f"stable.{k}": v for k, v in self.stable.items()}
        for t in (
            self.jump,
            self.done_share,
            self.started_share,
            self.build_years,
            self.on_course_margin,
            self.retry_years,
        ):
            table[t.key] = t
        return table


def _threshold(key: str, entry: Any, value_key: str = "value") -> Threshold:
    if not isinstance(entry, dict):
        raise Malformed(f"[{key}] must be a table")
    value = require(entry, value_key, (int, float), f"[{key}]")
    return Threshold(
        key, float(value), str(entry.get("unit", "")), status_of(entry, f"[{key}]"), str(entry.get("source", ""))
    )


@cache
def load_rules() -> Rules:
    data = load_toml("monitoring.toml")
    try:
        stable = {k: _threshold(f"stable.{k}", v, "tolerance") for k, v in data.get("stable", {}).items()}
        jump = data["jump"]
        progress = data["progress"]
        acceptance = data["acceptance"]
        evidence = data["evidence"]
        return Rules(
            id=str(data.get("set", {}).get("id", "monitoring")),
            stable=stable,
            jump=_threshold("jump", jump, "factor"),
            jump_exempt=frozenset(str(f) for f in jump.get("exempt", ())),
            done_share=_threshold("progress.done_share", progress["done_share"]),
            started_share=_threshold("progress.started_share", progress["started_share"]),
            evidence={k: tuple(v) for k, v in evidence.items() if isinstance(v, list)},
            evidence_status=status_of(evidence, "[evidence]"),
            evidence_source=str(evidence.get("source", "")),
            build_years=_threshold("acceptance.build_years", acceptance["build_years"]),
            on_course_margin=_threshold("acceptance.on_course_margin", acceptance["on_course_margin"]),
            retry_years=_threshold("acceptance.retry_years", acceptance["retry_years"]),
        )
    except (Malformed, KeyError) as exc:
        detail = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
        raise CarbonError(
            "bad_data_file", kind="monitoring", path=str(DATA_DIR / "monitoring.toml"), detail=detail
        ) from None

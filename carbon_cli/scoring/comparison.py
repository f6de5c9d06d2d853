"""One community under two criteria sets: the verdict and score under each, and the items that
account for the difference.

An item's share of the score is 100 × its points / the set's applicable maximum, so the shares of
a set's items add up to its score and the differences of the items' shares add up to the
difference of the scores. Items are matched by key; an item of one set only counts 0 in the other.
A control item whose status differs is named too (it can change the verdict at any score).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from carbon_cli.accounting.factors import FactorSet
from carbon_cli.scoring.assessment import Assessment, assess
from carbon_cli.scoring.criteria import CriteriaSet
from carbon_cli.survey.model import Survey

SHOWN = 0.05  # score points: a smaller difference of an item's share is not listed


@dataclass(frozen=True)
class ItemDifference:
    key: str
    zh: str
    en: str
    share_a: float | None  # None: not an item of the set (or n/a there)
    share_b: float | None

    @property
    def delta(self) -> float:
        return (self.share_b or 0.0) - (self.share_a or 0.0)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.label(lang),
            "share_a": self.share_a,
            "share_b": self.share_b,
            "delta": self.delta,
        }


@dataclass(frozen=True)
class Comparison:
    a: Assessment
    b: Assessment
    items: tuple[ItemDifference, ...]  # largest difference first
    controls: tuple[tuple[str, str, str], ...]  # (key, status under a, status under b) that differ

    @property
    def agree(self) -> bool:
        return self.a.verdict == self.b.verdict

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        s = self.a.survey
        return {
            "community_id": s.community_id,
            "name": s.name,
            "a": {"criteria_set": self.a.criteria.id, "score": self.a.score, "verdict": self.a.verdict},
            "b": {"criteria_set": self.b.criteria.id, "score": self.b.score, "verdict": self.b.verdict},
            "agree": self.agree,
            "items": [i.to_dict(lang) for i in self.items],
            "controls": [{"key": k, "status_a": x, "status_b": y} for k, x, y in self.controls],
        }


def _shares(a: Assessment) -> dict[str, tuple[float | None, str, str]]:
    ev = a.evaluation
    out: dict[str, tuple[float | None, str, str]] = {}
    for item in ev.items:
        c = item.criterion
        share = 100 * item.points / ev.applicable_max if ev.applicable_max > 0 and item.status != "na" else None
        out[c.key] = (share, c.zh, c.en)
    return out


def compare(survey: Survey, factors: FactorSet, a_set: CriteriaSet, b_set: CriteriaSet) -> Comparison:
    a, b = assess(survey, factors, a_set, detail=False), assess(survey, factors, b_set, detail=False)
    return between(a, b)


def between(a: Assessment, b: Assessment) -> Comparison:
    """The comparison of two assessments of one community (a batch has `a` already, with its
    details and pathways: only `b` is made)."""
    sa, sb = _shares(a), _shares(b)
    items = []
    for key in dict.fromkeys([*sa, *sb]):
        share_a, zh, en = sa.get(key, (None, "", ""))
        share_b, zh_b, en_b = sb.get(key, (None, zh, en))
        diff = ItemDifference(key, zh or zh_b, en or en_b, share_a, share_b)
        if abs(diff.delta) >= SHOWN:
            items.append(diff)
    items.sort(key=lambda d: (-abs(d.delta), d.key))
    ca = {c.criterion.key: c.status for c in a.evaluation.controls}
    cb = {c.criterion.key: c.status for c in b.evaluation.controls}
    controls = tuple(
        (k, ca.get(k, "—"), cb.get(k, "—")) for k in dict.fromkeys([*ca, *cb]) if ca.get(k, "—") != cb.get(k, "—")
    )
    return Comparison(a, b, tuple(items), controls)

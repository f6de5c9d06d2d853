"""Upper bounds for the pathway search, exact whatever the measures do (a measure may lower the
score: electric kitchens on a coal-heavy grid, or anything in a user's measures file).

A node of the search is the measures already taken (`must`) and the measures that may still be
added (`allowed`, a superset). Each criterion depends only on some fields, and a field can only
differ from the community's own survey through the measures that write it, or write a field that
another measure reads before writing (the *influence* of a measure, from the fields each measure
declares it writes and what each written value depends on). So over every set S with must ⊆ S ⊆ allowed, a criterion takes
one of the values it takes over the sets of its own influencing measures, and those are few: they
are tabulated once per community. The bound lets every criterion take its best such value on its
own, so it is never below what any set reaches.

The inventory's criteria (per-capita emissions, reduction, sinks share …) depend on the whole
inventory: each line (electricity, gas, …, sinks) is tabulated on its own, and a criterion is
taken at the two corners (least gross and most sinks; most gross and least sinks), where every
such metric is at its extremes. Where a table would be too large, or a measure can change the
population, floor area or a required field the inventory reads, the bound falls back to full
points (still an upper bound, only looser).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from carbon_cli.evaluation import _control, _points, metric_value
from carbon_cli.inventory import LINE_FIELDS, SOURCES, Inventory, Line, compute_line, required_read

if TYPE_CHECKING:
    from carbon_cli.assessment import Assessment
    from carbon_cli.criteria import Criterion
    from carbon_cli.planning.measures import Measure

MAX_TABLE = 7  # influencing measures of one table at most (2**7 sets)
# relative widening of the inventory corners, so float rounding never cuts a set that reaches
WIDEN = 1e-9


class Relaxation:
    def __init__(self, base: Assessment, measures: Sequence[Measure], application_order: Sequence[Measure]) -> None:
        """`measures`: the measures of the search, bit i of a mask being measures[i]."""
        self.base = base
        self.measures = tuple(measures)
        rank = {m.key: i for i, m in enumerate(application_order)}
        self._last_first = sorted(range(len(self.measures)), key=lambda i: -rank[self.measures[i].key])
        self._values: dict[int, dict[str, Any]] = {0: base.survey.assessment}
        reach = [self._closure(m.writes) for m in self.measures]
        self.influence = lambda fields: sum(1 << i for i, r in enumerate(reach) if r & fields)
        criteria = base.criteria
        self.controls = [self._criterion_table(c) for c in criteria.controls]
        self.items = [self._criterion_table(c) for c in criteria.items]
        self.lines = self._line_tables()
        # for the search's weight bound: the items each measure can move
        self.items_of = [
            [j for j, c in enumerate(criteria.items) if self._mask(c) >> i & 1] for i in range(len(self.measures))
        ]
        self.controls_of = [
            [j for j, c in enumerate(criteria.controls) if self._mask(c) >> i & 1] for i in range(len(self.measures))
        ]

    # --- building the tables ------------------------------------------------------------------

    def _closure(self, fields: frozenset[str]) -> frozenset[str]:
        """Fields that may differ once a measure writing `fields` is added to any set: those,
        and every field some measure writes from one of them, and so on."""
        reached = set(fields)
        grew = True
        while grew:
            grew = False
            for m in self.measures:
                for written, reads in m.depends.items():
                    if written not in reached and reads & reached:
                        reached.add(written)
                        grew = True
        return frozenset(reached)

    def _mask(self, criterion: Criterion) -> int:
        return self.influence(criterion.metric.reads)

    def values(self, mask: int) -> dict[str, Any]:
        """The survey values after the measures of `mask`, taken in application order (cached)."""
        found = self._values.get(mask)
        if found is None:
            last = next(i for i in self._last_first if mask >> i & 1)
            before = self.values(mask & ~(1 << last))
            found = dict(before)
            found.update(self.measures[last].apply(before))
            self._values[mask] = found
        return found

    def _table(self, mask: int, value: Any) -> list[tuple[int, Any]] | None:
        """`value(values)` for every subset of `mask`; None when too many."""
        bits = [i for i in range(len(self.measures)) if mask >> i & 1]
        if len(bits) > MAX_TABLE:
            return None
        table = []
        for n in range(1 << len(bits)):
            subset = sum(1 << b for k, b in enumerate(bits) if n >> k & 1)
            table.append((subset, value(self.values(subset))))
        return table

    def _criterion_table(self, c: Criterion) -> tuple[int, list[tuple[int, Any]] | None] | None:
        """(influence mask, table) of a criterion outside the inventory; None for the inventory's."""
        if c.metric.uses_inventory:
            return None
        base = self.base
        baseline, now, before = base.survey.baseline, base.inventory, base.baseline_inventory
        mask = self._mask(c)
        if c.points == 0:  # a control
            return mask, self._table(
                mask, lambda v: _control(c, metric_value(c.metric, v, baseline, now, before)).status
            )
        return mask, self._table(mask, lambda v: _points(c, metric_value(c.metric, v, baseline, now, before)))

    def _line_tables(self) -> list[tuple[int, list[tuple[int, Line]]]] | None:
        """(influence mask, table) of each inventory line and the sinks; None when the inventory's
        criteria cannot be bounded by its lines alone."""
        own = self.base.survey.assessment
        fixed = {"resident_population", "gfa_total_m2", *(k for k in required_read() if k not in own)}
        if any(m.writes & fixed for m in self.measures):
            return None
        factors = self.base.factors
        lines = []
        for key in (*SOURCES, "sinks"):
            mask = self.influence(LINE_FIELDS[key])
            table = self._table(mask, lambda v, key=key: compute_line(key, v, factors))
            if table is None:
                return None
            lines.append((mask, table))
        return lines

    # --- bounding a node ----------------------------------------------------------------------

    @staticmethod
    def _consistent(entry: int, mask: int, must: int, allowed: int) -> bool:
        return entry & must == must & mask and not entry & ~allowed

    def bound(self, must: int, allowed: int, g: float) -> list[float] | None:
        """Each item's best slack (points earned − g × points applicable) over the sets between
        `must` and `allowed`; None when some control fails in every such set."""
        corners = self._corners(must, allowed) if self.lines is not None else None
        for entry, c in zip(self.controls, self.base.criteria.controls, strict=True):
            if entry is None:
                if corners is not None and not any(
                    _control(c, self._inventory_metric(c, k)).status in ("pass", "na") for k in corners
                ):
                    return None
                continue
            mask, table = entry
            if table is not None and not any(
                s in ("pass", "na") for x, s in table if x & must == must & mask and not x & ~allowed
            ):
                return None
        best = []
        for entry, c in zip(self.items, self.base.criteria.items, strict=True):
            if entry is None or entry[1] is None:
                if entry is None and corners is not None:
                    best.append(max(p - g * a for p, a in (_points(c, self._inventory_metric(c, k)) for k in corners)))
                else:
                    best.append(max(0.0, (1 - g) * c.points))
                continue
            mask, table = entry
            m, a = must & mask, allowed
            best.append(max(p - g * ap for x, (p, ap) in table if x & m == m and not x & ~a))
        return best

    def _corners(self, must: int, allowed: int) -> list[Inventory] | None:
        """Inventories at whose extremes every inventory metric of the node's sets lies (least
        gross with most sinks, most gross with least sinks; sinks surveyed or not where either
        can happen); None when the gross may reach 0 (a metric turns n/a there)."""
        assert self.lines is not None
        low = high = 0.0
        for mask, table in self.lines[:-1]:
            m = must & mask
            tco2e = [line.tco2e for x, line in table if x & m == m and not x & ~allowed]
            low += min(tco2e)
            high += max(tco2e)
        mask, table = self.lines[-1]
        m = must & mask
        sinks = [line for x, line in table if x & m == m and not x & ~allowed]
        s_low, s_high = min(s.tco2e for s in sinks), max(s.tco2e for s in sinks)
        low, s_low = low - WIDEN * (abs(low) + 1), s_low - WIDEN * (abs(s_low) + 1)
        high, s_high = high + WIDEN * (abs(high) + 1), s_high + WIDEN * (abs(s_high) + 1)
        if low <= 0:
            return None
        factors = list(dict.fromkeys(s.factors for s in sinks))  # () when not surveyed
        base = self.base.inventory
        return [
            Inventory(
                base.year,
                (Line("gross", gross, (), ()),),
                Line("sinks", sink, (), used),
                base.resident_population,
                base.gfa_total_m2,
                base.missing_required,
            )
            for gross, sink in ((low, s_high), (high, s_low))
            for used in factors
        ]

    def _inventory_metric(self, c: Criterion, now: Inventory) -> Any:
        base = self.base
        return metric_value(c.metric, base.survey.assessment, base.survey.baseline, now, base.baseline_inventory)

"""Upper bounds for the pathway search, exact whatever the measures do (a measure may lower the
score: electric kitchens on a coal-heavy grid, or anything in a user's measures file).

A node of the search is the measures already taken (`must`) and the measures that may still be
added (`allowed`, a superset). Each criterion depends only on some fields, and a field can only
differ from the community's own survey through the measures that write it, or write a field that
another measure reads before writing (the *influence* of a measure, from the fields each measure
declares it writes and what each written value depends on). So over every set S with must ⊆ S ⊆
allowed, a criterion takes one of the values it takes over the sets of its own influencing
measures, and those are few: they are tabulated once per community. The bound lets every
criterion take its best such value on its own, so it is never below what any set reaches.

The inventory's criteria (per-capita emissions, reduction, sinks share …) depend on the whole
inventory: each line (electricity, gas, …, sinks) is tabulated on its own, and a criterion is
taken at the two corners (least gross and most sinks; most gross and least sinks), where every
such metric is at its extremes. Where a table would be too large, or a measure can change the
population, floor area or a required field the inventory reads, the bound falls back to full
points (still an upper bound, only looser).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carbon_cli.accounting.inventory import LINE_FIELDS, SOURCES, Inventory, Line, compute_line, required_read
from carbon_cli.scoring.evaluation import Score, control_result, earned_and_applicable, metric_value

if TYPE_CHECKING:
    from carbon_cli.planning.measures import Measure
    from carbon_cli.scoring.assessment import Assessment
    from carbon_cli.scoring.criteria import Criterion

PASSING = ("pass", "na")
MAX_TABLE = 7  # influencing measures of one table at most (2**7 sets)
# relative widening of the inventory corners, so float rounding never cuts a set that reaches
WIDEN = 1e-9


@dataclass(frozen=True)
class Tabled:
    """A set of measures scored from the tables (what the search needs of an `Outcome`)."""

    score: Score
    net_tco2e: float

    def reaches(self, grade_key: str) -> bool:
        return self.score.reaches(grade_key)


class Relaxation:
    """One community's tables and bounds for the pathway search (see the module docstring)."""

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
        self._inventory_mask = 0
        for mask, _ in self.lines or ():
            self._inventory_mask |= mask
        self._memo: dict[tuple[Any, ...], Any] = {}  # keyed by what is cached first: "hull", "line" …
        # the measures that can move each control and each item
        self.control_masks = [self._mask(c) for c in criteria.controls]
        self.item_masks = [self._mask(c) for c in criteria.items]
        self._groups()

    def _groups(self) -> None:
        """Measures joined by the tabulated items they move together; an item of the inventory,
        or with too many measures to tabulate, joins no group (a *pooled* item)."""
        parent = list(range(len(self.measures)))

        def root(i: int) -> int:
            while parent[i] != i:
                i = parent[i]
            return i

        self.pooled = [entry is None or entry[1] is None for entry in self.items]
        for j, mask in enumerate(self.item_masks):
            bits = [i for i in range(mask.bit_length()) if mask >> i & 1]
            if not self.pooled[j]:
                for b in bits[1:]:
                    parent[root(b)] = root(bits[0])
        groups: dict[int, int] = {}
        for i in range(len(self.measures)):
            groups[root(i)] = groups.get(root(i), 0) | 1 << i
        self.groups = [
            (mask, [j for j, m in enumerate(self.item_masks) if not self.pooled[j] and m and m & mask == m])
            for mask in groups.values()
        ]
        self.pooled_items = [j for j, pooled in enumerate(self.pooled) if pooled]
        self.pool_mask = 0
        for j, mask in enumerate(self.item_masks):
            if self.pooled[j]:
                self.pool_mask |= mask
        self.grouped = all(mask.bit_count() <= MAX_TABLE for mask, _ in self.groups)
        self._item_values = [dict(entry[1]) if entry and entry[1] is not None else {} for entry in self.items]
        self._control_values = [dict(entry[1]) if entry and entry[1] is not None else {} for entry in self.controls]
        self._line_values = [dict(table) for _, table in self.lines or ()]
        # every criterion tabulated, the inventory's by its lines: `exact` can score any set
        self.tabulated = self.lines is not None and all(
            entry is None or entry[1] is not None for entry in (*self.controls, *self.items)
        )

    def hull(self, group: int, must: int, allowed: int, g: float, weights: list[float]) -> list[tuple[float, float]]:
        """The steps (weight added, slack gained) of the upper hull of what one group's items can
        gain over the sets between `must` and `allowed`, most slack per weight first."""
        mask, items = self.groups[group]
        m, a = must & mask, allowed & mask
        key = ("hull", group, m, a, g)
        found = self._memo.get(key)
        if found is not None:
            return found
        free = [i for i in range(a.bit_length()) if a >> i & 1 and not m >> i & 1]
        points: dict[float, float] = {}
        for n in range(1 << len(free)):
            x = m
            weight = 0.0
            for k, i in enumerate(free):
                if n >> k & 1:
                    x |= 1 << i
                    weight += weights[i]
            slack = 0.0
            for j in items:
                p, ap = self._item_values[j][x & self.item_masks[j]]
                slack += p - g * ap
            if slack > points.get(weight, -math.inf):
                points[weight] = slack
        start = points[0.0]
        at_w, at_s = 0.0, start
        base = sum(p - g * ap for p, ap in (self._item_values[j][m & self.item_masks[j]] for j in items))
        steps = [(0.0, start - base)] if start > base else []
        rest = sorted((w, s) for w, s in points.items() if w > 0)
        while rest:
            # the next hull vertex: steepest climb from the current one
            best = max(rest, key=lambda ws: ((ws[1] - at_s) / (ws[0] - at_w), ws[0]))
            if best[1] - at_s <= 0:
                break
            steps.append((best[0] - at_w, best[1] - at_s))
            at_w, at_s = best
            rest = [ws for ws in rest if ws[0] > at_w]
        self._memo[key] = steps
        return steps

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
        """The measures that can change the criterion. Whether the required fields are complete
        depends only on those still absent: a measure never removes a field."""
        reads = criterion.metric.reads
        if criterion.metric.kind == "required_fields":
            reads = frozenset(k for k in reads if k not in self.base.survey.assessment)
        return self.influence(reads)

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
                mask, lambda v: control_result(c, metric_value(c.metric, v, baseline, now, before)).status
            )
        return mask, self._table(
            mask, lambda v: earned_and_applicable(c, metric_value(c.metric, v, baseline, now, before))
        )

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

    # --- scoring a set from the tables ----------------------------------------------------------

    def exact(self, must: int) -> Tabled:
        """The set of measures `must` scored from the tables (only when `tabulated`): the very
        numbers `assess` gives the changed survey, each criterion and inventory line having been
        computed on the values its influencing measures of `must` leave."""
        criteria = self.base.criteria
        inventory, inventory_statuses, inventory_scored = self._exact_inventory(must)
        statuses = [
            inventory_statuses[j] if entry is None else self._control_values[j][must & entry[0]]
            for j, entry in enumerate(self.controls)
        ]
        scored = [
            inventory_scored[j] if entry is None else self._item_values[j][must & entry[0]]
            for j, entry in enumerate(self.items)
        ]
        return Tabled(Score.of(criteria, statuses, scored), inventory.net_tco2e)

    def _exact_inventory(self, must: int) -> tuple[Inventory, dict[int, str], dict[int, tuple[float, float]]]:
        """The inventory of the set `must`, and its criteria's statuses and points by index."""
        assert self.lines is not None
        key = ("exact", must & self._inventory_mask)
        found = self._memo.get(key)
        if found is None:
            lines = [self._line_values[k][must & mask] for k, (mask, _) in enumerate(self.lines)]
            base = self.base.inventory
            now = Inventory(
                base.year,
                tuple(lines[:-1]),
                lines[-1],
                base.resident_population,
                base.gfa_total_m2,
                base.missing_required,
            )
            criteria = self.base.criteria
            statuses = {
                j: control_result(c, self._inventory_metric(c, now)).status
                for j, (entry, c) in enumerate(zip(self.controls, criteria.controls, strict=True))
                if entry is None
            }
            scored = {
                j: earned_and_applicable(c, self._inventory_metric(c, now))
                for j, (entry, c) in enumerate(zip(self.items, criteria.items, strict=True))
                if entry is None
            }
            found = self._memo[key] = (now, statuses, scored)
        return found

    # --- bounding a node ----------------------------------------------------------------------

    def bound(
        self, must: int, allowed: int, g: float, parent: list[float] | None = None, moved: int = 0
    ) -> list[float] | None:
        """Each item's best slack (points earned − g × points applicable) over the sets between
        `must` and `allowed`; None when some control fails in every such set. Each criterion's
        best depends only on the node's measures that influence it, so it is kept per criterion;
        with `parent`, the bound of a node that differs from this one only in the measures
        `moved`, only the criteria those measures influence are looked at again."""
        memo = self._memo
        for j, entry in enumerate(self.controls):
            if entry is None or entry[1] is None:
                continue  # the inventory's (below), or too many influencing measures
            mask, table = entry[0], entry[1]
            if parent is not None and not mask & moved:
                continue
            m, a = must & mask, allowed & mask
            key: tuple[Any, ...] = (False, j, m, a)
            can_pass = memo.get(key)
            if can_pass is None:
                can_pass = memo[key] = any(s in PASSING for x, s in table if x & m == m and not x & ~a)
            if not can_pass:
                return None
        inventory: dict[int, float] = {}
        if self.lines is not None and (parent is None or self._inventory_mask & moved):
            bounded = self._inventory_bound(must, allowed, g)
            if bounded is None:
                return None
            inventory = bounded
        best = []
        for j, (entry, c) in enumerate(zip(self.items, self.base.criteria.items, strict=True)):
            if parent is not None and not self.item_masks[j] & moved:
                best.append(parent[j])
                continue
            if entry is None or entry[1] is None:
                best.append(inventory.get(j, parent[j] if parent is not None else max(0.0, (1 - g) * c.points)))
                continue
            mask, table = entry[0], entry[1]
            m, a = must & mask, allowed & mask
            key = (g, j, m, a)
            slack = memo.get(key)
            if slack is None:
                slack = memo[key] = max(p - g * ap for x, (p, ap) in table if x & m == m and not x & ~a)
            best.append(slack)
        return best

    def _inventory_bound(self, must: int, allowed: int, g: float) -> dict[int, float] | None:
        """The inventory items' best slack by index; None when an inventory control fails in
        every set of the node; {} when the lines cannot bound them."""
        low, high, s_low, s_high, factors = self._extremes(must, allowed)
        low, s_low = low - WIDEN * (abs(low) + 1), s_low - WIDEN * (abs(s_low) + 1)
        high, s_high = high + WIDEN * (abs(high) + 1), s_high + WIDEN * (abs(s_high) + 1)
        if low <= 0:
            return {}  # the gross may reach 0, where a metric turns n/a: no bound from the lines
        # Every inventory metric lies between its values at two corners: least gross with most
        # sinks, most gross with least sinks (sinks surveyed or not, where either can happen).
        corners = [
            self._corner(gross, sink, used, g) for gross, sink in ((low, s_high), (high, s_low)) for used in factors
        ]
        if not all(any(passes) for passes in zip(*(c[0] for c in corners), strict=True)):
            return None
        return {j: max(c[1][j] for c in corners) for j in corners[0][1]}

    def _corner(
        self, gross: float, sinks: float, factors: tuple[str, ...], g: float
    ) -> tuple[tuple[bool, ...], dict[int, float]]:
        """At one corner: whether each inventory control passes, and each inventory item's slack."""
        key = ("corner", g, gross, sinks, factors)
        found = self._memo.get(key)
        if found is None:
            base = self.base
            now = Inventory(
                base.inventory.year,
                (Line("gross", gross, (), ()),),
                Line("sinks", sinks, (), factors),
                base.inventory.resident_population,
                base.inventory.gfa_total_m2,
                base.inventory.missing_required,
            )
            criteria = base.criteria
            passes = tuple(
                control_result(c, self._inventory_metric(c, now)).status in PASSING
                for entry, c in zip(self.controls, criteria.controls, strict=True)
                if entry is None
            )
            slack = {}
            for j, (entry, c) in enumerate(zip(self.items, criteria.items, strict=True)):
                if entry is None:
                    earned, applicable = earned_and_applicable(c, self._inventory_metric(c, now))
                    slack[j] = earned - g * applicable
            found = self._memo[key] = (passes, slack)
        return found

    def _extremes(self, must: int, allowed: int) -> tuple[float, float, float, float, tuple[tuple[str, ...], ...]]:
        """Least and most gross emissions, least and most sinks over the node's sets, and the
        sinks' factors that can occur (() when the sinks are not surveyed)."""
        assert self.lines is not None
        memo = self._memo
        low = high = 0.0
        for k, (mask, table) in enumerate(self.lines[:-1]):
            m, a = must & mask, allowed & mask
            key: tuple[Any, ...] = ("line", k, m, a)
            found = memo.get(key)
            if found is None:
                tco2e = [line.tco2e for x, line in table if x & m == m and not x & ~a]
                found = memo[key] = (min(tco2e), max(tco2e))
            low += found[0]
            high += found[1]
        mask, table = self.lines[-1]
        m, a = must & mask, allowed & mask
        key = ("sinks", m, a)
        found = memo.get(key)
        if found is None:
            sinks = [line for x, line in table if x & m == m and not x & ~a]
            factors = tuple(dict.fromkeys(s.factors for s in sinks))
            found = memo[key] = (min(s.tco2e for s in sinks), max(s.tco2e for s in sinks), factors)
        return low, high, *found

    def _inventory_metric(self, c: Criterion, now: Inventory) -> Any:
        base = self.base
        return metric_value(c.metric, base.survey.assessment, base.survey.baseline, now, base.baseline_inventory)

"""The cost dicts of the report context: a planned `Cost` (of a pathway, one of its steps, or a
no-regret measure outside it) as templates read it, documented as "a cost dict" in
templates/README.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from carbon_cli.core.i18n import Bilingual, term

if TYPE_CHECKING:
    from carbon_cli.planning.costs import Cost


def cost_context(c: Cost, lang: str) -> dict[str, Any]:
    """A cost as the report shows it: typical values with low–high ranges, every line of it,
    the subsidies with their policy and why one is not counted."""
    from carbon_cli.planning.policies import policy

    def r(x: Any) -> dict[str, float]:
        return x.to_dict()

    per_t = c.yuan_per_tco2e
    award = c.terms.award
    award_policy = policy(c.terms.award_policy)
    subsidies = []
    for line in c.subsidy_lines:
        source = policy(line.rule.policy)
        subsidies.append(
            {
                "key": line.rule.figure.key,
                "measure": line.rule.measure,
                "name": line.rule.figure.label(lang),
                "policy": source.label(lang) if source else line.rule.policy,
                "valid_until": line.rule.valid_until,
                "kind": line.rule.kind,
                "years": line.rule.years,
                "amount": r(line.amount),
                "counted": line.counted,
                "reason": term(f"subsidy_{line.reason}", lang) if line.reason else None,
                "condition": line.rule.condition(lang),
                "status": line.rule.figure.status,
            }
        )
    return {
        "capex": r(c.capex),
        "one_off_subsidy": r(c.one_off_subsidy),
        "upfront": r(c.upfront),
        "annual_opex": r(c.opex),
        "annual_savings": r(c.savings),
        "annual_subsidy": r(c.annual_subsidy),
        "annual_net": r(c.annual_net),
        "subsidy": r(c.subsidy),
        "net_cost": r(c.net_cost),
        "years": c.terms.years,
        "discount_rate": c.terms.discount_rate,
        "payback_years": c.payback_years,
        "yuan_per_tco2e": r(per_t) if per_t is not None else None,
        "tco2e_reduced": c.tco2e_reduced,
        "no_regret": c.no_regret,
        "running_cost": r(c.running_cost),
        "running_exceeds_upfront": c.running_exceeds_upfront,
        "lines": [
            {
                "measure": line.cost.measure,
                "name": line.cost.figure.label(lang),
                "kind": line.cost.kind,
                "quantity": line.quantity,
                "unit": line.cost.figure.unit_label(lang),
                "unit_cost": r(line.cost.figure.value),
                "amount": r(line.amount),
                "status": line.cost.figure.status,
                "source": line.cost.figure.source,
            }
            for line in c.lines
        ],
        "savings": [
            {
                "name": line.tariff.figure.label(lang),
                "quantity": line.quantity,
                "unit": line.tariff.figure.unit_label(lang),
                "tariff": r(line.tariff.figure.value),
                "amount": r(line.amount),
                "status": line.tariff.figure.status,
            }
            for line in c.saving_lines
        ],
        "subsidies": subsidies,
        "cost_set": {"id": c.terms.cost_set, "name": Bilingual(*c.terms.cost_set_label).text(lang)},
        "on": c.terms.on,
        "award": {
            "amount": award.value.typical,
            "status": award.status,
            "policy": award_policy.label(lang) if award_policy else c.terms.award_policy,
        }
        if award is not None
        else None,
    }

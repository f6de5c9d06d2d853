"""The survey fields the inventory reads: what the criteria, the evaluation and the measures need
to know of the accounting without loading it."""

from __future__ import annotations

ELECTRICITY_USE = ("elec_residential_kwh", "elec_public_area_kwh", "elec_commercial_kwh", "elec_ev_charging_kwh")
# Every field an inventory formula (accounting/inventory.py) reads.
INVENTORY_FIELDS = frozenset(
    (
        *ELECTRICITY_USE,
        "green_power_kwh",
        "gas_pipeline_m3",
        "lpg_kg",
        "diesel_l",
        "gasoline_l",
        "fuel_vehicle_km",
        "water_supply_m3",
        "wastewater_m3",
        "residual_t",
        "msw_total_t",
        "recyclables_t",
        "kitchen_waste_t",
        "hazardous_t",
        "tree_green_m2",
        "shrub_lawn_m2",
        "tree_count",
        "resident_population",
        "gfa_total_m2",
    )
)

"""Write the fictional sample surveys of sample_data/: one form workbook per community and a
district table holding the same values.

Every community, street and figure is invented for demonstration; only the magnitudes follow
public statistics (Shenzhen 2023: about 1,030 kWh household electricity per resident, 2.54
persons per household, 3,000-60,000 residents per community). Nothing is random, so running
the script twice gives byte-identical files:

    python sample_data/make_samples.py

Each community is a set of *drivers* (rates per resident, shares, counts) on top of DEFAULTS;
`survey()` turns them into survey fields. To tune a community, change its drivers, or pin a
field directly under "fields". A "baseline" entry adds a baseline year with its own changes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing the package

from carbon_cli.core.fileio import write_bytes, write_workbook  # noqa: E402
from carbon_cli.survey.fields import dictionary  # noqa: E402
from carbon_cli.survey.template import form_workbook, table_workbook  # noqa: E402

DISTRICT = "示范区"
ASSESSMENT_YEAR = 2023
BASELINE_YEAR = 2021

# A dense, mostly residential community of the fictional district in the assessment year.
DEFAULTS: dict[str, Any] = {
    # people and land
    "residents": 18_000,
    "persons_per_household": 2.54,
    "service_per_resident": 0.3,
    "land_m2": 600_000,
    "residential_m2_per_resident": 30,
    "public_commercial_m2": 80_000,
    "buildings": 120,
    # energy
    "elec_household_per_resident": 1_030,  # kWh/yr, Shenzhen 2023 average
    "elec_public_per_resident": 130,
    "elec_commercial_kwh": 3_000_000,
    "ev_kwh_per_nev": 2_400,
    "public_area_m2": 40_000,
    "gas_m3_per_resident": 45,
    "lpg_kg_per_resident": 3,
    "diesel_l": 3_000,
    "pv_kwp": 0,
    "pv_kwh_per_kwp": 1_050,
    "pv_m2_per_kwp": 6.5,
    "green_power_pct": 0,  # of grid electricity
    "usable_roof_m2": 25_000,
    "electric_cooking_share": 0.08,
    # buildings
    "green_certified_share": 0.10,
    "retrofitted_share": 0.05,
    "public_fixtures": 1_500,
    "led_share": 0.60,
    # transport
    "vehicles_per_resident": 0.22,
    "nev_share": 0.20,
    "km_per_fuel_vehicle": 9_000,
    "gasoline_l_per_100km": None,  # set to survey gasoline_l (fuel sales) beside the distance
    "parking_per_vehicle": 0.8,
    "charging_share": 0.10,
    "transit_500m_share": 0.85,
    "green_trip_pct": 60,
    # water
    "water_m3_per_resident": 58,
    "wastewater_ratio": 0.85,
    "nontraditional_share": 0.01,
    "saving_fixture_share": 0.40,
    # waste
    "msw_t_per_resident": 0.33,
    "recyclables_share": 0.18,
    "kitchen_share": 0.17,
    "onsite_share": 0.0,
    "hazardous_share": 0.003,
    "sorting_share": 1.0,
    "reuse_facility": False,
    # green space
    "green_cover_share": 0.30,
    "tree_share": 0.55,
    "shrub_share": 0.35,
    "m2_per_tree": 30,
    "green_roof_m2": 1_000,
    # management
    "mgmt_team": True,
    "creation_plan": True,
    "platform": False,
    "submetered_pct": 30,
    "outreach_events": 2,
    "participation_share": 0.05,
    "workgroup": False,
    "verified": False,
}

# "class" is what the community is meant to show once assessed; the criteria engine decides.
# fmt: off
COMMUNITIES: list[dict[str, Any]] = [
    {
        "id": "FT-SH-01", "name": "绮澜社区", "street": "青岚街道", "class": "eligible (优秀)",
        "drivers": {
            "residents": 9_200, "land_m2": 420_000, "buildings": 64, "public_commercial_m2": 30_000,
            "elec_household_per_resident": 820, "elec_public_per_resident": 85,
            "elec_commercial_kwh": 400_000, "gas_m3_per_resident": 22, "lpg_kg_per_resident": 0,
            "pv_kwp": 900, "usable_roof_m2": 11_000, "green_power_pct": 45,
            "electric_cooking_share": 0.45, "green_certified_share": 0.55,
            "retrofitted_share": 0.35, "public_fixtures": 800, "led_share": 1.0,
            "vehicles_per_resident": 0.15, "nev_share": 0.45, "km_per_fuel_vehicle": 7_000,
            "charging_share": 0.35, "transit_500m_share": 0.97, "green_trip_pct": 78,
            "water_m3_per_resident": 48, "nontraditional_share": 0.11,
            "saving_fixture_share": 0.85, "msw_t_per_resident": 0.28,
            "recyclables_share": 0.30, "kitchen_share": 0.25, "onsite_share": 0.25,
            "reuse_facility": True, "green_cover_share": 0.45, "tree_share": 0.70,
            "platform": True, "submetered_pct": 90, "outreach_events": 10,
            "participation_share": 0.40, "workgroup": True, "verified": True,
        },
        "baseline": {
            "residents": 9_000, "elec_household_per_resident": 1_010,
            "elec_public_per_resident": 120, "gas_m3_per_resident": 38,
            "lpg_kg_per_resident": 2, "pv_kwp": 120, "green_power_pct": 0,
            "electric_cooking_share": 0.12, "retrofitted_share": 0.05, "led_share": 0.55,
            "nev_share": 0.15, "km_per_fuel_vehicle": 9_000, "charging_share": 0.08,
            "green_trip_pct": 64, "water_m3_per_resident": 56, "nontraditional_share": 0.02,
            "saving_fixture_share": 0.40, "recyclables_share": 0.16, "kitchen_share": 0.12,
            "onsite_share": 0.0, "reuse_facility": False, "platform": False,
            "submetered_pct": 20, "outreach_events": 2, "participation_share": 0.04,
            "workgroup": False, "verified": False,
        },
    },
    {
        "id": "FT-SH-02", "name": "沁禾社区", "street": "青岚街道", "class": "eligible (通过)",
        "drivers": {
            "residents": 15_600, "land_m2": 520_000, "buildings": 96,
            "elec_household_per_resident": 960, "elec_public_per_resident": 105,
            "elec_commercial_kwh": 1_800_000, "gas_m3_per_resident": 38,
            "pv_kwp": 420, "usable_roof_m2": 16_000, "green_power_pct": 7,
            "electric_cooking_share": 0.20, "green_certified_share": 0.30,
            "retrofitted_share": 0.18, "led_share": 0.95, "nev_share": 0.32,
            "charging_share": 0.24, "transit_500m_share": 0.94, "green_trip_pct": 70,
            "saving_fixture_share": 0.65, "nontraditional_share": 0.05,
            "recyclables_share": 0.29, "kitchen_share": 0.21, "onsite_share": 0.10,
            "reuse_facility": True, "green_cover_share": 0.37, "platform": True,
            "submetered_pct": 70, "outreach_events": 6, "participation_share": 0.20,
            "workgroup": True,
        },
        "baseline": {
            "residents": 15_200, "elec_household_per_resident": 1_080,
            "elec_public_per_resident": 130, "gas_m3_per_resident": 46, "pv_kwp": 0,
            "green_power_pct": 0, "led_share": 0.65, "nev_share": 0.18,
            "recyclables_share": 0.20, "kitchen_share": 0.15, "onsite_share": 0.0,
            "platform": False, "outreach_events": 3, "participation_share": 0.06,
        },
    },
    {
        "id": "FT-SH-03", "name": "霁川社区", "street": "澄湾街道", "class": "C4 only (M15)",
        "drivers": {
            "residents": 21_400, "land_m2": 680_000, "buildings": 140, "sorting_share": 0.95,
            "elec_household_per_resident": 940, "elec_public_per_resident": 110,
            "elec_commercial_kwh": 2_200_000, "gas_m3_per_resident": 36,
            "pv_kwp": 450, "usable_roof_m2": 21_000, "green_power_pct": 5,
            "electric_cooking_share": 0.18, "green_certified_share": 0.30,
            "retrofitted_share": 0.18, "led_share": 0.90, "nev_share": 0.32,
            "charging_share": 0.22, "transit_500m_share": 0.93, "green_trip_pct": 70,
            "saving_fixture_share": 0.65, "nontraditional_share": 0.05,
            "recyclables_share": 0.28, "kitchen_share": 0.21, "onsite_share": 0.10,
            "reuse_facility": True, "green_cover_share": 0.37, "platform": True,
            "submetered_pct": 75, "outreach_events": 6, "participation_share": 0.20,
            "workgroup": True,
        },
    },
    {
        "id": "FT-SH-04", "name": "芷汀社区", "street": "澄湾街道",
        "class": "one low-effort measure away (M17)",
        "drivers": {
            "residents": 12_800, "land_m2": 450_000, "buildings": 78,
            "elec_household_per_resident": 950, "elec_public_per_resident": 110,
            "elec_commercial_kwh": 1_200_000, "gas_m3_per_resident": 38,
            "pv_kwp": 260, "usable_roof_m2": 14_000, "green_power_pct": 5,
            "electric_cooking_share": 0.15, "green_certified_share": 0.25,
            "retrofitted_share": 0.15, "led_share": 0.85, "nev_share": 0.28,
            "charging_share": 0.18, "transit_500m_share": 0.90, "green_trip_pct": 66,
            "saving_fixture_share": 0.55, "nontraditional_share": 0.04,
            "recyclables_share": 0.26, "kitchen_share": 0.20, "onsite_share": 0.06,
            "reuse_facility": True, "green_cover_share": 0.35, "platform": True,
            "submetered_pct": 60, "outreach_events": 0, "participation_share": 0.0,
        },
    },
    {
        "id": "FT-SH-05", "name": "棠晖社区", "street": "鹭屿街道", "class": "reachable",
        "drivers": {
            "residents": 24_300, "land_m2": 720_000, "buildings": 168,
            "elec_household_per_resident": 1_060, "elec_public_per_resident": 140,
            "elec_commercial_kwh": 3_600_000, "gas_m3_per_resident": 46,
            "pv_kwp": 180, "usable_roof_m2": 26_000, "electric_cooking_share": 0.12,
            "green_certified_share": 0.15, "retrofitted_share": 0.10, "led_share": 0.80,
            "nev_share": 0.28, "charging_share": 0.15, "transit_500m_share": 0.92,
            "green_trip_pct": 66, "saving_fixture_share": 0.50, "recyclables_share": 0.22,
            "kitchen_share": 0.18, "green_cover_share": 0.34, "reuse_facility": True,
            "creation_plan": False, "outreach_events": 3, "participation_share": 0.06,
        },
        "baseline": {
            "residents": 23_900, "elec_household_per_resident": 1_090,
            "elec_public_per_resident": 155, "nev_share": 0.16, "led_share": 0.60,
            "pv_kwp": 0, "reuse_facility": False,
        },
    },
    {
        "id": "FT-SH-06", "name": "晏溪社区", "street": "鹭屿街道", "class": "reachable",
        "drivers": {
            "residents": 31_500, "land_m2": 860_000, "buildings": 210, "sorting_share": 0.90,
            "residential_m2_per_resident": 27, "public_commercial_m2": 140_000,
            "elec_household_per_resident": 1_080, "elec_public_per_resident": 150,
            "elec_commercial_kwh": 5_500_000, "gas_m3_per_resident": 50,
            "lpg_kg_per_resident": 5, "usable_roof_m2": 30_000, "led_share": 0.75,
            "electric_cooking_share": 0.12, "green_certified_share": 0.15,
            "vehicles_per_resident": 0.25, "nev_share": 0.25, "charging_share": 0.12,
            "transit_500m_share": 0.92, "green_trip_pct": 66, "saving_fixture_share": 0.50,
            "recyclables_share": 0.22, "kitchen_share": 0.18, "green_cover_share": 0.33,
            "platform": True, "submetered_pct": 60, "outreach_events": 2,
            "participation_share": 0.05,
        },
    },
    {
        "id": "FT-SH-07", "name": "澜栖社区", "street": "松禾街道", "class": "reachable",
        "drivers": {
            "residents": 16_900, "land_m2": 480_000, "buildings": 132,
            "residential_m2_per_resident": 24, "public_commercial_m2": 45_000,
            "elec_household_per_resident": 990, "elec_public_per_resident": 120,
            "elec_commercial_kwh": 1_500_000, "gas_m3_per_resident": 58,
            "lpg_kg_per_resident": 9, "usable_roof_m2": 17_000, "electric_cooking_share": 0.05,
            "green_certified_share": 0.05, "retrofitted_share": 0.08, "public_fixtures": 1_300,
            "led_share": 0.70, "vehicles_per_resident": 0.18, "nev_share": 0.22,
            "km_per_fuel_vehicle": 10_000, "charging_share": 0.10, "transit_500m_share": 0.93,
            "green_trip_pct": 68, "saving_fixture_share": 0.45, "nontraditional_share": 0.02,
            "recyclables_share": 0.20, "kitchen_share": 0.17, "green_cover_share": 0.33,
            "reuse_facility": True, "mgmt_team": False, "outreach_events": 2,
            "participation_share": 0.04,
        },
        "baseline": {
            "residents": 17_300, "elec_household_per_resident": 1_010,
            "gas_m3_per_resident": 60, "lpg_kg_per_resident": 11, "led_share": 0.55,
            "reuse_facility": False, "nev_share": 0.15,
        },
    },
    {
        "id": "FT-SH-08", "name": "朗樾社区", "street": "松禾街道", "class": "reachable",
        "drivers": {
            "residents": 52_000, "land_m2": 1_650_000, "buildings": 380,
            "residential_m2_per_resident": 28, "public_commercial_m2": 260_000,
            "elec_household_per_resident": 1_020, "elec_public_per_resident": 135,
            "elec_commercial_kwh": 9_000_000, "gas_m3_per_resident": 44, "diesel_l": 12_000,
            "gasoline_l_per_100km": 8.5,
            "public_area_m2": 110_000, "pv_kwp": 150, "usable_roof_m2": 70_000,
            "public_fixtures": 4_600, "led_share": 0.85, "green_certified_share": 0.20,
            "retrofitted_share": 0.10, "electric_cooking_share": 0.12, "nev_share": 0.28,
            "charging_share": 0.16, "transit_500m_share": 0.94, "green_trip_pct": 68,
            "saving_fixture_share": 0.50, "recyclables_share": 0.22, "kitchen_share": 0.19,
            "green_cover_share": 0.35, "reuse_facility": True, "outreach_events": 4,
            "participation_share": 0.08,
        },
    },
    {
        "id": "FT-SH-09", "name": "蔚岚社区", "street": "青岚街道", "class": "reachable",
        "drivers": {
            "residents": 3_400, "persons_per_household": 2.2, "land_m2": 90_000,
            "buildings": 46, "residential_m2_per_resident": 22, "public_commercial_m2": 8_000,
            "elec_household_per_resident": 900, "elec_public_per_resident": 60,
            "elec_commercial_kwh": 250_000, "gas_m3_per_resident": 20,
            "lpg_kg_per_resident": 18, "diesel_l": 500, "public_area_m2": 4_000,
            "usable_roof_m2": 5_500, "electric_cooking_share": 0.10, "green_certified_share": 0.0,
            "retrofitted_share": 0.05, "public_fixtures": 260, "led_share": 0.70,
            "vehicles_per_resident": 0.12, "nev_share": 0.20, "parking_per_vehicle": 0.5,
            "charging_share": 0.05, "transit_500m_share": 0.97, "green_trip_pct": 74,
            "water_m3_per_resident": 50, "saving_fixture_share": 0.40,
            "nontraditional_share": 0.0, "msw_t_per_resident": 0.36,
            "recyclables_share": 0.20, "kitchen_share": 0.16, "green_cover_share": 0.26,
            "green_roof_m2": 0, "outreach_events": 2, "participation_share": 0.05,
        },
    },
    {
        "id": "FT-SH-10", "name": "琅汐社区", "street": "澄湾街道",
        "class": "not feasible (commercial-heavy, rising)",
        "drivers": {
            # household electricity stays just above commercial: above it the checks warn
            "residents": 3_600, "persons_per_household": 2.1, "service_per_resident": 2.8,
            "land_m2": 260_000, "buildings": 38, "residential_m2_per_resident": 45,
            "public_commercial_m2": 420_000, "elec_household_per_resident": 1_900,
            "elec_public_per_resident": 390, "elec_commercial_kwh": 6_800_000,
            "gas_m3_per_resident": 140, "lpg_kg_per_resident": 35, "diesel_l": 45_000,
            "public_area_m2": 30_000, "usable_roof_m2": 12_000, "electric_cooking_share": 0.05,
            "green_certified_share": 0.05, "retrofitted_share": 0.0, "public_fixtures": 900,
            "led_share": 0.50, "vehicles_per_resident": 0.48, "nev_share": 0.08,
            "km_per_fuel_vehicle": 14_000, "parking_per_vehicle": 1.6, "charging_share": 0.03,
            "transit_500m_share": 0.72, "green_trip_pct": 38, "water_m3_per_resident": 110,
            "saving_fixture_share": 0.20, "nontraditional_share": 0.0,
            "msw_t_per_resident": 0.55, "recyclables_share": 0.10, "kitchen_share": 0.08,
            "green_cover_share": 0.15, "tree_share": 0.40, "mgmt_team": False,
            "creation_plan": False, "outreach_events": 0, "participation_share": 0.0,
        },
        "baseline": {
            "elec_household_per_resident": 1_750, "elec_public_per_resident": 300,
            "elec_commercial_kwh": 3_400_000, "gas_m3_per_resident": 100,
            "lpg_kg_per_resident": 22, "diesel_l": 20_000, "vehicles_per_resident": 0.40,
            "public_commercial_m2": 260_000,
        },
    },
    {
        "id": "FT-SH-11", "name": "霖峯社区", "street": "鹭屿街道",
        "class": "not feasible (poor data, high per capita)",
        "drivers": {
            "residents": 27_800, "land_m2": 640_000, "buildings": 240, "sorting_share": 0.80,
            "residential_m2_per_resident": 22, "elec_household_per_resident": 1_450,
            "elec_public_per_resident": 220, "elec_commercial_kwh": 9_000_000,
            "gas_m3_per_resident": 70, "lpg_kg_per_resident": 12,
            "vehicles_per_resident": 0.30, "nev_share": 0.06, "km_per_fuel_vehicle": 13_000,
            "green_cover_share": 0.16, "mgmt_team": False, "creation_plan": False,
        },
        # surveyed only what the inventory strictly needs (and a few figures on top)
        "omit": [
            "service_population", "gfa_public_commercial_m2", "elec_ev_charging_kwh",
            "public_area_m2", "diesel_l", "pv_capacity_kwp", "pv_generation_kwh",
            "green_power_kwh", "usable_roof_area_m2", "pv_roof_area_m2",
            "households_electric_cooking", "green_certified_gfa_m2", "retrofitted_gfa_m2",
            "public_fixtures", "efficient_fixtures", "gasoline_l", "parking_spaces",
            "charging_spaces", "residents_within_500m_stop", "green_trip_share",
            "wastewater_m3", "nontraditional_water_m3", "households_with_saving_fixtures",
            "recyclables_t", "kitchen_waste_t", "kitchen_waste_onsite_t", "hazardous_t",
            "residual_t", "has_reuse_facility", "tree_green_m2", "shrub_lawn_m2",
            "green_roof_m2", "has_energy_metering_platform", "share_public_loads_submetered",
            "outreach_events_per_year", "participating_residents", "has_stakeholder_workgroup",
            "third_party_verified",
        ],
    },
    {
        "id": "FT-SH-12", "name": "榕澈社区", "street": "松禾街道", "class": "reachable (messy, zh)",
        "mess": "zh",
        "drivers": {
            "residents": 18_240, "land_m2": 560_000, "buildings": 118,
            "elec_household_per_resident": 1_000, "elec_public_per_resident": 125,
            "elec_commercial_kwh": 2_600_000, "gas_m3_per_resident": 42, "lpg_kg_per_resident": 0,
            "pv_kwp": 200, "usable_roof_m2": 20_000, "electric_cooking_share": 0.12,
            "green_certified_share": 0.15, "led_share": 0.80, "nev_share": 0.28,
            "charging_share": 0.15, "transit_500m_share": 0.92, "green_trip_pct": 67,
            "saving_fixture_share": 0.50, "recyclables_share": 0.22, "kitchen_share": 0.18,
            "green_cover_share": 0.34, "outreach_events": 4, "reuse_facility": True,
        },
        "baseline": {
            "residents": 17_950, "elec_household_per_resident": 1_050,
            "elec_public_per_resident": 135, "pv_kwp": 0, "reuse_facility": False,
            "outreach_events": 2,
        },
        "fields": {"participating_residents": 500},
        "baseline_fields": {"participating_residents": 300},
        "omit": ["diesel_l", "gasoline_l", "tree_count", "green_roof_m2"],
    },
    {
        "id": "FT-SH-13", "name": "泊云社区", "street": "青岚街道", "class": "reachable (messy, en)",
        "mess": "en",
        "drivers": {
            "residents": 9_800, "land_m2": 380_000, "buildings": 74,
            "elec_household_per_resident": 1_040, "elec_public_per_resident": 120,
            "elec_commercial_kwh": 900_000, "gas_m3_per_resident": 40, "lpg_kg_per_resident": 0,
            "usable_roof_m2": 9_000, "electric_cooking_share": 0.15,
            "green_certified_share": 0.20, "led_share": 0.85, "nev_share": 0.28,
            "charging_share": 0.18, "transit_500m_share": 0.93, "green_trip_pct": 68,
            "saving_fixture_share": 0.55, "recyclables_share": 0.24, "kitchen_share": 0.19,
            "green_cover_share": 0.35, "outreach_events": 2, "platform": True,
            "submetered_pct": 55,
        },
        "omit": ["diesel_l", "gasoline_l", "kitchen_waste_onsite_t", "green_roof_m2"],
    },
]
# fmt: on

# Where each topic's figures usually come from, written into the data-source column.
SOURCES = {
    "basic": "社区工作站台账",
    "energy": "供电局台区汇总数据",
    "buildings": "住建部门及物业资料",
    "transport": "物业停车台账、居民出行问卷",
    "water": "水务公司汇总数据",
    "waste": "街道环卫所清运台账",
    "green": "城管（园林）部门资料",
    "management": "社区工作站工作记录",
}
SOURCE_BY_FIELD = {
    "gas_pipeline_m3": "燃气公司汇总数据",
    "lpg_kg": "供气站销售记录估算",
    "diesel_l": "物业采购记录",
    "pv_capacity_kwp": "光伏并网备案资料",
    "pv_generation_kwh": "逆变器发电计量",
    "green_power_kwh": "绿电交易凭证",
    "usable_roof_area_m2": "现场踏勘估算",
    "pv_roof_area_m2": "现场踏勘估算",
    "households_electric_cooking": "入户抽样调查估算",
    "households_with_saving_fixtures": "入户抽样调查估算",
    "green_trip_share": "居民出行问卷",
}


def _round(value: float, step: int) -> int:
    """`value` to a whole multiple of `step`, as people report it (kWh to the thousand …)."""
    return int(round(value / step) * step)


def survey(d: dict[str, Any]) -> dict[str, Any]:
    """The per-year survey fields that the drivers `d` describe."""
    residents = d["residents"]
    households = _round(residents / d["persons_per_household"], 1)
    vehicles = _round(residents * d["vehicles_per_resident"], 1)
    nev = _round(vehicles * d["nev_share"], 1)
    elec = {
        "elec_residential_kwh": _round(residents * d["elec_household_per_resident"], 1000),
        "elec_public_area_kwh": _round(residents * d["elec_public_per_resident"], 1000),
        "elec_commercial_kwh": d["elec_commercial_kwh"],
        "elec_ev_charging_kwh": _round(nev * d["ev_kwh_per_nev"], 1000),
    }
    gfa_residential = _round(residents * d["residential_m2_per_resident"], 100)
    gfa_total = gfa_residential + d["public_commercial_m2"]
    parking = _round(vehicles * d["parking_per_vehicle"], 1)
    water = _round(residents * d["water_m3_per_resident"], 100)
    msw = round(residents * d["msw_t_per_resident"], 1)
    recyclables = round(msw * d["recyclables_share"], 1)
    kitchen = round(msw * d["kitchen_share"], 1)
    hazardous = round(msw * d["hazardous_share"], 1)
    green_cover = _round(d["land_m2"] * d["green_cover_share"], 100)
    tree_green = _round(green_cover * d["tree_share"], 100)
    fuel_km = _round((vehicles - nev) * d["km_per_fuel_vehicle"], 1000)
    gasoline: dict[str, int] = {}
    if d["gasoline_l_per_100km"]:
        gasoline["gasoline_l"] = _round(fuel_km * d["gasoline_l_per_100km"] / 100, 100)
    return {
        "resident_population": residents,
        "households": households,
        "service_population": _round(residents * d["service_per_resident"], 10),
        "land_area_m2": d["land_m2"],
        "gfa_total_m2": gfa_total,
        "gfa_residential_m2": gfa_residential,
        "gfa_public_commercial_m2": d["public_commercial_m2"],
        "buildings_total": d["buildings"],
        **elec,
        "public_area_m2": d["public_area_m2"],
        "gas_pipeline_m3": _round(residents * d["gas_m3_per_resident"], 100),
        "lpg_kg": _round(residents * d["lpg_kg_per_resident"], 10),
        "diesel_l": d["diesel_l"],
        "pv_capacity_kwp": d["pv_kwp"],
        "pv_generation_kwh": _round(d["pv_kwp"] * d["pv_kwh_per_kwp"], 100),
        "green_power_kwh": _round(sum(elec.values()) * d["green_power_pct"] / 100, 1000),
        "usable_roof_area_m2": d["usable_roof_m2"],
        "pv_roof_area_m2": _round(d["pv_kwp"] * d["pv_m2_per_kwp"], 10),
        "households_electric_cooking": _round(households * d["electric_cooking_share"], 1),
        "green_certified_gfa_m2": _round(gfa_total * d["green_certified_share"], 100),
        "retrofitted_gfa_m2": _round(gfa_total * d["retrofitted_share"], 100),
        "public_fixtures": d["public_fixtures"],
        "efficient_fixtures": _round(d["public_fixtures"] * d["led_share"], 1),
        "vehicles_total": vehicles,
        "nev_count": nev,
        **gasoline,
        "fuel_vehicle_km": fuel_km,
        "parking_spaces": parking,
        "charging_spaces": _round(parking * d["charging_share"], 1),
        "residents_within_500m_stop": _round(residents * d["transit_500m_share"], 10),
        "green_trip_share": d["green_trip_pct"],
        "water_supply_m3": water,
        "wastewater_m3": _round(water * d["wastewater_ratio"], 100),
        "nontraditional_water_m3": _round(water * d["nontraditional_share"], 10),
        "households_with_saving_fixtures": _round(households * d["saving_fixture_share"], 1),
        "msw_total_t": msw,
        "recyclables_t": recyclables,
        "kitchen_waste_t": kitchen,
        "kitchen_waste_onsite_t": round(kitchen * d["onsite_share"], 1),
        "hazardous_t": hazardous,
        "residual_t": round(msw - recyclables - kitchen - hazardous, 1),
        "buildings_with_sorting_points": _round(d["buildings"] * d["sorting_share"], 1),
        "has_reuse_facility": d["reuse_facility"],
        "green_cover_m2": green_cover,
        "tree_green_m2": tree_green,
        "shrub_lawn_m2": _round(green_cover * d["shrub_share"], 100),
        "tree_count": _round(tree_green / d["m2_per_tree"], 10),
        "green_roof_m2": d["green_roof_m2"],
        "has_carbon_mgmt_team": d["mgmt_team"],
        "has_creation_plan": d["creation_plan"],
        "has_energy_metering_platform": d["platform"],
        "share_public_loads_submetered": d["submetered_pct"],
        "outreach_events_per_year": d["outreach_events"],
        "participating_residents": _round(residents * d["participation_share"], 10),
        "has_stakeholder_workgroup": d["workgroup"],
        "third_party_verified": d["verified"],
    }


def years(community: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The assessment-year values (identity included) and the baseline-year values, if any."""
    drivers = {**DEFAULTS, **community.get("drivers", {})}
    omit = set(community.get("omit", ()))
    assessment = {
        "community_id": community["id"],
        "community_name": community["name"],
        "street": community["street"],
        "district": DISTRICT,
        "assessment_year": ASSESSMENT_YEAR,
        **survey(drivers),
        **community.get("fields", {}),
    }
    baseline = None
    if "baseline" in community:
        assessment["baseline_year"] = BASELINE_YEAR
        then = survey({**drivers, **community["baseline"]})
        baseline = {**then, **community.get("baseline_fields", {})}
        baseline = {k: v for k, v in baseline.items() if k not in omit}
    assessment = {k: v for k, v in assessment.items() if k not in omit}
    return assessment, baseline


# --- data-entry mess, as street offices really type it -------------------------------------
FULL_WIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _plain(value: float) -> str:
    return f"{value:.10g}"


def _in_unit(value: float, factor: float) -> str:
    """`value` written in a unit `factor` times larger, e.g. kWh as 万kWh. The reader must get
    exactly `value` back (the district table and batch de-duplication compare with ==), so a
    value that does not convert exactly is refused: round it in the profile."""
    text = _plain(value / factor)
    if float(text) * factor != value:
        raise ValueError(f"{value} does not convert exactly to a unit {factor:g} times larger")
    return text


MESS_FORMATS: dict[str, dict[str, Any]] = {
    "zh": {
        "resident_population": lambda v: f"{v:,}",
        "households": lambda v: str(v).translate(FULL_WIDTH),
        "gfa_total_m2": lambda v: f"{v:,}",
        "elec_public_area_kwh": lambda v: f"{_in_unit(v, 1e4)}万kWh",
        "gas_pipeline_m3": lambda v: f"{_in_unit(v, 1e4)}万",
        "lpg_kg": lambda v: "无" if v == 0 else _plain(v),
        "water_supply_m3": lambda v: f"{v:,}",
        "msw_total_t": lambda v: f"{_plain(v)}吨",
        "recyclables_t": lambda v: f"{_plain(v)}吨",
        "green_trip_share": lambda v: f"{_plain(v)}%",
        "share_public_loads_submetered": lambda v: f"{_plain(v)}%",
        "participating_residents": lambda v: f"约{v}",
        "bool": lambda v: "√" if v else "×",
        "has_reuse_facility": lambda v: "有" if v else "无",
    },
    "en": {
        "resident_population": lambda v: f"{v:,}",
        "households": lambda v: f"{v:,}",
        "elec_public_area_kwh": lambda v: f"{_in_unit(v, 1e3)} MWh",
        "gas_pipeline_m3": lambda v: f"{v:,} m3",
        "water_supply_m3": lambda v: f"{v:,}",
        "msw_total_t": lambda v: f"{_plain(v)} t",
        "green_trip_share": lambda v: f"{_plain(v)}%",
        "share_public_loads_submetered": lambda v: f"{_plain(v)}%",
        "bool": lambda v: "Y" if v else "N",
    },
}
MESS_MISSING = {"zh": "—", "en": "n/a"}
# A unit column retyped to another unit, with the figures in that unit.
MESS_UNITS = {"zh": {"elec_residential_kwh": ("万千瓦时", 1e4)}, "en": {"elec_residential_kwh": ("MWh", 1e3)}}
MESS_NOTES = {
    "zh": {"居民生活用电量": "供电局台区汇总，按万千瓦时填报", "管道天然气用量": "燃气公司按小区汇总，约数已核"},
    "en": {"Household electricity": "grid company figure", "Piped natural gas": "from the gas bill"},
}
MESS_EXTRA_HEADER = {"zh": "填表人说明", "en": "Remarks"}
MESS_SECTION = {"zh": "（以下为光伏与绿电）", "en": "(PV and green power)"}


def _messy_values(values: dict[str, Any], omitted: set[str], lang: str) -> dict[str, Any]:
    """The values as typed by hand: text numbers, units in cells, ticks, a dash for no data."""
    fields, formats = dictionary(), MESS_FORMATS[lang]
    out: dict[str, Any] = dict.fromkeys(omitted, MESS_MISSING[lang])
    for key, value in values.items():
        spec = fields[key]
        if key in MESS_UNITS[lang]:
            out[key] = float(_in_unit(value, MESS_UNITS[lang][key][1]))
        elif not spec.per_year:
            out[key] = value
        elif key in formats:
            out[key] = formats[key](value)
        elif spec.type == "bool":
            out[key] = formats["bool"](value)
        else:
            out[key] = value
    return out


def _label_rows(ws: Any) -> dict[str, int]:
    return {str(ws.cell(r, 2).value): r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value}


def _mess_up(wb: Any, lang: str) -> None:
    """Make a clean form look retyped by hand: no keys, retyped units, blank rows, remarks."""
    fields = dictionary()
    for topic in fields.topics:
        ws = wb[topic.label(lang)]
        ws.data_validations.dataValidation = []  # a copy retyped by hand has lost its drop-downs
        for r in range(3, ws.max_row + 1):
            ws.cell(r, 1).value = None
        ws.cell(2, 9).value = MESS_EXTRA_HEADER[lang]
        rows = _label_rows(ws)
        for key, (unit, _) in MESS_UNITS[lang].items():
            spec = fields[key]
            if spec.topic == topic.key:
                ws.cell(rows[spec.label(lang)], 3).value = unit
        for label, remark in MESS_NOTES[lang].items():
            if label in rows:
                ws.cell(rows[label], 9).value = remark
    # Blank rows and a section label in the energy sheet, bottom first so row numbers hold.
    energy = wb[next(t.label(lang) for t in fields.topics if t.key == "energy")]
    rows = _label_rows(energy)
    pv_row = rows[fields["pv_capacity_kwp"].label(lang)]
    energy.insert_rows(pv_row, 2)
    energy.cell(pv_row + 1, 2).value = MESS_SECTION[lang]
    energy.insert_rows(rows[fields["gas_pipeline_m3"].label(lang)], 1)


# --- writing ----------------------------------------------------------------------------------
def _sources(values: dict[str, Any]) -> dict[str, str]:
    fields = dictionary()
    return {
        key: SOURCE_BY_FIELD.get(key, SOURCES[fields[key].topic])
        for key, value in values.items()
        if value is not None and fields[key].per_year
    }


def community_workbook(community: dict[str, Any]) -> Any:
    """A clean form workbook in Chinese, or a messy one in the language of its "mess"."""
    assessment, baseline = years(community)
    lang = community.get("mess")
    if lang is None:
        return form_workbook("zh", assessment=assessment, baseline=baseline, sources=_sources(assessment))
    omitted = set(community.get("omit", ()))
    wb = form_workbook(
        lang,
        assessment=_messy_values(assessment, omitted, lang),
        baseline=_messy_values(baseline, omitted, lang) if baseline is not None else None,
    )
    _mess_up(wb, lang)
    return wb


def table_rows() -> list[dict[str, Any]]:
    """Every community for the district table: the baseline-year row first, when there is one."""
    rows = []
    for community in COMMUNITIES:
        assessment, baseline = years(community)
        identity = {k: assessment[k] for k in ("community_id", "community_name", "street", "district")}
        if baseline is not None:
            rows.append({**identity, **baseline, "year": assessment["baseline_year"]})
        rows.append({**assessment, "year": assessment["assessment_year"]})
    return rows


def main(out: Path = HERE) -> None:
    folder = out / "communities"
    folder.mkdir(parents=True, exist_ok=True)
    names = {f"{c['id']}.xlsx" for c in COMMUNITIES}
    for stale in folder.glob("*.xlsx"):
        if stale.name not in names:
            stale.unlink()
    for community in COMMUNITIES:
        write_workbook(folder / f"{community['id']}.xlsx", community_workbook(community))
    write_workbook(out / "district_table.xlsx", table_workbook("zh", table_rows()))
    write_bytes(out / "roster.txt", roster_csv())
    print(f"wrote {len(COMMUNITIES)} community workbooks, district_table.xlsx and roster.txt in {out}")


# On the roster but not surveyed yet: the collection status shows it as missing.
NOT_YET_SURVEYED = [{"id": "FT-SH-14", "name": "砚泉社区", "street": "松禾街道"}]


def roster_csv() -> bytes:
    """The district's roster (社区名单) for `carbon template --roster` and `carbon validate --roster`."""
    lines = ["社区编码,社区名称,所属街道,所属区"]
    lines += [f"{c['id']},{c['name']},{c['street']},{DISTRICT}" for c in [*COMMUNITIES, *NOT_YET_SURVEYED]]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


if __name__ == "__main__":
    main()

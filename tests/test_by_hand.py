"""A sample community checked by hand: every number below is written out from the survey
values (sample_data/communities/FT-SH-04.xlsx), the factor table and the criteria table."""

from __future__ import annotations

import pytest

from carbon_cli.scoring.assessment import assess
from carbon_cli.survey.reader import read_survey
from tests.conftest import SAMPLES

REL = 1e-9


@pytest.fixture(scope="module")
def ft04(factors, criteria):
    return assess(read_survey(SAMPLES / "communities" / "FT-SH-04.xlsx"), factors, criteria)


def test_inventory_by_hand(ft04):
    s = ft04.inventory.sources
    assert s["electricity"] == pytest.approx(
        (12_160_000 + 1_408_000 + 1_200_000 + 1_891_000 - 833_000) * 0.4042 / 1000, rel=REL
    )
    assert s["natural_gas"] == pytest.approx(486_400 * 2.1622 / 1000, rel=REL)
    assert s["lpg"] == pytest.approx(38_400 * 3.1013 / 1000, rel=REL)
    assert s["diesel"] == pytest.approx(3_000 * 0.84 * 3.0959 / 1000, rel=REL)
    assert s["gasoline"] == pytest.approx(18_252_000 * 0.08 * 0.737 * 2.9251 / 1000, rel=REL)  # from distance
    assert s["water"] == pytest.approx(742_400 * 0.168 / 1000 + 631_000 * 0.26 / 1000, rel=REL)
    assert s["waste"] == pytest.approx(2_268.3 * 0.30, rel=REL)
    sinks = (86_600 * 0.899 + 55_100 * 0.2) / 1000
    assert ft04.inventory.sinks_tco2e == pytest.approx(sinks, rel=REL)
    assert ft04.inventory.per_capita_tco2e == pytest.approx((sum(s.values()) - sinks) / 12_800, rel=REL)


def test_score_and_verdict_by_hand(ft04):
    pc = ft04.inventory.per_capita_tco2e
    gross = ft04.inventory.gross_tco2e
    points = {
        "S1": 18 * (1.50 - pc) / (1.50 - 0.40),
        "S3": 7 * min(1, 100 * (273_000 + 833_000) / (16_659_000 + 273_000) / 10),
        "S4": 4 * (100 * 1_690 / 14_000) / 50,
        "S6": 3 * min(1, (100 * 756 / 5_039) / 30),
        "S7": 5 * (100 * 116_000 / 464_000) / 50,
        "S8": 4 * min(1, (100 * 69_600 / 464_000) / 30),
        "S9": 3 * (100 * 1_275 / 1_500 - 50) / 50,
        "S10": 3 * (100 * 11_520 / 12_800 - 70) / 30,
        "S11": 5 * (66 - 40) / 35,
        "S12": 4 * (100 * 406 / 2_253) / 30,
        "S13": 3 * (100 * 788 / 2_816 - 5) / 35,
        "S14": 5 * min(1, (100 * (1_098.2 + 844.8) / 4_224 - 30) / 20),
        "S15": 3 * (100 * 50.7 / 844.8) / 20,
        "S16": 2,
        "S17": 3 * min(1, (100 * 2_771 / 5_039 - 20) / 60),
        "S18": 2 * min(1, (100 * 29_700 / 742_400) / 10),
        "S19": 3 * min(1, (100 * 157_500 / 450_000 - 20) / 20),
        "S20": 2 * min(1, (100 * ft04.inventory.sinks_tco2e / gross) / 3),
        "S21": 0,  # no outreach events
        "S22": 0,  # nobody in low-carbon actions
        "S23": 3,
    }
    got = {i.criterion.key: i.points for i in ft04.evaluation.items if i.status == "scored"}
    assert set(got) == set(points)  # S2 and S5 are n/a: no baseline year
    for key, value in points.items():
        assert got[key] == pytest.approx(value, rel=REL, abs=1e-12), key
    assert ft04.evaluation.applicable_max == 87
    assert ft04.score == pytest.approx(100 * sum(points.values()) / 87, rel=REL)
    assert [c.status for c in ft04.evaluation.controls] == ["pass", "pass", "na", "pass"]
    assert 55 < ft04.score < 60 and ft04.verdict == "not_eligible"
    # M17 (6 events, 30 % of residents taking part) adds S21 3 and S22 2 points: 100 × 5 / 87 more
    assert ft04.score + 100 * 5 / 87 >= 60

"""The configured dated policy (D-109): `configured_policy` over a mapping of overrides, and
`entrypoints.bootstrap` reading them (and the closure days) from the environment — an invalid
value refuses to start, never falls back to the national date."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.policy import DEFAULT_POLICY, Period, PolicyError, configured_policy
from shikaku.entrypoints.bootstrap import (
    CLOSURES_ENV,
    PROVISIONAL_ENV,
    ConfigurationError,
    business_calendar,
    dated_policy,
)


def test_no_overrides_is_the_national_policy():
    assert configured_policy({}) == DEFAULT_POLICY
    assert dated_policy({}) == DEFAULT_POLICY
    assert dated_policy({PROVISIONAL_ENV: " "}) == DEFAULT_POLICY  # empty: not configured


def test_r_prov_1_extended_by_configuration():
    policy = configured_policy({"provisional_handling_until": "2026-09-30"})
    assert policy.provisional_handling == Period(date(2025, 12, 2), date(2026, 9, 30))
    assert policy.legacy_card_use == DEFAULT_POLICY.legacy_card_use  # nothing else moves
    assert dated_policy({PROVISIONAL_ENV: "2026-09-30"}) == policy
    assert configured_policy({"provisional_handling_until": "2026-03-31"}) == DEFAULT_POLICY


@pytest.mark.parametrize("overrides, says", [
    ({"provisional_handling_until": "2026-9-30"}, "is not an ISO date"),
    ({"provisional_handling_until": "令和8年9月30日"}, "is not an ISO date"),
    ({"provisional_handling_until": "2026-03-30"}, "before the national last day 2026-03-31"),
    ({"provisional_handling_until": "2100-01-01"}, "outside 1900-01-01"),
    ({"legacy_card_use_until": "2026-09-30"}, "not a configurable policy item"),
])
def test_an_invalid_override_is_refused(overrides, says):
    with pytest.raises(PolicyError, match=says) as refused:
        configured_policy(overrides)
    assert refused.value.item == next(iter(overrides))


def test_the_startup_error_names_the_variable_and_the_value():
    with pytest.raises(ConfigurationError, match=f"^{PROVISIONAL_ENV}: .*'30/09/2026' is not an ISO date"):
        dated_policy({PROVISIONAL_ENV: "30/09/2026"})
    with pytest.raises(ConfigurationError, match=f"^{CLOSURES_ENV}: "):
        business_calendar({CLOSURES_ENV: "2026-05-07,tomorrow"})


def test_closures_from_the_environment():
    calendar = business_calendar({CLOSURES_ENV: "2026-03-03, 2026-03-04"})
    assert not calendar.is_business_day(date(2026, 3, 3)) and not calendar.is_business_day(date(2026, 3, 4))
    assert business_calendar({}).is_business_day(date(2026, 3, 3))

"""高齢受給者証 applications open on the 1st of the month the member turns 70 (D-31), not before."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.certificates import check_elderly_application
from shikaku.domain.errors import DomainError


@pytest.mark.parametrize("born, opens", [
    (date(1955, 9, 2), date(2025, 9, 1)),  # turns 70 on 2025-09-01: 2割 from 2025-10-01
    (date(1955, 9, 1), date(2025, 8, 1)),  # born on the 1st: 2割 from 2025-09-01
    (date(1956, 1, 15), date(2026, 1, 1)),  # across the year end
])
def test_applications_open_on_the_first_of_the_month_before_the_ratio_changes(born, opens):
    check_elderly_application(born, opens)
    with pytest.raises(DomainError) as refused:
        check_elderly_application(born, date.fromordinal(opens.toordinal() - 1))
    assert refused.value.code == "not_applicable" and "から交付できます" in refused.value.message

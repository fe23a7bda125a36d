"""返納 of a 資格確認書 (issue 14, item 5; D-118, D-145): when a return may be recorded, and what
is 未返納 on the days around the loss and the return."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from shikaku.domain.certificates import CertificateReason, EligibilityCertificate
from shikaku.domain.errors import DomainError
from shikaku.domain.returns import check_return, returned_by, unreturned
from tests.builders import around

ISSUED, LOST, TODAY = date(2026, 4, 1), date(2026, 5, 20), date(2026, 6, 1)
CERT = EligibilityCertificate(1, 7, "000001", CertificateReason.NOT_REGISTERED, ISSUED, ISSUED, date(2027, 3, 31))


def _refusal(cert, on) -> tuple[str, int]:
    with pytest.raises(DomainError) as refused:
        check_return(cert, on, TODAY)
    return refused.value.code, refused.value.status


def test_return_on_the_issue_day_and_today_is_accepted_not_the_day_before_nor_tomorrow():
    before, on, _ = around(ISSUED)
    check_return(CERT, on, TODAY)
    check_return(CERT, TODAY, TODAY)
    assert _refusal(CERT, before) == ("returned_before_issue", 422)
    assert _refusal(CERT, around(TODAY)[2]) == ("returned_in_future", 422)


def test_a_return_is_recorded_once():
    assert _refusal(replace(CERT, returned_on=LOST), TODAY) == ("already_returned", 409)


def test_a_cancelled_certificate_is_not_returned():
    assert _refusal(replace(CERT, cancelled_on=ISSUED), TODAY) == ("certificate_cancelled", 409)


def test_unreturned_until_the_day_of_the_return():
    returned = replace(CERT, returned_on=date(2026, 5, 25))
    before, on, after = around(returned.returned_on)
    assert unreturned(returned, LOST, before)
    assert not unreturned(returned, LOST, on) and not unreturned(returned, LOST, after)
    assert returned_by(returned, on) and not returned_by(returned, before)


def test_not_due_back_when_issued_on_the_loss_day_or_expired_before_it():
    assert unreturned(CERT, LOST, TODAY)
    assert not unreturned(replace(CERT, issued_on=LOST), LOST, TODAY)
    assert not unreturned(replace(CERT, expires_on=around(LOST)[0]), LOST, TODAY)

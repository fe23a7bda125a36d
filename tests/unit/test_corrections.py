"""取消・訂正 (issue 14, D-124…D-127): the fold resolves corrections (a 取消 removes its target,
a 訂正 replaces its date and/or values) after `known_by` / `published_by` filtered the
registrations, so that the society's view follows a correction from its 登録日 and
facilities from its 公開日 (R-MYNA-2); the aggregate's refusals; the codec."""
from __future__ import annotations

import itertools
from datetime import date

import pytest

from shikaku.domain import registry
from shikaku.domain.calendar import BusinessCalendar
from shikaku.domain.errors import DomainError
from shikaku.domain.family import Family as Aggregate
from shikaku.domain.family import SealedMyNumber
from shikaku.domain.registrations import Corrected, Enrolled, decode, encode
from shikaku.domain.registry import Kind, LossReason
from tests.builders import LONG_AGO, Family, around

MON, THU, FRI, TUE = date(2025, 11, 24), date(2025, 11, 27), date(2025, 11, 28), date(2025, 12, 2)
LOSS_ON = date(2025, 11, 15)
SERVICE = date(2025, 11, 20)  # a day after the loss, before any correction's 登録日


def cancel(family: Family, seq: int, registered_on: date) -> Family:
    return family.register(1, Kind.CORRECTION, registered_on, registered_on, corrects=seq,
                           reason="誤って登録", by="sekinin")


def correct(family: Family, seq: int, registered_on: date, effective_on: date | None = None,
            **values) -> Family:
    return family.register(1, Kind.CORRECTION, registered_on, registered_on, corrects=seq, reason="日付の誤り",
                           by="tanto", effective_on=effective_on, values=values or None)


def lost_on_monday() -> Family:
    """Insured since 2020; 退職 on 11-15 registered Mon 11-24 (seq 2, published Wed 11-26)."""
    family = Family()
    family.insured(registered_on=LONG_AGO)
    return family.lose(1, LOSS_ON, registered_on=MON)


# ------------------------------------------------------------------ 取消 of a loss

def test_cancelled_loss_restores_eligibility_in_the_society_view_from_its_registration_day():
    history = cancel(lost_on_monday(), 2, FRI).history
    assert [history.known_by(k).state(1, SERVICE).eligible for k in around(FRI)] == [False, True, True]
    assert history.state(1, SERVICE).eligible and history.state(1, SERVICE).disqualified_on is None


def test_cancelled_loss_reaches_facilities_on_its_publish_day():
    """Registered Fri 11-28 → facilities see the member eligible again from Tue 12-02."""
    history = cancel(lost_on_monday(), 2, FRI).history
    assert [history.visible_state(1, d).eligible for d in (date(2025, 11, 26), FRI, *around(TUE))] == \
        [False, False, False, True, True]


def test_what_facilities_were_shown_before_stays_what_they_were_shown():
    history = cancel(lost_on_monday(), 2, FRI).history
    shown = history.published_by(date(2025, 12, 1)).state(1, SERVICE)
    assert not shown.eligible and shown.disqualified_on == LOSS_ON
    assert history.published_by(TUE).state(1, SERVICE).eligible


def test_cancelled_loss_of_the_insured_gives_the_dependents_back():
    family = Family()
    family.insured(registered_on=LONG_AGO)
    dependent = family.dependent(registered_on=LONG_AGO)
    family.lose(1, LOSS_ON, registered_on=MON)
    history = cancel(family, 3, FRI).history
    assert not history.known_by(THU).state(dependent, SERVICE).eligible
    assert history.state(dependent, SERVICE).eligible


# ------------------------------------------------------------------ 訂正

def test_corrected_loss_date_in_the_society_view_from_its_registration_day():
    history = correct(lost_on_monday(), 2, FRI, date(2025, 11, 30)).history
    assert [history.known_by(k).state(1, SERVICE).eligible for k in around(FRI)] == [False, True, True]
    assert [history.state(1, d).eligible for d in around(date(2025, 11, 30))] == [True, False, False]
    assert history.state(1, date(2025, 12, 10)).loss.reason is LossReason.RETIREMENT


def test_corrected_loss_reason_keeps_the_date():
    history = correct(lost_on_monday(), 2, FRI, reason=LossReason.DEATH.value).history
    loss = history.state(1, SERVICE).loss
    assert (loss.on, loss.reason) == (LOSS_ON, LossReason.DEATH)
    assert history.published_by(date(2025, 12, 1)).state(1, SERVICE).loss.reason is LossReason.RETIREMENT


def test_corrected_amendment_value_and_date():
    """A raise to 830,000 from 10-01 (registered 11-03) was 500,000 from 11-01 (corrected Fri 11-28)."""
    family = Family()
    family.insured(registered_on=LONG_AGO, remuneration=300_000)
    family.amend(1, date(2025, 10, 1), date(2025, 11, 3), standard_monthly_remuneration=830_000)
    history = correct(family, 2, FRI, date(2025, 11, 1), standard_monthly_remuneration=500_000).history
    remuneration = lambda view, on: view.state(1, on).insured.standard_monthly_remuneration  # noqa: E731
    assert remuneration(history.known_by(THU), date(2025, 10, 15)) == 830_000
    assert [remuneration(history, d) for d in around(date(2025, 11, 1))] == [300_000, 500_000, 500_000]
    assert remuneration(history.published_by(date(2025, 12, 1)), date(2025, 11, 15)) == 830_000
    assert remuneration(history.published_by(TUE), date(2025, 11, 15)) == 500_000


def test_corrected_enrolment_date_and_name():
    family = Family()
    family.insured(qualified_on=date(2025, 10, 1), registered_on=date(2025, 10, 1))
    history = correct(family, 1, FRI, date(2025, 9, 1), name="正しい 名前").history
    assert [history.state(1, d).eligible for d in around(date(2025, 9, 1))] == [False, True, True]
    assert history.state(1, date(2025, 9, 15)).name == "正しい 名前"
    assert history.known_by(THU).state(1, date(2025, 9, 15)).eligible is False


def test_chained_corrections_apply_in_order_of_entry_in_the_fold():
    """The aggregate refuses a second correction of a target (D-125); the fold stays total."""
    family = correct(lost_on_monday(), 2, THU, date(2025, 11, 30))
    history = cancel(family, 2, FRI).history
    assert history.known_by(THU).state(1, date(2025, 12, 1)).eligible is False
    assert history.state(1, date(2025, 12, 1)).eligible


def test_without_a_correction_the_fold_does_not_resolve(monkeypatch):
    """The verification hot path: no correction, no resolution (the registrations as stored)."""
    def refuse(*_):
        raise AssertionError("resolved without a correction")
    monkeypatch.setattr(registry, "resolve_corrections", refuse)
    family = lost_on_monday()
    history = family.history
    assert not history.state(1, SERVICE).eligible
    assert all(a is b for a, b in zip(history.of(1), family.registrations))


def test_corrections_by_target():
    history = cancel(correct(lost_on_monday(), 1, THU, name="別名"), 2, FRI).history
    assert {seq: [r.seq for r in rs] for seq, rs in history.corrections().items()} == {1: [3], 2: [4]}


# ------------------------------------------------------------------ codec

@pytest.mark.parametrize("data", [
    Corrected(7, "誤って登録", "sekinin"),
    Corrected(7, "日付の誤り", "tanto", date(2025, 11, 30)),
    Corrected(3, "生年月日の誤り", "tanto", None, {"birth_date": date(1980, 5, 11), "name": "山田"}),
])
def test_codec_round_trip(data):
    stored = encode(data)
    assert decode("correction", stored) == data
    assert decode("correction", stored).cancels is (data.effective_on is None and not data.values)
    if data.values and "birth_date" in data.values:
        assert stored["values"]["birth_date"] == "1980-05-11"


# ------------------------------------------------------------------ the aggregate

class Ledger:
    def __init__(self):
        self.ids, self.calendar = itertools.count(1), BusinessCalendar()

    def new_member_id(self):
        return next(self.ids)

    def new_seq(self):
        return next(self.ids) + 100

    def new_number(self, symbol, given):
        return given or "1"

    def publish_on(self, registered_on):
        return self.calendar.second_business_day_after(registered_on)


def sealed(digest: str = "d1") -> SealedMyNumber:
    return SealedMyNumber(b"x", digest, "1234")


def aggregate(with_loss: bool = True):
    ledger, family = Ledger(), Aggregate("7001", "1")
    enrolment = Enrolled(name="山田 太郎", name_kana="ヤマダ タロウ", birth_date=date(1980, 5, 10), sex="male",
                         standard_monthly_remuneration=300_000)
    insured = family.enrol_insured(ledger, enrolment, date(2020, 4, 1), date(2020, 4, 1), sealed(),
                                   employer=None, employers_kept=False)
    loss = family.disqualify(ledger, insured.member_id, LOSS_ON, LossReason.RETIREMENT, MON) if with_loss else None
    return ledger, family, insured, loss


def refused(code: str, act) -> DomainError:
    with pytest.raises(DomainError) as raised:
        act()
    assert raised.value.code == code
    return raised.value


def test_aggregate_cancels_a_loss_and_marks_the_member_changed():
    ledger, family, insured, loss = aggregate()
    family.saved()
    made = family.cancel(ledger, insured.member_id, loss.seq, "誤って登録", "sekinin", FRI)
    assert made.kind is Kind.CORRECTION and made.effective_on == FRI and made.publish_on == TUE
    assert family.history.state(insured.member_id, SERVICE).eligible
    assert family.changed == {insured.member_id} and family.new_registrations == [made]


def test_aggregate_refusals():
    ledger, family, insured, loss = aggregate()
    m = insured.member_id
    refused("missing_field", lambda: family.cancel(ledger, m, loss.seq, "  ", "s", FRI))
    refused("registration_not_found", lambda: family.cancel(ledger, m, 999, "理由", "s", FRI))
    refused("not_cancellable", lambda: family.cancel(ledger, m, insured.seq, "理由", "s", FRI))
    refused("invalid_period", lambda: family.cancel(ledger, m, loss.seq, "理由", "s", date(2025, 11, 1)))
    refused("nothing_to_change", lambda: family.correct(ledger, m, loss.seq, "理由", "s", FRI, LOSS_ON,
                                                        {"reason": "retirement"}))
    refused("invalid_period", lambda: family.correct(ledger, m, loss.seq, "理由", "s", FRI, date(2020, 4, 1)))
    refused("invalid_period", lambda: family.correct(ledger, m, insured.seq, "理由", "s", FRI, date(2025, 12, 1)))
    refused("invalid_period", lambda: family.correct(ledger, m, insured.seq, "理由", "s", FRI,
                                                     values={"birth_date": date(2021, 1, 1)}))
    refused("not_correctable", lambda: family.correct(ledger, m, insured.seq, "理由", "s", FRI,
                                                      values={"with_my_number": False}))
    refused("invalid_reason", lambda: family.correct(ledger, m, loss.seq, "理由", "s", FRI,
                                                     values={"reason": "late_elderly"}))
    assert family.new_registrations[-1] is loss  # nothing stored half-way
    first = family.correct(ledger, m, loss.seq, "理由", "s", FRI, date(2025, 11, 30))
    refused("already_corrected", lambda: family.cancel(ledger, m, loss.seq, "理由", "s", FRI))
    refused("not_correctable", lambda: family.cancel(ledger, m, first.seq, "理由", "s", FRI))


def test_aggregate_corrects_the_enrolment_and_the_member_record_follows():
    ledger, family, insured, _ = aggregate(with_loss=False)
    m = insured.member_id
    family.correct(ledger, m, insured.seq, "届書の誤記", "tanto", FRI, date(2020, 3, 1),
                   {"birth_date": date(1980, 5, 11), "name_kana": "ﾔﾏﾀﾞ ﾀﾛｳ"})
    record = family.members[m]
    assert (record.birth_date, record.qualified_on, record.name_kana) == \
        (date(1980, 5, 11), date(2020, 3, 1), "ヤマダ タロウ")


def test_aggregate_my_number_registration_cancelled_only_when_alone():
    ledger, family, insured, _ = aggregate(with_loss=False)
    again = family.register_my_number(ledger, insured.member_id, sealed("d2"), FRI)
    refused("not_cancellable", lambda: family.cancel(ledger, insured.member_id, again.seq, "誤り", "s", FRI))
    refused("not_correctable", lambda: family.correct(ledger, insured.member_id, again.seq, "誤り", "s", FRI,
                                                      date(2025, 1, 1)))


def test_cancelling_a_loss_refused_while_another_record_holds_the_my_number():
    """D-6: the same 個人番号 enrolled elsewhere after the loss would be eligible twice."""
    ledger, family, insured, loss = aggregate()
    other = Family("7002", "9")
    other.insured(qualified_on=date(2025, 12, 1), registered_on=date(2025, 12, 1))
    from shikaku.domain.family import Holder
    holders = [Holder(other.history, 1)]
    refused("duplicate_my_number", lambda: family.cancel(ledger, insured.member_id, loss.seq, "誤り", "s",
                                                         date(2025, 12, 5), holders))
    family.correct(ledger, insured.member_id, loss.seq, "日付の誤り", "s", date(2025, 12, 5),
                   date(2025, 11, 30), holders=holders)

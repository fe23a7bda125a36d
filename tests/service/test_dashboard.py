"""The society's figures (service_layer.dashboard) against the in-memory read model: the rate of
usable マイナ保険証, certificates by reason and by expiry month, and the certificates of leavers
still out (decided by the domain's fold)."""
from __future__ import annotations

from datetime import date

from shikaku.domain.certificates import CertificateReason
from shikaku.domain.myna import MynaCard
from shikaku.domain.registry import LossReason, Relationship
from shikaku.service_layer import commands, dashboard, documents, members
from shikaku.service_layer.auth import Actor, Role

ADMIN = Actor(Role.ADMIN, "admin")
MY_NUMBER = "123456789018"


def enrol(ctx, symbol: str, **fields) -> members.MemberView:
    values = dict(relationship=Relationship.INSURED, symbol=symbol, name="山田 太郎", name_kana="ヤマダ タロウ",
                  birth_date=date(1980, 4, 2), sex="male", qualified_on=date(2025, 4, 1),
                  registered_on=date(2025, 4, 1), standard_monthly_remuneration=300_000)
    return members.enrol(ctx, ADMIN, commands.Enrolment(**values | fields))


def test_figures_count_the_registry(ctx, store):
    enrol(ctx, "1000", my_number=MY_NUMBER)
    store.cards[ctx.vault.lookup_hash(MY_NUMBER)] = [MynaCard("C1", date(2031, 12, 31), date(2025, 5, 1))]
    stays, leaves = enrol(ctx, "2000"), enrol(ctx, "3000", coverage_ends_on=date(2026, 6, 30))
    for member in (stays, leaves):
        documents.apply_for_certificate(ctx, ADMIN, member.id, commands.CertificateApplication(
            reason=CertificateReason.NO_CARD, applied_on=date(2026, 1, 9)))
    members.disqualify(ctx, ADMIN, stays.id, commands.Disqualification(
        disqualified_on=date(2026, 5, 1), reason=LossReason.RETIREMENT, registered_on=date(2026, 5, 1)))
    figures = dashboard.figures(ctx, ADMIN, on=date(2026, 6, 1))
    assert (figures.rate_today.eligible, figures.rate_today.usable) == (2, 1)
    assert [(p.on, p.eligible, p.usable) for p in figures.rate_by_month][-2:] == [
        (date(2026, 4, 30), 3, 1), (date(2026, 5, 31), 2, 1)]
    assert figures.certificates_by_reason == {"no_card": 2}
    assert figures.expiries_by_month[0] == (date(2026, 6, 1), 1)  # capped at the coverage end
    assert sum(n for _, n in figures.expiries_by_month) == 1
    [out] = figures.unreturned
    assert (out["member_id"], out["lost_on"], out["symbol"], figures.unreturned_total) == \
        (stays.id, date(2026, 5, 1), "2000", 1)

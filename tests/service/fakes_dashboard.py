"""In-memory fake of the dashboard's read model (tests/service): the same counts, made by the
domain's fold of every family instead of SQL over the registrations."""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Sequence

from shikaku.adapters.db.dashboard_read import Day
from shikaku.domain.certificates import EligibilityCertificate
from shikaku.domain.myna import MynaCard
from tests.service.fakes_verification import members_where

if TYPE_CHECKING:
    from tests.service.fakes import Store


def _card_works(card: MynaCard, day: Day) -> bool:
    return (card.insurance_registered_on is not None and card.insurance_registered_on <= day.on
            and (card.insurance_cancelled_on is None or day.on < card.insurance_cancelled_on)
            and card.certificate_expires_on >= day.card_floor)


class FakeDashboardFigures:
    def __init__(self, store: Store):
        self.store = store

    def _states(self, on: date) -> dict[int, tuple]:
        """(state, family id, cards) of every member on `on`, by member id."""
        return {r.member_id: (f.history.state(r.member_id, on), f.family_id,
                              self.store.cards.get(r.my_number.digest, []) if r.my_number else [])
                for r, f in members_where(self.store, lambda r: True)}

    def rates(self, days: Sequence[Day]) -> list[tuple[int, int]]:
        points = []
        for day in days:
            eligible = [(s, cards) for s, _, cards in self._states(day.on).values() if s.eligible]
            usable = [s for s, cards in eligible if s.online_from is not None and s.online_from <= day.on
                      and any(_card_works(c, day) for c in cards)]
            points.append((len(eligible), len(usable)))
        return points

    def certificates_by_reason(self) -> dict[str, int]:
        return dict(Counter(c.reason.value for c in self.store.certificates))

    def expiries(self, today: Day, firsts: Sequence[date]) -> list[int]:
        states = self._states(today.on)
        counts = [0] * (len(firsts) - 1)
        for cert in self.store.certificates:
            current = cert.superseded_on is None or cert.superseded_on > today.on
            if current and today.on <= cert.expires_on < firsts[-1] and states[cert.member_id][0].eligible:
                counts[max(k for k, first in enumerate(firsts[:-1]) if first <= cert.expires_on)] += 1
        return counts

    def leavers_certificates(self, today: Day) -> list[tuple[EligibilityCertificate, int]]:
        states = self._states(today.on)
        return [(c, states[c.member_id][1]) for c in self.store.certificates
                if states[c.member_id][0].qualified_on <= today.on and not states[c.member_id][0].eligible]

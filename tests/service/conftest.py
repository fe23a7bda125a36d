"""The service tier: use cases run against the in-memory unit of work (tests/service/fakes.py),
with a real vault (a throwaway key) and the real calendar and policy."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.adapters.vault import Keyring, Vault
from shikaku.entrypoints.bootstrap import business_calendar, dated_policy
from shikaku.service_layer.auth import Actor, Role
from shikaku.service_layer.context import Context
from tests.service.fakes import Store, fake_unit_of_work
from tests.service.fakes_verification import online

TODAY = date(2026, 6, 1)


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def ctx(store) -> Context:
    context = Context(engine=None, vault=Keyring(Vault(b"service-tests-secret-0123456789abcdef")),
                      calendar=business_calendar({}), policy=dated_policy({}),
                      unit_of_work=fake_unit_of_work(store))
    context.today = lambda: TODAY
    return context


@pytest.fixture
def clerk() -> Actor:
    return Actor(Role.CLERK, "clerk")


@pytest.fixture
def online_ctx(ctx, store) -> Context:
    """`ctx` with the store's published view and access log, for the use cases that verify
    (`pytestmark = pytest.mark.usefixtures("online_ctx")`)."""
    return online(ctx, store)


@pytest.fixture
def clinic() -> Actor:
    """A facility (医療機関) with online verification."""
    return Actor(Role.FACILITY, "1310112345")

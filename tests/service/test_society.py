"""The society's record (service_layer.society: `shikaku init`, the key check, 保険者番号 and
名称) against the in-memory unit of work."""
from __future__ import annotations

import pytest

from shikaku.adapters.vault import Keyring, Vault
from shikaku.domain.errors import DomainError
from shikaku.service_layer import society
from shikaku.service_layer.auth import Actor, Role
from tests.conftest import INSURER_NUMBER

OTHER_INSURER = "06130017"  # a valid 保険者番号 of another society


@pytest.fixture
def initialised(ctx, store):
    society.initialise(ctx, INSURER_NUMBER, "試験健康保険組合")
    return store.society


def test_init_records_the_insurer_and_the_key_check(ctx, initialised):
    assert (initialised.insurer_number, initialised.name) == (INSURER_NUMBER, "試験健康保険組合")
    assert ctx.vault.accepts(initialised.key_check)
    assert society.insurer(ctx, Actor(Role.FACILITY, "1312345678")) == {
        "insurer_number": INSURER_NUMBER, "name": "試験健康保険組合"}


def test_a_second_init_of_the_same_insurer_changes_nothing(ctx, store, initialised):
    society.initialise(ctx, INSURER_NUMBER, "別の名前")
    assert store.society == initialised


def test_init_with_another_insurer_is_refused(ctx, store, initialised):
    with pytest.raises(DomainError) as refused:
        society.initialise(ctx, OTHER_INSURER, "別の組合")
    assert (refused.value.code, refused.value.status) == ("society_mismatch", 409)
    assert store.society == initialised


def test_another_vault_key_is_refused(ctx, initialised):
    ctx.vault = Keyring(Vault(b"another-secret-0123456789abcdef-xyz"))
    for call in (society.check_key, lambda c: society.initialise(c, INSURER_NUMBER, "試験健康保険組合")):
        with pytest.raises(DomainError) as refused:
            call(ctx)
        assert refused.value.code == "wrong_key"


def test_nothing_recorded_is_no_database(ctx, store):
    with pytest.raises(DomainError) as refused:
        society.check_key(ctx)
    assert refused.value.code == "not_initialised" and store.society is None


def test_the_insurer_is_read_once_per_process(ctx, store, initialised):
    assert society.insurer_record(ctx)["name"] == "試験健康保険組合"
    store.society = None  # a second read would find nothing
    assert society.insurer_record(ctx)["insurer_number"] == INSURER_NUMBER

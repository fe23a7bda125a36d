"""鍵の入れ替え (service_layer.keys) against the in-memory unit of work, with key files in a
temporary folder: every sealed 個人番号 and every look-up hash (members' and cards') under the
new key, the society's check value and the audit chain's key moved with it."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.adapters.vault import KEY_ENV, KeyFiles, Keyring, new_secret, write_private
from shikaku.domain.errors import DomainError
from shikaku.service_layer import keys, members, myna, society
from shikaku.service_layer.auth import Actor, Role
from tests.builders import my_number
from tests.conftest import INSURER_NUMBER
from tests.service.test_members import insured

ADMIN = Actor(Role.ADMIN, "admin")


@pytest.fixture
def keyed(ctx, tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)  # the key comes from the key file
    files = KeyFiles(tmp_path / "shikaku.key")
    write_private(files.path, new_secret() + b"\n")
    ctx.vault = Keyring(*files.read(), files=files)
    society.initialise(ctx, INSURER_NUMBER, "試験健康保険組合")
    return ctx


def sealed(store) -> list:
    return [r.my_number for f in store.families.values() for r in f.members.values() if r.my_number]


def test_a_rotation_re_keys_every_number_and_card(keyed, store, clerk):
    numbers = [my_number() for _ in range(3)]
    found = [members.enrol(keyed, clerk, insured(my_number=n)) for n in numbers]
    myna.add_card(keyed, ADMIN, numbers[0], "CARD-0001", date(2031, 3, 31))
    myna.add_card(keyed, ADMIN, "621498320257", "CARD-0002", date(2031, 3, 31))  # nobody's
    old = keyed.vault.current
    result = keys.rotate(keyed, ADMIN, batch_size=2)
    new = keyed.vault.current
    assert (result.previous_key_id, result.key_id) == (old.key_id, new.key_id) and new.key_id != old.key_id
    assert (result.members, result.cards, result.unmatched_cards, result.resumed) == (3, 1, 1, False)
    assert all(s.cipher.startswith(new.marker) and s.digest == new.lookup_hash(new.open(s.cipher))
               for s in sealed(store))
    assert [c.card_id for c in store.cards[new.lookup_hash(numbers[0])]] == ["CARD-0001"]
    assert new.key_check() == store.society.key_check and store.audit_key == new.key_id
    assert [a["action"] for a in store.audit[-2:]] == ["keys.rotate.start", "keys.rotate"]
    assert store.audit[-1]["detail"] == dict(key=new.key_id, previous=old.key_id, members=3, cards=1,
                                             unmatched_cards=1, resumed=False)
    assert members.search_by_my_number(keyed, clerk, numbers[1])[0].id == found[1].id
    assert keyed.vault.files.retired_path(old.key_id).exists()


def test_a_fixed_key_cannot_be_rotated(ctx, store):
    with pytest.raises(DomainError) as refused:
        keys.rotate(ctx, ADMIN)
    assert refused.value.code == "key_file_required" and store.audit == []

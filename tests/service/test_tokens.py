"""API tokens and facilities (service_layer.society) against the in-memory unit of work: only
a token's hash is stored, revocations are audited and refused when there is nothing to revoke."""
from __future__ import annotations

import pytest

from shikaku.domain.errors import DomainError
from shikaku.service_layer import society
from shikaku.service_layer.auth import Actor, Role, token_digest
from tests.builders import FACILITY_CODE as FACILITY

ADMIN = Actor(Role.ADMIN, "admin")


def refused(call, *args) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value


def test_an_issued_token_is_stored_as_its_hash_and_signs_in(ctx, store):
    issued = society.issue_token(ctx, ADMIN, Role.CLERK, "tanaka")
    [row] = store.api_tokens.values()
    assert row["token_hash"] == token_digest(issued["token"]) and issued["token"] not in str(store)
    assert (row["id"], row["role"], row["subject"], row["revoked_at"]) == (issued["id"], "clerk", "tanaka", None)
    assert store.audit[-1] == dict(actor="admin", role="admin", action="token.issue", target="tanaka",
                                   detail={"role": "clerk", "token_id": issued["id"]})
    assert society.authenticate(ctx, issued["token"], "10.0.0.1") == Actor(Role.CLERK, "tanaka", "10.0.0.1")
    items, total = society.list_tokens(ctx, ADMIN)
    assert total == 1 and "token_hash" not in items[0] and items[0]["subject"] == "tanaka"


def test_a_facility_token_needs_a_registered_facility(ctx, store):
    assert refused(society.issue_token, ctx, ADMIN, Role.FACILITY, FACILITY).code == "unknown_facility"
    assert store.api_tokens == {} and store.audit == []
    added = society.add_facility(ctx, ADMIN, FACILITY, "試験医院")
    assert store.facility_names == {FACILITY: "試験医院"}
    assert store.api_tokens[added["token_id"]]["role"] == "facility"
    assert society.authenticate(ctx, added["token"], None).subject == FACILITY
    assert refused(society.add_facility, ctx, ADMIN, FACILITY, "別の医院").code == "facility_exists"
    assert store.facility_names == {FACILITY: "試験医院"} and len(store.api_tokens) == 1


def test_a_revoked_token_signs_in_no_more(ctx, store):
    issued = society.issue_token(ctx, ADMIN, Role.CLERK, "tanaka")
    assert society.authenticate(ctx, issued["token"], None) is not None  # remembered for a while
    society.revoke_token_id(ctx, ADMIN, str(issued["id"]))
    assert store.api_tokens[issued["id"]]["revoked_at"] is not None
    assert store.audit[-1]["action"] == "token.revoke" and store.audit[-1]["target"] == str(issued["id"])
    assert society.authenticate(ctx, issued["token"], None) is None
    audited = len(store.audit)
    assert refused(society.revoke_token, ctx, ADMIN, issued["token"]).code == "token_already_revoked"
    assert refused(society.revoke_token_id, ctx, ADMIN, "999").code == "token_not_found"
    assert refused(society.revoke_token, ctx, ADMIN, "made-up").code == "token_not_found"
    assert len(store.audit) == audited


def test_a_holder_revokes_their_own_token_silently(ctx, store):
    issued = society.issue_token(ctx, ADMIN, Role.CLERK, "tanaka")
    society.revoke_own_token(ctx, "made-up", "10.0.0.1")
    assert store.api_tokens[issued["id"]]["revoked_at"] is None and store.audit[-1]["action"] == "token.issue"
    society.revoke_own_token(ctx, issued["token"], "10.0.0.1")
    assert store.api_tokens[issued["id"]]["revoked_at"] is not None
    assert store.audit[-1] == dict(actor="tanaka", role="clerk", action="token.revoke.self",
                                   target=str(issued["id"]), detail={})
    society.revoke_own_token(ctx, issued["token"], "10.0.0.1")
    assert len(store.audit) == 2  # nothing left to revoke: silent, unaudited


def test_the_configured_admin_token_is_not_revocable(ctx, store, monkeypatch):
    monkeypatch.setenv(society.ADMIN_TOKEN_ENV, "configured-admin-token")
    assert society.authenticate(ctx, "configured-admin-token", None).role is Role.ADMIN
    assert refused(society.revoke_own_token, ctx, "configured-admin-token", None).status == 409
    assert store.audit == []

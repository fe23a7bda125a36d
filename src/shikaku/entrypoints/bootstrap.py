"""Builds the service context from configuration (database URL, vault key, closures)."""
from __future__ import annotations

import os
from datetime import date

from ..adapters.db.engine import make_engine
from ..adapters.signing import CardSigner
from ..adapters.vault import Keyring
from ..domain.calendar import BusinessCalendar
from ..service_layer.context import Context

DB_ENV = "SHIKAKU_DB_URL"
DEFAULT_DB = "sqlite:///var/shikaku.db"
CLOSURES_ENV = "SHIKAKU_CLOSURES"  # extra closure days, comma-separated ISO dates (R-DATE-2)


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(DB_ENV) or DEFAULT_DB


def build_context(db_url: str) -> Context:
    closures = [date.fromisoformat(d) for d in os.environ.get(CLOSURES_ENV, "").split(",") if d.strip()]
    keys = Keyring.load()
    signer = CardSigner(keys.current.secret, [v.secret for v in keys.vaults()])
    return Context(engine=make_engine(db_url), vault=keys, signer=signer,
                   calendar=BusinessCalendar(closures))

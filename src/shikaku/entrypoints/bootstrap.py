"""Builds the service context from configuration (database URL, vault key, business calendar,
dated policy) — the one place where the calendar and the policy are made."""
from __future__ import annotations

import os
from datetime import date
from typing import Mapping

from ..adapters.db.engine import make_engine
from ..adapters.signing import CardSigner
from ..adapters.vault import Keyring
from ..domain.calendar import BusinessCalendar
from ..domain.policy import Policy, PolicyError, configured_policy
from ..service_layer.context import Context

DB_ENV = "SHIKAKU_DB_URL"
DEFAULT_DB = "sqlite:///var/shikaku.db"
CLOSURES_ENV = "SHIKAKU_CLOSURES"  # extra closure days, comma-separated ISO dates (R-DATE-2)
PROVISIONAL_ENV = "SHIKAKU_PROVISIONAL_HANDLING_UNTIL"  # R-PROV-1 extended to this ISO date (D-109)
# The configurable items of the dated policy (domain.policy.OVERRIDES), each read from a variable.
POLICY_ENV = {PROVISIONAL_ENV: "provisional_handling_until"}


class ConfigurationError(Exception):
    """A configuration the server refuses to start with; the message names the variable."""


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(DB_ENV) or DEFAULT_DB


def business_calendar(environ: Mapping[str, str]) -> BusinessCalendar:
    """営業日カレンダー with the society's extra closure days (`SHIKAKU_CLOSURES`, R-DATE-2)."""
    days = [d.strip() for d in environ.get(CLOSURES_ENV, "").split(",") if d.strip()]
    try:
        return BusinessCalendar([date.fromisoformat(d) for d in days])
    except ValueError as exc:
        raise ConfigurationError(f"{CLOSURES_ENV}: {exc} (comma-separated ISO dates)") from None


def dated_policy(environ: Mapping[str, str]) -> Policy:
    """The dated policy with the society's overrides (`POLICY_ENV`); an unset or empty variable
    leaves its item at the national date."""
    overrides = {item: environ[name] for name, item in POLICY_ENV.items() if environ.get(name, "").strip()}
    try:
        return configured_policy(overrides)
    except PolicyError as exc:
        name = next(name for name, item in POLICY_ENV.items() if item == exc.item)
        raise ConfigurationError(f"{name}: {exc}") from None


def build_context(db_url: str) -> Context:
    """The context of a process; refuses an invalid configuration (`ConfigurationError`)."""
    calendar, policy = business_calendar(os.environ), dated_policy(os.environ)
    keys = Keyring.load()
    signer = CardSigner(keys.current.secret, [v.secret for v in keys.vaults()])
    return Context(engine=make_engine(db_url), vault=keys, signer=signer,
                   calendar=calendar, policy=policy)

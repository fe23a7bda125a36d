"""The national side's facts about My Number cards (マイナンバーカード) and their 健康保険証利用登録.
In production they arrive from the national system; here they are entered so the flow can run."""
from __future__ import annotations

from datetime import date

from sqlalchemy import insert, select, update

from ..adapters.db import repository as repo
from ..adapters.db.schema import myna_cards
from ..domain.errors import DomainError
from ..domain.numbers import validate_my_number
from .accounts import hash_pin
from .auth import Actor, Permission, authorize
from .context import Context, audit


def _card_body(card) -> dict:
    return {"card_id": card.card_id, "certificate_expires_on": card.certificate_expires_on,
            "insurance_registered_on": card.insurance_registered_on,
            "insurance_cancelled_on": card.insurance_cancelled_on}


def _card_row(conn, card_id: str):
    row = conn.execute(select(myna_cards).where(myna_cards.c.card_id == card_id)).first()
    if row is None:
        raise DomainError("card_not_found", "該当するマイナンバーカードが見つかりません", status=404)
    return row


def add_card(ctx: Context, actor: Actor, my_number: str, card_id: str,
             certificate_expires_on: date, pin: str | None = None) -> dict:
    """A card as the national side issued it; `pin` is its 4-digit 暗証番号 (for the portal)."""
    authorize(actor, Permission.NATIONAL_WRITE)
    digest = ctx.vault.lookup_hash(validate_my_number(my_number))
    pin_hash = hash_pin(pin) if pin is not None else None
    with ctx.writing() as conn:
        if conn.execute(select(myna_cards.c.card_id).where(myna_cards.c.card_id == card_id)).first():
            raise DomainError("card_exists", "このカードは登録済みです", "card_id", status=409)
        conn.execute(insert(myna_cards).values(card_id=card_id, my_number_hash=digest, pin_hash=pin_hash,
                                               certificate_expires_on=certificate_expires_on))
        audit(conn, actor, "myna.card", card_id, certificate_expires_on=certificate_expires_on.isoformat())
        return _card_body(repo.card(_card_row(conn, card_id)))


def register_for_insurance(ctx: Context, actor: Actor, card_id: str, registered_on: date) -> dict:
    """健康保険証利用登録 (R-MYNA-1 (2)); registering again after a cancellation starts anew."""
    authorize(actor, Permission.NATIONAL_WRITE)
    with ctx.writing() as conn:
        row = _card_row(conn, card_id)
        if row.insurance_registered_on and not row.insurance_cancelled_on:
            raise DomainError("already_registered", "このカードは利用登録済みです", status=409)
        conn.execute(update(myna_cards).where(myna_cards.c.card_id == card_id).values(
            insurance_registered_on=registered_on, insurance_cancelled_on=None))
        audit(conn, actor, "myna.registration", card_id, registered_on=registered_on.isoformat())
        return _card_body(repo.card(_card_row(conn, card_id)))


def cancel_insurance_registration(ctx: Context, actor: Actor, card_id: str,
                                  cancelled_on: date) -> dict:
    """利用登録の解除 (R-MYNA-6): from `cancelled_on` the member is treated as not registered."""
    authorize(actor, Permission.NATIONAL_WRITE)
    with ctx.writing() as conn:
        row = _card_row(conn, card_id)
        if not row.insurance_registered_on or row.insurance_cancelled_on:
            raise DomainError("not_registered", "このカードは利用登録されていません", status=409)
        if cancelled_on < row.insurance_registered_on:
            raise DomainError("invalid_period", "解除日が利用登録日より前になっています", "cancelled_on")
        conn.execute(update(myna_cards).where(myna_cards.c.card_id == card_id)
                     .values(insurance_cancelled_on=cancelled_on))
        audit(conn, actor, "myna.cancellation", card_id, cancelled_on=cancelled_on.isoformat())
        return _card_body(repo.card(_card_row(conn, card_id)))

"""The national side's facts about My Number cards (マイナンバーカード) and their 健康保険証利用登録.
In production they arrive from the national system; here they are entered so the flow can run."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from ..domain.errors import DomainError
from ..domain.myna import MynaCard
from ..domain.numbers import validate_my_number
from .accounts import hash_pin
from .auth import Actor, Permission, authorize
from .context import Context
from .unit_of_work import UnitOfWork


def _card_body(card: MynaCard) -> dict:
    return {"card_id": card.card_id, "certificate_expires_on": card.certificate_expires_on,
            "insurance_registered_on": card.insurance_registered_on,
            "insurance_cancelled_on": card.insurance_cancelled_on}


def _card(uow: UnitOfWork, card_id: str) -> MynaCard:
    card = uow.card_registry.get(card_id)
    if card is None:
        raise DomainError("card_not_found", "該当するマイナンバーカードが見つかりません", status=404)
    return card


def add_card(ctx: Context, actor: Actor, my_number: str, card_id: str,
             certificate_expires_on: date, pin: str | None = None) -> dict:
    """A card as the national side issued it; `pin` is its 4-digit 暗証番号 (for the portal)."""
    authorize(actor, Permission.NATIONAL_WRITE)
    digest = ctx.vault.lookup_hash(validate_my_number(my_number))
    pin_hash = hash_pin(pin) if pin is not None else None
    card = MynaCard(card_id, certificate_expires_on)
    with ctx.writing() as uow:
        if uow.card_registry.get(card_id) is not None:
            raise DomainError("card_exists", "このカードは登録済みです", "card_id", status=409)
        uow.card_registry.add(card, digest, pin_hash)
        uow.audit(actor, "myna.card", card_id, certificate_expires_on=certificate_expires_on.isoformat())
    return _card_body(card)


def register_for_insurance(ctx: Context, actor: Actor, card_id: str, registered_on: date) -> dict:
    """健康保険証利用登録 (R-MYNA-1 (2)); registering again after a cancellation starts anew."""
    authorize(actor, Permission.NATIONAL_WRITE)
    with ctx.writing() as uow:
        card = _card(uow, card_id)
        if card.insurance_registered_on and not card.insurance_cancelled_on:
            raise DomainError("already_registered", "このカードは利用登録済みです", status=409)
        card = replace(card, insurance_registered_on=registered_on, insurance_cancelled_on=None)
        uow.card_registry.save(card)
        uow.audit(actor, "myna.registration", card_id, registered_on=registered_on.isoformat())
    return _card_body(card)


def cancel_insurance_registration(ctx: Context, actor: Actor, card_id: str,
                                  cancelled_on: date) -> dict:
    """利用登録の解除 (R-MYNA-6): from `cancelled_on` the member is treated as not registered."""
    authorize(actor, Permission.NATIONAL_WRITE)
    with ctx.writing() as uow:
        card = _card(uow, card_id)
        if not card.insurance_registered_on or card.insurance_cancelled_on:
            raise DomainError("not_registered", "このカードは利用登録されていません", status=409)
        if cancelled_on < card.insurance_registered_on:
            raise DomainError("invalid_period", "解除日が利用登録日より前になっています", "cancelled_on")
        card = replace(card, insurance_cancelled_on=cancelled_on)
        uow.card_registry.save(card)
        uow.audit(actor, "myna.cancellation", card_id, cancelled_on=cancelled_on.isoformat())
    return _card_body(card)

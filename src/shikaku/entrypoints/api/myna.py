"""The national side's facts on the API, modelled here: マイナンバーカード and their 利用登録
(registration for use as a health-insurance card) and its cancellation."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ...service_layer import commands, myna
from ...service_layer.auth import Permission
from .common import AsOf, Ctx, feature_router
from .guard import Caller

router = feature_router()


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CardIn(Body):
    my_number: str = Field(max_length=30)
    card_id: str = Field(min_length=4, max_length=32, pattern=r"^[0-9A-Za-z]+$")
    certificate_expires_on: commands.Day
    pin: str | None = Field(default=None, description="暗証番号 (数字4桁): 加入者ポータルのログインに使います")


class InsuranceRegistrationIn(Body):
    registered_on: commands.Day | None = None


@router.post("/myna/cards", status_code=201, tags=["myna"])
def add_card(ctx: Ctx, body: CardIn, who: Caller(Permission.NATIONAL_WRITE)) -> dict:
    return myna.add_card(ctx, who, body.my_number, body.card_id, body.certificate_expires_on, body.pin)


@router.post("/myna/cards/{card_id}/insurance-registration", status_code=201, tags=["myna"])
def register_card(ctx: Ctx, card_id: str, body: InsuranceRegistrationIn,
                  who: Caller(Permission.NATIONAL_WRITE)) -> dict:
    return myna.register_for_insurance(ctx, who, card_id, body.registered_on or ctx.today())


@router.delete("/myna/cards/{card_id}/insurance-registration", tags=["myna"])
def cancel_card(ctx: Ctx, card_id: str, who: Caller(Permission.NATIONAL_WRITE),
                cancelled_on: AsOf = None) -> dict:
    return myna.cancel_insurance_registration(ctx, who, card_id, cancelled_on or ctx.today())

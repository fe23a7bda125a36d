"""Test data builders: the members, families, cards, request bodies and notification files the
tests start from, each made in one place.

- identifiers: `my_number`, `symbol`;
- the domain, for tests/unit: `around` (the days about a boundary), `Family` (a family's
  registrations), `insured_state`, `myna_card`;
- bodies of the API: `insured_body`, `dependent_body`, `card_info`, `fhir_request`, `bearer`;
- through the API (a TestClient): `enrol`, `enrol_dependent`, `give_card`, `with_card`,
  `enrol_with_card`, `facility`, `token_for`, `as_role`;
- through the use cases (a context): `enrolled`;
- employers' notification files (docs/formats.md): `insured_row`, `dependent_row`,
  `notification_csv`.

Only the domain is imported at the top, so that the unit tests import nothing else; the
builders of the outer tiers import what they need where they run."""
from __future__ import annotations

import csv
import io
import itertools
import random
from datetime import date, timedelta

from stdnum.jp import in_

from shikaku.domain.calendar import BusinessCalendar
from shikaku.domain.myna import MynaCard
from shikaku.domain.registrations import of_kind
from shikaku.domain.registry import FamilyHistory, Identity, Kind, LossReason, Registration, Relationship

INSURER_NUMBER = "06139992"  # the test society's 保険者番号 (tests/conftest.py records it)
FACILITY_CODE = "1310112345"  # a valid 医療機関コード
PIN = "1234"  # the PIN of the cards `enrol_with_card` gives
_rng = random.Random(7)
_symbols = itertools.count(7001)

# ------------------------------------------------------------------ identifiers


def my_number() -> str:
    """A fresh valid 個人番号 (R-NUM-2)."""
    first11 = str(_rng.randint(10**10, 10**11 - 1))
    return first11 + in_.calc_check_digit(first11)


def symbol() -> str:
    """A 記号 no other test has used in this session."""
    return str(next(_symbols))


# ------------------------------------------------------------------ the domain (tests/unit)

ONE_DAY = timedelta(days=1)
LONG_AGO = date(2020, 4, 1)
REGISTERED = date(2023, 10, 1)  # a card's 利用登録 long before the unit tests' days
CALENDAR = BusinessCalendar()  # the unit tests' 営業日カレンダー: national holidays, no closures


def around(day: date) -> tuple[date, date, date]:
    """The day before, the day of and the day after a boundary."""
    return day - ONE_DAY, day, day + ONE_DAY


class Family:
    """Builds one family (記号・番号) as registrations in entry order: `seq` increases with every
    call and `publish_on` is the 翌々営業日 of `registered_on` (R-MYNA-2). Member 1 is the insured."""

    def __init__(self, symbol: str = "7001", number: str = "42"):
        self.symbol, self.number = symbol, number
        self.identities: list[Identity] = []
        self.registrations: list[Registration] = []
        self._seq = itertools.count(1)

    def register(self, member_id: int, kind: Kind, effective_on: date,
                 registered_on: date | None = None, /, **data) -> Family:
        registered_on = registered_on or effective_on
        self.registrations.append(Registration(
            seq=next(self._seq), member_id=member_id, kind=kind, effective_on=effective_on,
            registered_on=registered_on,
            publish_on=CALENDAR.second_business_day_after(registered_on),
            data=of_kind(kind.value, data)))
        return self

    def _enrol(self, relationship: Relationship, birth: date, qualified_on: date,
               registered_on: date | None, with_my_number: bool, **data) -> int:
        member_id = len(self.identities) + 1
        self.identities.append(Identity(member_id, 1, relationship, self.symbol, self.number,
                                        f"{member_id - 1:02d}"))
        self.register(member_id, Kind.ENROLMENT, qualified_on, registered_on,
                      name=f"試験 {member_id}", name_kana=f"シケン {member_id}", birth_date=birth,
                      sex="female", with_my_number=with_my_number, **data)
        return member_id

    def insured(self, birth: date = date(1980, 5, 10), qualified_on: date = LONG_AGO,
                registered_on: date | None = None, remuneration: int = 300_000,
                with_my_number: bool = True, **data) -> int:
        assert not self.identities, "the insured is enrolled first"
        return self._enrol(Relationship.INSURED, birth, qualified_on, registered_on, with_my_number,
                           standard_monthly_remuneration=remuneration, **data)

    def dependent(self, birth: date = date(1985, 7, 7), qualified_on: date = LONG_AGO,
                  registered_on: date | None = None, with_my_number: bool = True) -> int:
        return self._enrol(Relationship.DEPENDENT, birth, qualified_on, registered_on, with_my_number)

    def lose(self, member_id: int, on: date, registered_on: date | None = None,
             reason: LossReason = LossReason.RETIREMENT) -> Family:
        return self.register(member_id, Kind.DISQUALIFICATION, on, registered_on, reason=reason.value)

    def amend(self, member_id: int, effective_on: date, registered_on: date | None = None, **data) -> Family:
        return self.register(member_id, Kind.AMENDMENT, effective_on, registered_on, **data)

    def my_number(self, member_id: int, registered_on: date) -> Family:
        return self.register(member_id, Kind.MY_NUMBER, registered_on, registered_on)

    @property
    def history(self) -> FamilyHistory:
        return FamilyHistory(self.identities, self.registrations)


def insured_state(on: date, birth: date = date(1980, 5, 10), **insured):
    """The state on `on` of the insured of a family of one (`insured`: Family.insured's fields)."""
    family = Family()
    member = family.insured(birth=birth, **insured)
    return family.history.state(member, on)


def myna_card(expires_on: date = date(2030, 5, 10), registered_on: date | None = REGISTERED,
              cancelled_on: date | None = None, card_id: str = "card-1") -> MynaCard:
    """A マイナンバーカード: its certificate's expiry, the 利用登録 and its cancellation."""
    return MynaCard(card_id, expires_on, registered_on, cancelled_on)


# ------------------------------------------------------------------ bodies of the API


def insured_body(**fields) -> dict:
    """The body of `POST /api/v1/members` for an insured; a field given as None is left out."""
    body = {"relationship": "insured", "symbol": symbol(), "name": "試験 太郎",
            "name_kana": "シケン タロウ", "birth_date": "1980-05-10", "sex": "male",
            "qualified_on": "2020-04-01", "registered_on": "2020-04-02",
            "standard_monthly_remuneration": 300000, "my_number": my_number()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def dependent_body(insured_id: str, **fields) -> dict:
    """The body of `POST /api/v1/members` for a dependent of `insured_id`."""
    body = {"relationship": "dependent", "insured_id": insured_id, "name": "試験 花子",
            "name_kana": "シケン ハナコ", "birth_date": "1985-07-07", "sex": "female",
            "qualified_on": "2020-04-01", "registered_on": "2020-04-02", "my_number": my_number()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def card_info(member: dict, day: str, **extra) -> dict:
    """The body of a card-data verification (`method: card_info`) of a member as the API answered it."""
    return {"service_date": day, "method": "card_info", "insurer_number": INSURER_NUMBER,
            "symbol": member["symbol"], "number": member["number"], "branch": member["branch"],
            "birth_date": member["birth_date"], "limit_consent": True, **extra}


def fhir_request(member: dict, day: str):
    """The FHIR R4B CoverageEligibilityRequest of a card-data verification of `member`."""
    from fhir.resources.R4B.coverageeligibilityrequest import CoverageEligibilityRequest

    from shikaku.entrypoints.api.fhir import INSURER_SYSTEM, NUMBER_EXT, SUBNUMBER_EXT, SYMBOL_EXT

    return CoverageEligibilityRequest.model_validate({
        "resourceType": "CoverageEligibilityRequest", "id": "req1", "status": "active",
        "purpose": ["validation"], "created": "2026-05-01T09:00:00+09:00", "servicedDate": day,
        "patient": {"reference": "#patient"},
        "insurer": {"identifier": {"system": INSURER_SYSTEM, "value": INSURER_NUMBER}},
        "contained": [
            {"resourceType": "Patient", "id": "patient", "birthDate": member["birth_date"]},
            {"resourceType": "Organization", "id": "payor",
             "identifier": [{"system": INSURER_SYSTEM, "value": INSURER_NUMBER}]},
            {"resourceType": "Coverage", "id": "coverage", "status": "active",
             "beneficiary": {"reference": "#patient"}, "payor": [{"reference": "#payor"}],
             "extension": [{"url": SYMBOL_EXT, "valueString": member["symbol"]},
                           {"url": NUMBER_EXT, "valueString": member["number"]},
                           {"url": SUBNUMBER_EXT, "valueString": member["branch"]}]}],
        "insurance": [{"coverage": {"reference": "#coverage"}}]})


def bearer(token: str) -> dict:
    """The headers that present `token`."""
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------------------ through the API


def enrol(client, **fields) -> dict:
    """An insured enrolled through `POST /api/v1/members` (`fields` as insured_body's); the answer."""
    r = client.post("/api/v1/members", json=insured_body(**fields))
    assert r.status_code == 201, r.text
    return r.json()


def enrol_dependent(client, insured: dict, **fields) -> dict:
    """A dependent of `insured` (an answer of `enrol`) enrolled through the API; the answer."""
    r = client.post("/api/v1/members", json=dependent_body(insured["id"], **fields))
    assert r.status_code == 201, r.text
    return r.json()


def give_card(client, number: str, card_id: str, registered_on: str | None = "2021-10-20",
              expires: str = "2031-12-31") -> None:
    """A マイナンバーカード for the 個人番号 `number`, registered for insurance use on `registered_on`
    (not registered when None), through the national-side endpoints."""
    client.post("/api/v1/myna/cards", json={"my_number": number, "card_id": card_id,
                                            "certificate_expires_on": expires})
    if registered_on:
        client.post(f"/api/v1/myna/cards/{card_id}/insurance-registration",
                    json={"registered_on": registered_on})


def with_card(client, registered_on: str | None = "2021-10-20", expires: str = "2031-12-31",
              **fields) -> tuple[dict, str]:
    """An insured (enrolled through the API) with a card, as `give_card`; the member and the card id."""
    number = my_number()
    member = enrol(client, my_number=number, **fields)
    card_id = "C" + number
    give_card(client, number, card_id, registered_on, expires)
    return member, card_id


def enrol_with_card(client, card_id: str, *, registered: bool = True, **fields) -> dict:
    """An insured member with a My Number card (PIN 1234), registered for insurance use."""
    body = insured_body(**fields)
    member = client.post("/api/v1/members", json=body).json()
    assert client.post("/api/v1/myna/cards", json={
        "my_number": body["my_number"], "card_id": card_id, "certificate_expires_on": "2030-01-01",
        "pin": PIN}).status_code == 201
    if registered:
        assert client.post(f"/api/v1/myna/cards/{card_id}/insurance-registration",
                           json={"registered_on": "2021-01-01"}).status_code == 201
    return {**member, "my_number": body["my_number"], "card_id": card_id}


def facility(client, code: str = FACILITY_CODE) -> dict:
    """Registers a 医療機関等 (admin); the headers of its token."""
    r = client.post("/api/v1/facilities", json={"code": code, "name": "試験医院"})
    return bearer(r.json()["token"])


def token_for(client, role: str) -> str:
    """A new token of `role` (a staff role, or "facility"), issued through the API."""
    if role == "facility":
        r = client.post("/api/v1/facilities", json={"code": FACILITY_CODE, "name": "試験医院"})
        assert r.status_code == 201, r.text
        return r.json()["token"]
    r = client.post("/api/v1/tokens", json={"role": role, "subject": f"test-{role}"})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def as_role(client, role: str) -> dict:
    """The headers of a new token of `role`."""
    return bearer(token_for(client, role))


# ------------------------------------------------------------------ through the use cases


def enrolled(ctx, actor, body: dict | None = None):
    """A member enrolled by the use case (`body`: insured_body() or dependent_body(…); an insured
    by default); its view."""
    from shikaku.service_layer import commands, members

    return members.enrol(ctx, actor, commands.Enrolment(**(body or insured_body())))


# ------------------------------------------------------------------ notification files

NOTIFICATION_COLUMNS = ("届出種別", "記号", "番号", "続柄", "本人記号", "本人番号", "氏名", "氏名カナ", "生年月日",
                        "性別", "資格取得日", "資格喪失日", "喪失理由", "標準報酬月額", "個人番号", "住民税非課税",
                        "資格確認書交付希望", "受付日")
RECEIVED = "2025-04-02"  # 受付日 of the rows (a Wednesday)


def insured_row(symbol: str = "1001", number: str = "5", **cells) -> dict:
    """A 資格取得 row of an insured, by column label (和暦, half-width kana, a grouped amount)."""
    return {"届出種別": "資格取得", "記号": symbol, "番号": number, "続柄": "本人", "氏名": "山田 太郎",
            "氏名カナ": "ﾔﾏﾀﾞ ﾀﾛｳ", "生年月日": "昭和55年5月10日", "性別": "男", "資格取得日": "R7.4.1",
            "標準報酬月額": "300,000", "個人番号": my_number(), "住民税非課税": "0", "資格確認書交付希望": "0",
            "受付日": RECEIVED, **cells}


def reading(n: int) -> str:
    """A フリガナ of its own for the n-th person of a generated file (ten kana for the digits), so
    that a file of many rows holds no possible duplicates (同一人物の可能性, D-154)."""
    return "シケン " + str(n).translate(str.maketrans("0123456789", "アイウエオカキクケコ"))


def dependent_row(symbol: str = "1001", number: str = "5", **cells) -> dict:
    """A 被扶養者追加 row of a spouse of the insured `symbol`・`number`."""
    return {"届出種別": "被扶養者追加", "続柄": "配偶者", "本人記号": symbol, "本人番号": number,
            "氏名": "山田 花子", "氏名カナ": "ヤマダ ハナコ", "生年月日": "1982/7/7", "性別": "女",
            "資格取得日": "2025-04-01", "個人番号": my_number(), "受付日": RECEIVED, **cells}


def notification_csv(rows: list[dict], encoding: str = "utf-8", header=NOTIFICATION_COLUMNS) -> bytes:
    """The file of `rows` under `header` (CRLF, as employers' software writes it)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return buffer.getvalue().encode(encoding)

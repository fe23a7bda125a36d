"""One model of a family for every writer (issue 13): the same notifications — 資格取得届,
被扶養者異動届, a 個人番号 given later, a 氏名変更, a dependent's and an insured's 資格喪失 — fed
through the HTTP API, through an employer's notification file and through the demo generator's
loading path make the same members (記号・番号・枝番, names, the sealed 個人番号) and the same
registrations (kind, 効力発生日, 登録日, 公開日, data), and the read models show the same
members. Each writer starts from a fresh database of the session's backend."""
from __future__ import annotations

import csv
import dataclasses
import io
from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shikaku.adapters.db.schema import members, registrations
from shikaku.demo.loading import Loader
from shikaku.demo.population import Person
from shikaku.domain.notifications import KINSHIP_LABELS, LOSS_REASON_LABELS
from shikaku.domain.registry import LossReason
from shikaku.entrypoints.api.app import create_server
from shikaku.entrypoints.cli import initialise
from shikaku.service_layer import exchange
from shikaku.service_layer import members as svc
from shikaku.service_layer.auth import Actor, Role
from tests.builders import my_number
from tests.conftest import ADMIN_TOKEN, INSURER_NAME, INSURER_NUMBER
from tests.helpers import fresh_database

TODAY = date(2026, 6, 1)
SYMBOL = "5001"
ADMIN = Actor(Role.ADMIN, "test-one-family-model", "127.0.0.1")


@dataclass(frozen=True)
class Enrol:
    """資格取得届 of an insured (a new family), or 被扶養者異動届 of a dependent `of` an insured."""

    who: str
    name: str
    kana: str
    birth_date: date
    sex: str
    qualified_on: date
    registered_on: date
    of: str | None = None
    kinship: str | None = None
    remuneration: int | None = None
    my_number: str | None = None


@dataclass(frozen=True)
class GiveMyNumber:
    """個人番号の登録 after the enrolment."""

    who: str
    my_number: str
    registered_on: date


@dataclass(frozen=True)
class Rename:
    """変更届 of 氏名 and フリガナ."""

    who: str
    name: str
    kana: str
    effective_on: date
    registered_on: date


@dataclass(frozen=True)
class Lose:
    """資格喪失届."""

    who: str
    disqualified_on: date
    reason: LossReason
    registered_on: date


# In the order received; two families of one 記号, 番号 handed out (1, 2).
NOTIFICATIONS = [
    Enrol("keiko", "鈴木 恵子", "スズキ ケイコ", date(1988, 3, 3), "female", date(2018, 4, 1), date(2018, 4, 4),
          remuneration=280_000, my_number=my_number()),
    Enrol("ichiro", "田中 一郎", "タナカ イチロウ", date(1962, 1, 15), "male", date(1995, 4, 1), date(1995, 4, 3),
          remuneration=440_000),
    GiveMyNumber("ichiro", my_number(), date(2019, 1, 10)),
    Enrol("haru", "田中 ハル", "タナカ ハル", date(1953, 5, 5), "female", date(2015, 4, 1), date(2019, 1, 10),
          of="ichiro", kinship="parent", my_number=my_number()),
    Enrol("ken", "佐藤 健", "サトウ ケン", date(1986, 8, 20), "male", date(2020, 6, 20), date(2020, 7, 1),
          of="keiko", kinship="spouse", my_number=my_number()),
    Rename("keiko", "佐藤 恵子", "サトウ ケイコ", date(2020, 6, 20), date(2020, 7, 1)),
    Enrol("yota", "佐藤 陽太", "サトウ ヨウタ", date(2022, 2, 2), "male", date(2022, 2, 2), date(2022, 2, 10),
          of="keiko", kinship="child"),
    GiveMyNumber("yota", my_number(), date(2022, 3, 15)),
    Lose("ken", date(2025, 10, 1), LossReason.OTHER_INSURANCE, date(2025, 10, 6)),
    Lose("ichiro", date(2026, 4, 1), LossReason.RETIREMENT, date(2026, 4, 2)),
]


# ---------------------------------------------------------------------- the three writers

def through_api(ctx) -> None:
    """POST /members, PUT …/my-number, PATCH /members/{id}, POST …/disqualification."""
    ids: dict[str, str] = {}
    insured_of: dict[str, str] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SHIKAKU_ADMIN_TOKEN", ADMIN_TOKEN)
        with TestClient(create_server(ctx), raise_server_exceptions=False) as client:
            client.headers["Authorization"] = f"Bearer {ADMIN_TOKEN}"
            for n in NOTIFICATIONS:
                if isinstance(n, Enrol):
                    body = {"name": n.name, "name_kana": n.kana, "birth_date": n.birth_date.isoformat(),
                            "sex": n.sex, "qualified_on": n.qualified_on.isoformat(),
                            "registered_on": n.registered_on.isoformat(), "my_number": n.my_number}
                    if n.of is None:
                        body.update(relationship="insured", symbol=SYMBOL,
                                    standard_monthly_remuneration=n.remuneration)
                    else:
                        body.update(relationship="dependent", insured_id=insured_of[_family_of(n.who)],
                                    kinship=n.kinship)
                    r = client.post("/api/v1/members", json={k: v for k, v in body.items() if v is not None})
                    ids[n.who] = r.json()["id"] if r.status_code == 201 else r.text
                    if n.of is None:
                        insured_of[n.who] = ids[n.who]
                elif isinstance(n, GiveMyNumber):
                    r = client.put(f"/api/v1/members/{ids[n.who]}/my-number",
                                   json={"my_number": n.my_number, "registered_on": n.registered_on.isoformat()})
                elif isinstance(n, Rename):
                    r = client.patch(f"/api/v1/members/{ids[n.who]}", json={
                        "name": n.name, "name_kana": n.kana, "effective_on": n.effective_on.isoformat(),
                        "registered_on": n.registered_on.isoformat()})
                else:
                    r = client.post(f"/api/v1/members/{ids[n.who]}/disqualification", json={
                        "disqualified_on": n.disqualified_on.isoformat(), "reason": n.reason.value,
                        "registered_on": n.registered_on.isoformat()})
                assert r.status_code in (200, 201), (n, r.text)


def through_import(ctx) -> None:
    """One notification file: 資格取得, 被扶養者追加, 変更 (a 個人番号 alone, or 氏名), 資格喪失."""
    numbers = {n.who: str(i) for i, n in enumerate(
        (n for n in NOTIFICATIONS if isinstance(n, Enrol) and n.of is None), start=1)}
    branches = _branches()
    rows = []
    for n in NOTIFICATIONS:
        number = numbers[_family_of(n.who)]
        member = {"記号": SYMBOL, "番号": number, "枝番": branches[n.who],
                  "続柄": KINSHIP_LABELS[_kinship(n.who)] if branches[n.who] != "00" else "本人"}
        if isinstance(n, Enrol):
            row = {"氏名": n.name, "氏名カナ": n.kana, "生年月日": n.birth_date.isoformat(),
                   "性別": "男" if n.sex == "male" else "女", "資格取得日": n.qualified_on.isoformat(),
                   "個人番号": n.my_number or "", "受付日": n.registered_on.isoformat()}
            if n.of is None:
                row.update(届出種別="資格取得", 記号=SYMBOL, 番号=number, 続柄="本人",
                           標準報酬月額=str(n.remuneration), 住民税非課税="0")
            else:
                row.update(届出種別="被扶養者追加", 続柄=KINSHIP_LABELS[n.kinship], 本人記号=SYMBOL, 本人番号=number)
        elif isinstance(n, GiveMyNumber):
            row = {**member, "届出種別": "変更", "個人番号": n.my_number, "受付日": n.registered_on.isoformat()}
        elif isinstance(n, Rename):
            row = {**member, "届出種別": "変更", "氏名": n.name, "氏名カナ": n.kana,
                   "変更日": n.effective_on.isoformat(), "受付日": n.registered_on.isoformat()}
        else:
            row = {**member, "届出種別": "資格喪失", "資格喪失日": n.disqualified_on.isoformat(),
                   "喪失理由": LOSS_REASON_LABELS[n.reason], "受付日": n.registered_on.isoformat()}
        rows.append(row)
    header = sorted({column for row in rows for column in row}, key=lambda c: c != "届出種別")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    result = exchange.import_notifications(ctx, ADMIN, io.BytesIO(buffer.getvalue().encode()), "todoke.csv")
    assert result.status == "imported", result.errors


def through_the_generator(ctx) -> None:
    """The demo generator's loading path: the notifications as planned people (day ordinals),
    loaded by `demo.loading.Loader` in one bulk transaction."""
    families: dict[str, list[Person]] = {}
    people: dict[str, Person] = {}
    for n in NOTIFICATIONS:
        if isinstance(n, Enrol):
            person = people[n.who] = Person(
                n.kinship or "insured", int(n.sex == "female"), n.birth_date.toordinal(),
                n.qualified_on.toordinal(), n.registered_on.toordinal(), remuneration=n.remuneration or 0,
                name=n.name, kana=n.kana, my_number=n.my_number)
            families.setdefault(_family_of(n.who), []).append(person)
        elif isinstance(n, GiveMyNumber):
            people[n.who].my_number, people[n.who].my_number_on = n.my_number, n.registered_on.toordinal()
        elif isinstance(n, Rename):
            person = people[n.who]
            person.former, person.name, person.kana = (person.name, person.kana), n.name, n.kana
            person.renamed, person.renamed_registered = n.effective_on.toordinal(), n.registered_on.toordinal()
        else:
            person = people[n.who]
            person.lost, person.lost_registered = n.disqualified_on.toordinal(), n.registered_on.toordinal()
            person.reason = n.reason.value
    with ctx.connection(write=True) as conn:
        loader = Loader(ctx, conn)
        for family in families.values():
            loader.load(SYMBOL, family)
        loader.finish()


def _family_of(who: str) -> str:
    """The insured of the family a person of the notifications belongs to."""
    enrolment = next(n for n in NOTIFICATIONS if isinstance(n, Enrol) and n.who == who)
    return enrolment.of or enrolment.who


def _kinship(who: str) -> str | None:
    return next(n.kinship for n in NOTIFICATIONS if isinstance(n, Enrol) and n.who == who)


def _branches() -> dict[str, str]:
    """枝番 by person: 00 for the insured, then the family's dependents in order of enrolment."""
    count: dict[str, int] = {}
    branches = {}
    for n in NOTIFICATIONS:
        if isinstance(n, Enrol):
            family = _family_of(n.who)
            branches[n.who] = f"{count.get(family, 0):02d}"
            count[family] = count.get(family, 0) + 1
    return branches


# ---------------------------------------------------------------------- what they made

def registry(ctx) -> dict:
    """Members by 記号・番号・枝番 and the registrations of each, without ids or order of entry;
    and the members as the read model (the family snapshots) shows them today."""
    with ctx.connection() as conn:
        people = {row.id: row for row in conn.execute(select(members))}
        regs = conn.execute(select(registrations)).all()
    key = {m.id: (m.symbol, m.number, m.branch) for m in people.values()}
    views, _ = svc.list_members(ctx, ADMIN, limit=100, as_of=TODAY)
    return {
        "members": sorted((key[m.id], m.relationship, key[m.family_id], m.name, m.name_kana, m.birth_date,
                           m.qualified_on, m.last_branch, m.my_number_hash, m.my_number_last4)
                          for m in people.values()),
        "registrations": sorted(((key[r.member_id], r.kind, r.effective_on, r.registered_on, r.publish_on, r.data)
                                 for r in regs), key=lambda r: r[:5]),
        "views": sorted(({k: v for k, v in dataclasses.asdict(view).items() if k not in ("id", "insured_id")}
                         for view in views), key=lambda v: (v["symbol"], v["number"], v["branch"])),
    }


@pytest.fixture(scope="module")
def made(db_url) -> dict[str, dict]:
    """What each writer made, from a fresh database each."""
    found = {}
    for name, write in (("api", through_api), ("import", through_import), ("generator", through_the_generator)):
        with fresh_database(db_url) as url:
            ctx = initialise(url, INSURER_NUMBER, INSURER_NAME)
            ctx.today = lambda: TODAY
            try:
                write(ctx)
                found[name] = registry(ctx)
            finally:
                ctx.access_log.flush()
                ctx.engine.dispose()
    return found


def test_the_notifications_make_every_kind_of_registration(made):
    api = made["api"]
    kinds = [r[1] for r in api["registrations"]]
    assert sorted(kinds) == sorted(["enrolment"] * 5 + ["my_number"] * 2 + ["amendment", "disqualification",
                                                                            "disqualification"])
    assert [m[0] for m in api["members"]] == [(SYMBOL, "1", "00"), (SYMBOL, "1", "01"), (SYMBOL, "1", "02"),
                                              (SYMBOL, "2", "00"), (SYMBOL, "2", "01")]
    views = {v["name"]: v for v in api["views"]}
    assert views["佐藤 恵子"]["eligible"] and views["佐藤 恵子"]["name_kana"] == "サトウ ケイコ"
    assert views["佐藤 健"]["loss_reason"] == "other_insurance"
    assert views["田中 ハル"]["loss_reason"] == "insured_lost" and not views["田中 ハル"]["eligible"]
    assert views["佐藤 陽太"]["has_my_number"] and views["田中 一郎"]["has_my_number"]


def test_an_import_file_makes_what_the_api_makes(made):
    assert made["import"] == made["api"]


def test_the_demo_generator_loads_what_the_api_makes(made):
    assert made["generator"] == made["api"]

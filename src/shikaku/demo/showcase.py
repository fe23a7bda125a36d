"""見本の世帯 (記号 1000): the named families a newcomer explores first, the same for every seed;
their dates follow today. Each comes with the Japanese line of the summary that says what to
look at."""
from __future__ import annotations

from datetime import date
from typing import Callable

from sqlalchemy import select

from ..adapters.db.schema import members, myna_cards
from ..domain.age import anniversary
from ..domain.family import Family
from ..domain.registry import Kind, LossReason
from ..service_layer.context import Context
from .population import Fixed, Person, Planner

SHOWCASE_SYMBOL = "1000"  # 見本事業所

Describe = Callable[[Family], str]  # the summary line of a loaded showcase family


def japanese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def showcase_families(planner: Planner) -> list[tuple[list[Person], list[Fixed], Describe]]:
    """The showcase families in the order of their 番号 (1–9): people, what is fixed of them,
    and their summary line."""
    t = planner.t

    def born(years: int, days: int) -> int:
        """Birth ordinal of someone `years` old today whose birthday was `days` ago."""
        return anniversary(planner.days[t - days], -years).toordinal()

    def p(role, female, birth, qualified, remuneration=0, **kw) -> Person:
        return Person(role, female, birth, qualified, 0, remuneration=remuneration, **kw)

    def reg(person: Person, days: int = 3, not_before: int = 0) -> Person:
        person.registered = max(not_before, min(t, person.qualified + days))
        return person

    families = []
    # 1 新生児のいる世帯: 未就学2割の子、個人番号は本日登録 (公開は翌々営業日).
    taro = reg(p("insured", 0, born(36, 80), date(2013, 4, 1).toordinal(), 380_000))
    hanako = reg(p("spouse", 1, born(34, 200), date(2016, 6, 1).toordinal()), 5, taro.registered)
    shota_birth = born(4, 150)
    shota = reg(p("child", 0, shota_birth, shota_birth), 7, taro.registered)
    yui = reg(p("child", 1, t - 20, t - 20), 6)
    families.append(([taro, hanako, shota, yui], [
        Fixed(("山田 太郎", "ヤマダ タロウ")), Fixed(("山田 花子", "ヤマダ ハナコ")),
        Fixed(("山田 翔太", "ヤマダ ショウタ"), card="none"),
        Fixed(("山田 結衣", "ヤマダ ユイ"), my_number="today", card="none"),
    ], _newborn_family))
    # 2 高齢受給者 (72歳) 現役並み3割、妻70歳 (証明書は失効後の猶予期間中).
    minoru = reg(p("insured", 0, born(72, 120), date(1977, 4, 1).toordinal(), 410_000))
    chiyo = reg(p("spouse", 1, born(70, 45), date(1980, 10, 1).toordinal()), 5, minoru.registered)
    families.append(([minoru, chiyo], [
        Fixed(("鈴木 稔", "スズキ ミノル")), Fixed(("鈴木 千代", "スズキ チヨ"), card="expired_grace"),
    ], lambda f: (
        f"鈴木 稔（ID {_ids(f)[0]}、番号 2）は72歳の高齢受給者で標準報酬月額41万円のため現役並み3割、"
        f"妻 千代（70歳、枝番 01）も3割。千代のカードは電子証明書の期限切れ後の猶予期間中")))
    # 3 個人番号未登録: online verification cannot find her; legacy card no longer valid.
    naoko = reg(p("insured", 1, born(45, 30), date(2008, 4, 1).toordinal(), 260_000))
    families.append(([naoko], [Fixed(("佐藤 直子", "サトウ ナオコ"), my_number="none", card="none")],
                     lambda f: (f"佐藤 直子（ID {_ids(f)[0]}、番号 3）は個人番号が未登録で、"
                                "オンライン資格確認では見つからず資格確認書の対象")))
    # 4 利用登録を解除した人 (⑨), 標準報酬月額53万円 (区分イ).
    kenichi = reg(p("insured", 0, born(58, 10), date(1991, 4, 1).toordinal(), 530_000))
    families.append(([kenichi], [Fixed(("高橋 健一", "タカハシ ケンイチ"), card="cancelled")],
                     lambda f: (f"高橋 健一（ID {_ids(f)[0]}、番号 4）はマイナ保険証の利用登録を解除済み、"
                                "限度額区分イ")))
    # 5 2024-12-02 以後の加入: 健康保険証なし, マイナ保険証あり.
    yoko = reg(p("insured", 1, born(29, 60), t - 40, 240_000), 2)
    families.append(([yoko], [Fixed(("田中 陽子", "タナカ ヨウコ"))],
                     lambda f: (f"田中 陽子（ID {_ids(f)[0]}、番号 5）は40日前に加入、健康保険証はなく"
                                "マイナ保険証を利用")))
    # 6 退職した被保険者と、それに伴い資格を失った被扶養者.
    osamu = reg(p("insured", 0, born(63, 90), date(1986, 4, 1).toordinal(), 440_000,
                  lost=t - 61, lost_registered=t - 55, reason=LossReason.RETIREMENT.value,
                  loss_corrected_to=t - 60, loss_corrected_on=t - 50))
    akemi = reg(p("spouse", 1, born(61, 40), date(1990, 5, 1).toordinal()), 5, osamu.registered)
    families.append(([osamu, akemi], [Fixed(("伊藤 治", "イトウ オサム")), Fixed(("伊藤 明美", "イトウ アケミ"))],
                     lambda f: (f"伊藤 治（ID {_ids(f)[0]}、番号 6）は60日前に退職して資格喪失、妻 明美（枝番 01）も"
                                "被保険者の喪失に伴い資格なし。喪失日は誤って1日早く登録され、"
                                "10日後に訂正された（資格の履歴に取消線で残る）")))
    # 7 住民税非課税の被保険者; 就職して扶養を外れた子.
    mikako = reg(p("insured", 1, born(52, 170), date(2012, 7, 1).toordinal(), 98_000, exempt=True))
    nanami = reg(p("child", 1, born(21, 300), date(2012, 7, 1).toordinal(), lost=t - 100,
                   lost_registered=t - 92, reason=LossReason.OTHER_INSURANCE.value), 5, mikako.registered)
    families.append(([mikako, nanami], [
        Fixed(("渡辺 美加子", "ワタナベ ミカコ"), card="card_only"), Fixed(("渡辺 七夏", "ワタナベ ナナミ")),
    ], lambda f: (f"渡辺 美加子（ID {_ids(f)[0]}、番号 7）は住民税非課税（カードはあるが利用登録なし）、"
                  f"娘 七夏（枝番 01）は就職して100日前に扶養を外れた")))
    # 8 75歳の誕生日が近い人 (後期高齢者医療へ移行予定).
    manabu_birth = anniversary(planner.days[t + 20], -75).toordinal()
    manabu = reg(p("insured", 0, manabu_birth, date(1975, 4, 1).toordinal(), 300_000))
    families.append(([manabu], [Fixed(("山本 学", "ヤマモト マナブ"))],
                     lambda f: (f"山本 学（ID {_ids(f)[0]}、番号 8）は20日後に75歳の誕生日を迎え、"
                                f"その日に資格を喪失して後期高齢者医療へ移行")))
    # 9 個人番号はあるがカードを持たない人 (⑤).
    kazuya = reg(p("insured", 0, born(40, 15), date(2009, 4, 1).toordinal(), 320_000))
    families.append(([kazuya], [Fixed(("中村 和也", "ナカムラ カズヤ"), card="none")],
                     lambda f: (f"中村 和也（ID {_ids(f)[0]}、番号 9）は個人番号登録済みだがマイナンバー"
                                "カードなし")))
    return families


def _ids(family: Family) -> list[int]:
    """Member ids by 枝番 (the order of enrolment)."""
    return list(family.members)


def _newborn_family(family: Family) -> str:
    ids = _ids(family)
    published = next(r.publish_on for r in family.registrations
                     if r.member_id == ids[3] and r.kind is Kind.MY_NUMBER)
    return (f"山田 太郎（ID {ids[0]}、番号 1）の世帯：妻 花子（枝番 01）、4歳の翔太（枝番 02、未就学2割、"
            f"カードなし）、生後20日の結衣（ID {ids[3]}、枝番 03）。結衣の個人番号は本日登録したため、"
            f"オンライン資格確認に載るのは翌々営業日の {japanese_date(published)} から")


def showcase_card(ctx: Context) -> str:
    """The card id of 山田 太郎 (記号 1000 番号 1), the showcase member of the portal."""
    with ctx.connection() as conn:
        return conn.execute(
            select(myna_cards.c.card_id).join(members, members.c.my_number_hash == myna_cards.c.my_number_hash)
            .where(members.c.symbol == SHOWCASE_SYMBOL, members.c.number == "1", members.c.branch == "00")
        ).scalar_one()


def showcase_child(ctx: Context) -> dict:
    """記号・番号・枝番 and 生年月日 of 山田 翔太 (記号 1000 番号 1 枝番 02, 4 years old, no
    マイナンバーカード): the patient of the demo's sample OQS request."""
    with ctx.connection() as conn:
        row = conn.execute(
            select(members.c.symbol, members.c.number, members.c.branch, members.c.birth_date)
            .where(members.c.symbol == SHOWCASE_SYMBOL, members.c.number == "1", members.c.branch == "02")).one()
    return {"symbol": row.symbol, "number": row.number, "branch": row.branch, "birth_date": row.birth_date}

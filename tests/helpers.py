"""Test data builders shared by the integration tests."""
from __future__ import annotations

import itertools
import random

from stdnum.jp import in_

_rng = random.Random(7)
_symbols = itertools.count(7001)


def my_number() -> str:
    """A fresh valid 個人番号 (R-NUM-2)."""
    first11 = str(_rng.randint(10**10, 10**11 - 1))
    return first11 + in_.calc_check_digit(first11)


def symbol() -> str:
    return str(next(_symbols))


def insured_body(**fields) -> dict:
    body = {"relationship": "insured", "symbol": symbol(), "name": "試験 太郎",
            "name_kana": "シケン タロウ", "birth_date": "1980-05-10", "sex": "male",
            "qualified_on": "2020-04-01", "registered_on": "2020-04-02",
            "standard_monthly_remuneration": 300000, "my_number": my_number()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


def dependent_body(insured_id: str, **fields) -> dict:
    body = {"relationship": "dependent", "insured_id": insured_id, "name": "試験 花子",
            "name_kana": "シケン ハナコ", "birth_date": "1985-07-07", "sex": "female",
            "qualified_on": "2020-04-01", "registered_on": "2020-04-02", "my_number": my_number()}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}

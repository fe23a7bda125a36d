"""R-PROV-1 extended by configuration (D-109), through the API: a server started with
`SHIKAKU_PROVISIONAL_HANDLING_UNTIL` answers the desk by it and says its day; one started with
an invalid value does not start."""
from __future__ import annotations

import sys

import pytest

from shikaku.entrypoints import cli
from shikaku.entrypoints.bootstrap import PROVISIONAL_ENV, ConfigurationError, build_context
from tests.builders import INSURER_NUMBER, enrol, facility
from tests.conftest import serving

NATIONAL = "暫定的な取扱い（令和8年3月31日まで）により、オンライン資格確認で資格を確認しました。保険診療を受けられます"
EXTENDED = "暫定的な取扱い（令和8年9月30日まで）により、オンライン資格確認で資格を確認しました。保険診療を受けられます"


@pytest.fixture
def extended(ctx, db_url, monkeypatch):
    """A server process started with R-PROV-1 extended to 2026-09-30, over `ctx`'s database."""
    monkeypatch.setenv(PROVISIONAL_ENV, "2026-09-30")
    extended = build_context(db_url)
    extended.today = ctx.today
    yield extended
    extended.access_log.flush()
    extended.engine.dispose()


def notice_at_desk(client, clinic: dict, member: dict, day: str) -> dict:
    r = client.post("/api/v1/reception-assessments", headers=clinic, json={
        "service_date": day, "presented": ["eligibility_notice"],
        "facility": {"online_verification": True, "reader_working": True},
        "insurer_number": INSURER_NUMBER, "symbol": member["symbol"], "number": member["number"],
        "branch": member["branch"], "birth_date": member["birth_date"]})
    assert r.status_code == 200, r.text
    return r.json()


def answers(client, days: tuple[str, ...]) -> list[tuple[bool, str, str]]:
    member, clinic = enrol(client), facility(client)
    return [(a["insured_treatment"], a["code"], a["message"])
            for a in (notice_at_desk(client, clinic, member, day) for day in days)]


def test_the_desk_answers_by_the_configured_last_day(extended, monkeypatch):
    with serving(extended, monkeypatch) as client:
        last, after = answers(client, ("2026-09-30", "2026-10-01"))
    assert last == (True, "provisional_notice", EXTENDED)
    assert after[:2] == (False, "notice_alone")


def test_without_configuration_the_national_last_day(client):
    last, after, later = answers(client, ("2026-03-31", "2026-04-01", "2026-09-30"))
    assert last == (True, "provisional_notice", NATIONAL)
    assert after[:2] == later[:2] == (False, "notice_alone")


@pytest.mark.parametrize("value, says", [("2026/09/30", "is not an ISO date"),
                                         ("2026-01-31", "before the national last day")])
def test_an_invalid_value_stops_the_start(value, says, db_url, monkeypatch, capsys):
    monkeypatch.setenv(PROVISIONAL_ENV, value)
    with pytest.raises(ConfigurationError, match=says):
        build_context(db_url)
    monkeypatch.setattr(sys, "argv", ["shikaku", "token", "list", "--db", db_url])
    with pytest.raises(SystemExit) as stopped:
        cli.main()
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert "設定エラー" in error and PROVISIONAL_ENV in error and says in error

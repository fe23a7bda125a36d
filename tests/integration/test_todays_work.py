"""本日の受付 (issue 14, item 8; D-136) through the real page and database: the registrations and
documents of a day by clerk, from the audit trail, with counts per clerk, links to the members,
another day by the date picker, and the CSV. The audit rows carry the wall clock, so the page is
asked for the day (in Japan) the rows were written on."""
from __future__ import annotations

import csv
import io

import pytest

from shikaku.service_layer import audit_trail, commands, documents, members
from shikaku.service_layer.auth import Actor, Role
from shikaku.service_layer.context import in_japan, today_in_japan
from tests.builders import enrolled, insured_body, my_number
from tests.helpers import sign_in_staff

CLERK = Actor(Role.CLERK, "web-clerk")  # the user sign_in_staff(…, "clerk") makes
SUPERVISOR = Actor(Role.SUPERVISOR, "sato")


@pytest.fixture
def worked(ctx, monkeypatch):
    """A day of work: the clerk enrols two members, registers a 個人番号 and issues a notice; the
    supervisor records a loss; a My Number search (a look-up, not work) is made too."""
    monkeypatch.setattr(ctx, "today", today_in_japan)  # the audit rows' own day
    first = enrolled(ctx, CLERK, insured_body(name="受付 一郎", my_number=None))
    second = enrolled(ctx, CLERK, insured_body(name="受付 二郎"))
    members.register_my_number(ctx, CLERK, first.id, commands.MyNumberRegistration(my_number=my_number(),
                                                                                    registered_on="2026-05-01"))
    documents.issue_notice(ctx, CLERK, second.id, commands.NoticeApplication(reason="initial"))
    members.disqualify(ctx, SUPERVISOR, second.id, commands.Disqualification(
        disqualified_on="2026-05-31", registered_on="2026-05-29", reason="retirement"))
    members.search_by_my_number(ctx, CLERK, my_number())
    items, _ = audit_trail.read(ctx, Actor(Role.ADMIN, "t"), limit=1)
    return {"first": first, "second": second, "day": in_japan(items[0]["at"]).date().isoformat()}


def test_the_day_by_clerk(client, ctx, worked):
    sign_in_staff(client, ctx, "clerk")
    page = client.get(f"/staff/today?day={worked['day']}")
    assert page.status_code == 200, page.text
    text = page.text
    by_clerk = text[text.index('id="by-clerk"'):text.index("</table>", text.index('id="by-clerk"'))]
    assert by_clerk.index("web-clerk") < by_clerk.index("sato")  # most work first
    assert "4件" in by_clerk and "1件" in by_clerk and "合計 5件" in text
    assert "資格取得の登録：2件" in text and "資格喪失の登録：1件" in text
    assert "個人番号による加入者検索" not in text  # a look-up, not work
    assert f'href="/staff/members/{worked["first"].id}">受付 一郎' in text
    assert f'href="/staff/members/{worked["second"].id}">受付 二郎' in text


def test_the_csv_of_the_day(client, ctx, worked):
    sign_in_staff(client, ctx, "auditor")
    answer = client.get(f"/staff/today?day={worked['day']}&format=csv&encoding=cp932")
    assert answer.status_code == 200 and answer.headers["x-shikaku-rows"] == "5"
    rows = list(csv.reader(io.StringIO(answer.content.decode("cp932"), newline="")))
    assert rows[0] == ["日時", "担当者", "役割", "操作", "操作コード", "加入者", "加入者ID・対象"]
    assert [row[4] for row in rows[1:]] == ["member.enrol", "member.enrol", "member.my_number", "notice.issue",
                                            "member.disqualify"]
    assert {row[1] for row in rows[1:]} == {"web-clerk", "sato"}
    exported, _ = audit_trail.read(ctx, Actor(Role.ADMIN, "t"), action="export.csv")
    assert exported[0]["target"] == "today" and exported[0]["detail"]["day"] == worked["day"]


def test_another_day_is_empty_and_a_bad_day_is_said(client, ctx, worked):
    sign_in_staff(client, ctx, "clerk")
    empty = client.get("/staff/today?day=2026-01-05")
    assert empty.status_code == 200 and "この日の受付はありません" in empty.text
    for bad in ("2026-02-30", "2999-01-01", "abc"):
        refused = client.get(f"/staff/today?day={bad}")
        assert refused.status_code == 422 and "日付は" in refused.text, bad

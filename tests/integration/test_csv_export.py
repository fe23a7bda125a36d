"""CSV export of the staff lists (issue 14, item 8; D-134, D-135) through the real pages and
database: the search in CP932 (bytes that decode, 〓 for what CP932 cannot hold, counted in the
file and the audit row) and in UTF-8 with a BOM; no 個人番号 in any file; formula cells quoted;
the audit log and the runs list; every export audited with who, which list and how many rows.
On SQLite, and on PostgreSQL when SHIKAKU_TEST_DB_URL names one (conftest)."""
from __future__ import annotations

import csv
import io
from urllib.parse import quote

import pytest

from shikaku.service_layer import audit_trail
from shikaku.service_layer.auth import Actor, Role
from tests.builders import insured_body
from tests.helpers import sign_in_staff

HOSTILE = '=HYPERLINK("http://evil.example","x")'
NAMES = ["𠮷田 一郎", HOSTILE, "吉田 花子"]
KANA = "ヨシダ"


@pytest.fixture
def yoshida(client) -> list[dict]:
    """Three insured whose フリガナ begins with ヨシダ: one with 𠮷 (not in CP932), one named
    like a formula, one plain; each with a 個人番号."""
    made = []
    for n, name in enumerate(NAMES):
        body = insured_body(name=name, name_kana=f"{KANA} {'イチロウ ハナコ タロウ'.split()[n]}")
        answer = client.post("/api/v1/members", json=body)
        assert answer.status_code == 201, answer.text
        made.append({**answer.json(), "my_number_clear": body["my_number"]})
    return made


def _rows(content: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode(encoding), newline="")))


def _exports(ctx) -> list[dict]:
    items, _ = audit_trail.read(ctx, Actor(Role.ADMIN, "test"), action="export.csv")
    return items


def _no_my_number(content: bytes, encoding: str, members: list[dict]) -> None:
    text = content.decode(encoding)
    for m in members:
        assert m["my_number_clear"] not in text and m["my_number_clear"][-4:] not in text
    assert "********" not in text


def test_search_in_cp932(client, ctx, yoshida):
    sign_in_staff(client, ctx, "clerk")
    answer = client.get(f"/staff/?kana={quote(KANA)}&format=csv&encoding=cp932")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv; charset=shift_jis")
    assert answer.headers["content-disposition"].endswith('-sjis.csv"')
    assert not answer.content.startswith(b"\xef\xbb\xbf")
    rows = _rows(answer.content, "cp932")  # strict: every byte decodes
    header, data, note = rows[0], rows[1:-1], rows[-1]
    assert header[:6] == ["記号", "番号", "枝番", "氏名", "フリガナ", "生年月日"] and "個人番号の登録" in header
    assert sorted(row[3] for row in data) == sorted(["〓田 一郎", "'" + HOSTILE, "吉田 花子"])
    assert {row[5] for row in data} == {"1980-05-10"}  # ISO dates
    assert {row[header.index("個人番号の登録")] for row in data} == {"あり"}
    assert note[0].startswith("※") and "1文字" in note[0]
    assert answer.headers["x-shikaku-replaced"] == "1" and answer.headers["x-shikaku-rows"] == "3"
    _no_my_number(answer.content, "cp932", yoshida)
    [audited] = _exports(ctx)
    assert (audited["actor"], audited["role"], audited["target"]) == ("web-clerk", "clerk", "members.search")
    assert audited["detail"]["rows"] == 3 and audited["detail"]["encoding"] == "cp932"
    assert audited["detail"]["replaced"] == 1 and audited["detail"]["criteria"] == {"kana": KANA}


def test_search_in_utf8_with_bom(client, ctx, yoshida):
    sign_in_staff(client, ctx, "auditor")
    answer = client.get(f"/staff/?kana={quote(KANA)}&format=csv&encoding=utf-8-sig")
    assert answer.status_code == 200 and answer.content.startswith(b"\xef\xbb\xbf")
    rows = _rows(answer.content, "utf-8-sig")
    assert len(rows) == 4  # no note: nothing replaced
    assert sorted(row[3] for row in rows[1:]) == sorted(["𠮷田 一郎", "'" + HOSTILE, "吉田 花子"])
    _no_my_number(answer.content, "utf-8-sig", yoshida)
    assert _exports(ctx)[0]["detail"]["replaced"] == 0


def test_the_page_offers_both_files(client, ctx, yoshida):
    sign_in_staff(client, ctx, "clerk")
    page = client.get(f"/staff/?kana={quote(KANA)}").text
    assert "format=csv&amp;encoding=cp932" in page and "format=csv&amp;encoding=utf-8-sig" in page
    assert _exports(ctx) == []  # showing the page exports nothing


def test_search_export_takes_more_than_the_page(client, ctx, monkeypatch, yoshida):
    from shikaku.service_layer import members

    monkeypatch.setattr(members, "SEARCH_LIMIT", 2)  # the page's limit: the file is not cut by it
    sign_in_staff(client, ctx, "clerk")
    answer = client.get(f"/staff/?kana={quote(KANA)}&format=csv")
    assert len(_rows(answer.content, "utf-8-sig")) == 4


def test_refused_search_is_the_page_not_a_file(client, ctx):
    sign_in_staff(client, ctx, "clerk")
    answer = client.get("/staff/?symbol=abc&format=csv")
    assert answer.headers["content-type"].startswith("text/html") and _exports(ctx) == []


def test_audit_log(client, ctx, yoshida):
    sign_in_staff(client, ctx, "auditor")
    number = yoshida[0]["my_number_clear"]
    form = client.get("/staff/")
    from tests.helpers import csrf_token

    client.post("/staff/search/my-number", data={"my_number": number, "csrf_token": csrf_token(form.text)})
    answer = client.get("/staff/audit?format=csv&encoding=cp932")
    assert answer.status_code == 200
    rows = _rows(answer.content, "cp932")
    assert rows[0] == ["日時", "利用者", "役割", "操作", "操作コード", "対象", "接続元", "詳細"]
    codes = [row[4] for row in rows[1:]]
    assert "member.search.my_number" in codes and "member.enrol" in codes
    assert rows[1][4] == "member.search.my_number"  # newest first
    _no_my_number(answer.content, "cp932", yoshida)
    filtered = _rows(client.get("/staff/audit?action=member.enrol&format=csv").content, "utf-8-sig")
    assert {row[4] for row in filtered[1:]} == {"member.enrol"} and len(filtered) == 4
    assert [e["detail"]["criteria"] for e in _exports(ctx)] == [{"action": "member.enrol"}, {}]


def test_runs_list_and_run_items(client, ctx):
    for name in ("試験 一", "-2+3"):
        assert client.post("/api/v1/members", json=insured_body(name=name, registered_on="2026-05-27")).status_code == 201
    run = client.post("/api/v1/ex-officio-runs", json={"run_on": "2026-06-01", "cohort": "all_without_myna"}).json()
    sign_in_staff(client, ctx, "supervisor")
    listed = _rows(client.get("/staff/runs?format=csv&encoding=cp932").content, "cp932")
    assert listed[0][:4] == ["処理番号", "種類", "内容", "処理日"]
    assert [row[0] for row in listed[1:]] == [run["id"]] and listed[1][3] == "2026-06-01"
    items = _rows(client.get(f"/staff/runs/{run['id']}?format=csv&encoding=cp932").content, "cp932")
    assert items[0][:2] == ["連番", "交付番号"] and len(items) == 3
    assert sorted(row[items[0].index("氏名")] for row in items[1:]) == ["'-2+3", "試験 一"]
    assert [e["target"] for e in _exports(ctx)] == ["run.items", "runs"]


def test_roles_that_may_not_read_a_list_get_no_file(client, ctx):
    sign_in_staff(client, ctx, "clerk")
    assert client.get("/staff/audit?format=csv").status_code == 403
    assert client.get("/staff/runs?format=csv").status_code == 403
    assert _exports(ctx) == []

"""Bad input that answered 500 or was stored as typed (issue 12, items 5 and 9), by hand: dates
past what the date arithmetic handles (D-92), a page past BIGINT, ids no run has (and no
temporary file named after them), and names with control, bidi or zero-width characters. Each
is a clear 422 (404 for what does not exist), names the field, and stores nothing. On SQLite,
and on PostgreSQL when SHIKAKU_TEST_DB_URL names one (conftest)."""
from __future__ import annotations

import tempfile

import pytest
from sqlalchemy import func, select

from shikaku.adapters.db.schema import (
    api_tokens,
    audit_log,
    certificate_runs,
    eligibility_certificates,
    facilities,
    members,
    registrations,
)
from tests.builders import enrol, enrol_with_card, insured_body, insured_row, my_number
from tests.helpers import sign_in_staff
from tests.integration.test_exchange import run
from tests.integration.test_portal import sign_in

TABLES = (members, registrations, audit_log, certificate_runs, eligibility_certificates, facilities,
          api_tokens)
RANGE = "は 1900-01-01 から 2099-12-31 までの日付で入力してください"
OVERFLOWING = ("9999-12-29", "9999-12-31")


def stored(ctx) -> dict[str, int]:
    with ctx.connection() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def refused(answer, field: str, code: str, message: str | None = None) -> None:
    """A 422 whose errors name `field` with `code` (and the Japanese message)."""
    assert answer.status_code == 422, answer.text
    [error] = [e for e in answer.json()["errors"] if e["field"] == field]
    assert error["code"] == code, error
    if message is not None:
        assert error["message"] == message


@pytest.fixture
def member(client) -> dict:
    return enrol(client)


# ------------------------------------------------------------------------------ dates (item 5)

def test_a_renewal_run_in_the_year_9999(client, ctx):
    before = stored(ctx)
    answer = client.post("/api/v1/renewal-runs", json={"run_on": "9999-12-31", "dry_run": True})
    refused(answer, "run_on", "date_out_of_range", "処理日" + RANGE)
    assert stored(ctx) == before


@pytest.mark.parametrize("registered_on", OVERFLOWING)
def test_a_registration_day_whose_publication_day_overflows(client, ctx, member, registered_on):
    before = stored(ctx)
    path = f"/api/v1/members/{member['id']}"
    for method, url, body in (
            ("POST", "/api/v1/members", insured_body(registered_on=registered_on)),
            ("PATCH", path, {"name": "試験 次郎", "effective_on": "2026-01-01", "registered_on": registered_on}),
            ("POST", f"{path}/disqualification", {"disqualified_on": "2026-01-01", "reason": "retirement",
                                                  "registered_on": registered_on}),
            ("PUT", f"{path}/my-number", {"my_number": my_number(), "registered_on": registered_on})):
        refused(client.request(method, url, json=body), "registered_on", "date_out_of_range", "登録日" + RANGE)
    assert stored(ctx) == before


def test_year_one_is_no_application_date(client, ctx, member):
    before = stored(ctx)
    for field, label in (("birth_date", "生年月日"), ("qualified_on", "資格取得日"), ("registered_on", "登録日"),
                         ("coverage_ends_on", "資格終了予定日")):
        answer = client.post("/api/v1/members", json=insured_body(**{field: "0001-01-01"}))
        refused(answer, field, "date_out_of_range", label + RANGE)
    refused(client.post(f"/api/v1/members/{member['id']}/eligibility-certificates",
                        json={"reason": "no_card", "applied_on": "0001-01-01"}),
            "applied_on", "date_out_of_range", "申請日" + RANGE)
    refused(client.post("/api/v1/ex-officio-runs", json={"run_on": "0001-01-01"}), "run_on", "date_out_of_range")
    assert stored(ctx) == before


def test_the_edges_of_the_range_are_accepted(client):
    last = client.post("/api/v1/members", json=insured_body(registered_on="2099-12-31"))
    assert last.status_code == 201 and last.json()["online_available_from"] == "2100-01-05"
    first = client.post("/api/v1/members", json=insured_body(
        birth_date="1900-01-01", qualified_on="1950-04-01", registered_on="1950-04-03"))
    assert first.status_code == 201, first.text
    for day in ("1899-12-31", "2100-01-01"):
        refused(client.post("/api/v1/members", json=insured_body(registered_on=day)), "registered_on",
                "date_out_of_range")


def test_date_query_parameters(client, member):
    for day in ("0001-01-01", "9999-12-31"):
        for url in (f"/api/v1/members/{member['id']}", "/api/v1/members",
                    f"/api/v1/members/{member['id']}/eligibility-certificates"):
            refused(client.get(url, params={"as_of": day}), "as_of", "date_out_of_range", "日付" + RANGE)
        refused(client.get("/api/v1/self-pay-limits", params={"category": "A03", "medical_cost": 1000000,
                                                              "month": day}), "month", "date_out_of_range")
        refused(client.delete("/api/v1/myna/cards/CARD1/insurance-registration", params={"cancelled_on": day}),
                "cancelled_on", "date_out_of_range")
    assert client.get(f"/api/v1/members/{member['id']}", params={"as_of": "2099-12-31"}).status_code == 200


def test_verification_dates(client, member):
    facility = client.post("/api/v1/facilities", json={"code": "1310112345", "name": "試験医院"}).json()
    headers = {"Authorization": f"Bearer {facility['token']}"}
    query = {"method": "card_info", "insurer_number": "06139992", "symbol": member["symbol"],
             "number": member["number"], "branch": "00", "birth_date": "1980-05-10"}
    for day in ("0001-01-01", "9999-12-31"):
        refused(client.post("/api/v1/verifications", json={**query, "service_date": day}, headers=headers),
                "card_info.service_date", "date_out_of_range", "診療日" + RANGE)
        refused(client.post("/api/v1/verification-batches", json={"service_date": "2026-06-01", "items": [
            {**query, "birth_date": day}]}, headers=headers), "items.0.birth_date", "date_out_of_range")


def test_a_date_cell_of_an_import_out_of_range(ctx, admin):
    before = stored(ctx)
    result = run(ctx, admin, [insured_row(受付日="9999-12-31"), insured_row(number="6", 生年月日="0001-01-01")])
    assert result.status == "refused"
    assert {(e.row, e.column, e.code) for e in result.errors} == {
        (2, "受付日", "date_out_of_range"), (3, "生年月日", "date_out_of_range")}
    assert {k: v for k, v in stored(ctx).items() if k != "audit_log"} == \
        {k: v for k, v in before.items() if k != "audit_log"}  # the refused import itself is audited


# ------------------------------------------------------------------------ pages and ids (item 5)

def test_a_portal_page_past_bigint(client):
    enrol_with_card(client, "CARDBIGPAGE1")
    assert sign_in(client, "CARDBIGPAGE1").status_code == 303
    for page in ("9223372036854775807", str(2**64), "184467440737095517"):
        assert client.get(f"/portal/history?page={page}").status_code == 422
    assert client.get("/portal/history?page=2").status_code == 200  # past the end: an empty page


BAD_IDS = ("%00", "x" * 300, "1" * 300, "9" * 20, "%E2%80%AE1")


@pytest.fixture
def temporary_files(tmp_path, monkeypatch):
    """The directory the web routes' temporary files go to (checked empty afterwards)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("bad", BAD_IDS)
def test_web_routes_with_an_id_no_row_has(client, ctx, member, temporary_files, bad):
    sign_in_staff(client, ctx, "supervisor")
    before = stored(ctx)
    for path in ("/staff/runs/{}/print-file", "/staff/runs/{}/mailers.pdf", "/staff/runs/{}/manifest", "/staff/runs/{}",
                 "/staff/runs/{}/progress", "/staff/members/{}", "/staff/members/{}/amend",
                 "/staff/members/{}/certificates/new", "/staff/imports/{}", "/staff/imports/{}/progress",
                 "/staff/certificates/{}/pdf", "/staff/documents/{}/pdf"):
        answer = client.get(path.format(bad))
        assert answer.status_code == 404, (path, answer.status_code)
    assert list(temporary_files.iterdir()) == []  # no file was made, let alone one named after the URL
    assert stored(ctx) == before


def test_the_print_file_of_a_run_is_named_after_the_run(client, ctx, member, temporary_files):
    run = client.post("/api/v1/ex-officio-runs", json={"run_on": "2026-06-01", "cohort": "all_without_myna"})
    assert run.status_code == 201
    sign_in_staff(client, ctx, "supervisor")
    answer = client.get(f"/staff/runs/0{run.json()['id']}/print-file")
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF")
    assert f'filename="run-{run.json()["id"]}.pdf"' in answer.headers["content-disposition"]


# ------------------------------------------------------------------------------ names (item 9)

BAD_CHARACTERS = {"NUL": "\x00", "BEL": "\x07", "ESC": "\x1b", "DEL": "\x7f", "C1 CSI": "\x9b",
                  "TAB": "\t", "LF": "\n", "RLO U+202E": "\u202e", "LRI U+2066": "\u2066",
                  "ALM U+061C": "\u061c", "ZWSP U+200B": "\u200b", "ZWJ U+200D": "\u200d",
                  "WJ U+2060": "\u2060", "BOM U+FEFF": "\ufeff", "LS U+2028": "\u2028",
                  "selector U+FE0F after a space": " \ufe0f"}


@pytest.mark.parametrize("char", BAD_CHARACTERS.values(), ids=BAD_CHARACTERS.keys())
@pytest.mark.parametrize(("field", "label", "value"), [("name", "氏名", "試験{}太郎"),
                                                      ("name_kana", "フリガナ", "シケン{}タロウ")])
def test_an_enrolment_with_a_bad_character(client, ctx, char, field, label, value):
    before = stored(ctx)
    answer = client.post("/api/v1/members", json=insured_body(**{field: value.format(char)}))
    refused(answer, field, "invalid_characters", f"{label}に使用できない文字（制御文字など）が含まれています")
    assert char not in answer.text
    assert stored(ctx) == before


def test_other_text_fields_refuse_them_too(client, ctx, member):
    before = stored(ctx)
    path = f"/api/v1/members/{member['id']}"
    refused(client.patch(path, json={"name": "試験\x00次郎", "effective_on": "2026-01-01"}), "name",
            "invalid_characters")
    refused(client.post(f"{path}/eligibility-certificates", json={"reason": "other", "note": "理由\x1b[2J"}),
            "note", "invalid_characters", "備考に使用できない文字（制御文字など）が含まれています")
    refused(client.post(f"{path}/eligibility-certificates", json={
        "reason": "no_card", "override_note": "確認済み\u202e"}), "override_note", "invalid_characters")
    refused(client.post("/api/v1/facilities", json={"code": "1310112345", "name": "試験\u200b医院"}),
            "name", "invalid_characters", "名称に使用できない文字（制御文字など）が含まれています")
    refused(client.post("/api/v1/tokens", json={"role": "clerk", "subject": "tanto\x00"}), "subject",
            "invalid_characters")  # PostgreSQL used to refuse the NUL as a database error
    assert stored(ctx) == before


def test_ordinary_japanese_names_are_stored_as_typed(client):
    for name, kana in (("髙橋　々子", "タカハシ　ササコ"), ("辻\U000e0101 ヶ丘", "ツジ ガオカ"),
                       ("葛\U000e0100城 𠮷男", "カツラギ ヨシオ")):
        answer = client.post("/api/v1/members", json=insured_body(name=name, name_kana=kana))
        assert answer.status_code == 201, answer.text
        assert client.get(f"/api/v1/members/{answer.json()['id']}").json()["name"] == name
    note = client.post(f"/api/v1/members/{answer.json()['id']}/eligibility-certificates",
                       json={"reason": "no_card", "note": "窓口で申請。\r\n本人確認済み"})
    assert note.status_code == 201, note.text


def test_the_web_form_shows_the_refusal_by_the_field(client, ctx, member):
    csrf = sign_in_staff(client, ctx, "clerk")
    before = stored(ctx)
    answer = client.post(f"/staff/members/{member['id']}/amend", data={
        "csrf_token": csrf, "name": "試験\u202e次郎", "effective_on": "2026-06-01", "registered_on": "2026-06-01"})
    assert answer.status_code == 422 and "氏名に使用できない文字（制御文字など）が含まれています" in answer.text
    assert stored(ctx) == before


def test_an_import_row_with_a_nul_in_a_name(ctx, admin):
    before = stored(ctx)
    result = run(ctx, admin, [insured_row(氏名="山田\x00太郎"), insured_row(number="6", 氏名カナ="ヤマダ\u200bタロウ")])
    assert result.status == "refused"
    assert [(e.row, e.column, e.code, e.value, e.message) for e in result.errors] == [
        (2, "氏名", "invalid_characters", "山田\ufffd太郎", "氏名に使用できない文字（制御文字など）が含まれています"),
        (3, "氏名カナ", "invalid_characters", "ヤマダ\ufffdタロウ",
         "氏名カナに使用できない文字（制御文字など）が含まれています")]
    assert {k: v for k, v in stored(ctx).items() if k != "audit_log"} == \
        {k: v for k, v in before.items() if k != "audit_log"}

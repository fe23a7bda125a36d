"""The staff forms read what a clerk types the way the import does (issue 14, item 6): 和暦 and
shorthand (`S55.1.19`, `R8.4.1`), full-width digits and `300,000円` in every date and amount
field; each refusal names its field by its label, a day that does not exist says so, and a
length limit is stated; the error is tied to its control (aria-describedby), radios included."""
from __future__ import annotations

import re
from datetime import date

import pytest

from shikaku.entrypoints.web import form_input
from shikaku.service_layer import commands
from tests.builders import enrol
from tests.helpers import sign_in_staff

# The commands of the staff forms (members.FORMS, the enrolment form and the runs' form).
FORM_COMMANDS = [commands.Enrolment, commands.Amendment, commands.Disqualification, commands.MyNumberRegistration,
                 commands.CertificateApplication, commands.NoticeApplication, commands.LimitApplication,
                 commands.SpecificDiseaseApplication, commands.ElderlyApplication, commands.CertificateRun,
                 commands.RenewalRun]
DATES = {"S55.1.19": date(1980, 1, 19), "R8.4.1": date(2026, 4, 1), "昭和５５年１月１９日": date(1980, 1, 19),
         "２０２６－０４－０１": date(2026, 4, 1)}
AMOUNTS = {"300,000円": 300_000, "３００，０００円": 300_000, "300000": 300_000}


def _fields(kind: str) -> list[tuple[type, str]]:
    return [(model, name) for model in FORM_COMMANDS for name, what in form_input.schema_of(model).items()
            if what[kind]]


def test_the_forms_have_date_and_amount_fields():
    assert len(_fields("date")) >= 15 and (commands.Enrolment, "standard_monthly_remuneration") in _fields("amount")


@pytest.mark.parametrize("model, name", _fields("date"), ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("typed, day", DATES.items())
def test_every_date_field_takes_wareki_and_full_width(model, name, typed, day):
    values, errors = form_input.read(model, {name: typed})
    assert errors == {} and values[name] == day.isoformat()


@pytest.mark.parametrize("model, name", _fields("amount"), ids=lambda v: getattr(v, "__name__", v))
@pytest.mark.parametrize("typed, amount", AMOUNTS.items())
def test_every_amount_field_takes_commas_full_width_and_yen(model, name, typed, amount):
    values, errors = form_input.read(model, {name: typed})
    assert errors == {} and values[name] == amount


def _post(client, path: str, token: str, **typed):
    return client.post(path, data={**typed, "csrf_token": token}, follow_redirects=False)


def test_an_enrolment_typed_in_wareki_and_full_width_is_registered(client, ctx):
    token = sign_in_staff(client, ctx, "clerk")
    done = _post(client, "/staff/members/new", token, name="和暦 太郎", name_kana="ワレキ タロウ", birth_date="S55.1.19",
                 sex="male", symbol="7401", qualified_on="R8.4.1", standard_monthly_remuneration="３００，０００円")
    assert done.status_code == 303, done.text[:3000]
    page = client.get(done.headers["location"]).text
    assert "昭和55年1月19日" in page and "令和8年4月1日" in page and "300,000" in page


def test_an_empty_enrolment_names_each_missing_field_by_its_label(client, ctx):
    token = sign_in_staff(client, ctx, "clerk")
    html = _post(client, "/staff/members/new", token).text
    for label in ("氏名", "フリガナ", "生年月日", "性別", "資格取得日"):
        assert re.search(rf'<a href="#f-\w+">{label}[^<：]*：', html), label
    assert html.count("必須項目です") >= 5
    # each message is tied to its control
    assert 'id="e-name"' in html and re.search(r'id="f-name"[^>]*aria-describedby="e-name', html)


def test_february_30th_does_not_exist(client, ctx):
    token = sign_in_staff(client, ctx, "clerk")
    html = _post(client, "/staff/members/new", token, name="試験 花子", name_kana="シケン ハナコ", birth_date="1990/02/30",
                 sex="female", symbol="7402", qualified_on="2026-04-01", standard_monthly_remuneration="300000").text
    assert "存在しない日付です" in html and "生年月日：存在しない日付です" in html
    assert 'value="1990/02/30"' in html  # kept as typed


def test_the_length_limit_is_stated_and_enforced(client, ctx):
    token = sign_in_staff(client, ctx, "clerk")
    form = client.get("/staff/members/new").text
    limit = form_input.max_length(commands.Enrolment, "name")
    assert f"{limit}文字以内" in form and f'maxlength="{limit}"' in form
    html = _post(client, "/staff/members/new", token, name="長" * (limit + 1), name_kana="ナガイ", birth_date="1990-01-01",
                 sex="female", symbol="7403", qualified_on="2026-04-01", standard_monthly_remuneration="300000").text
    assert f"{limit}文字以内で入力してください" in html and "氏名：" in html


def test_a_radio_group_error_is_described_on_each_radio(client, ctx):
    member = enrol(client)
    token = sign_in_staff(client, ctx, "clerk")
    html = _post(client, f"/staff/members/{member['id']}/notices/new", token, applied_on="2026-04-01").text
    radios = re.findall(r'<input id="f-reason-\d+" type="radio"[^>]*>', html)
    assert radios and all('aria-describedby="e-reason' in r and 'aria-invalid="true"' in r for r in radios)

"""CSV formula injection (issue 12, item 4): members whose names begin with `=`, `-`, `+` or `@`,
enrolled through the API, appear in every CSV shikaku writes — the run manifest (API and web
page), `shikaku export without-myna` and `shikaku export registrations` — as text a spreadsheet
cannot run (a leading `'`), and the registration file still imports back into the same names.
On SQLite, and on PostgreSQL when SHIKAKU_TEST_DB_URL names one (conftest)."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import delete
from typer.testing import CliRunner

from shikaku.adapters.db.schema import family_snapshots, import_files, members, registrations, symbols
from shikaku.entrypoints.cli import app
from tests.builders import insured_body, reading
from tests.helpers import sign_in_staff

runner = CliRunner()
NAMES = ['=HYPERLINK("http://evil.example","x")', "-2+3", "+81 太郎", "@SUM(A1:A9)"]
REGISTERED = "2026-05-27"  # a Wednesday: published (翌々営業日) on Friday 2026-05-29
PUBLISHED = "2026-05-29"


@pytest.fixture
def hostile(client) -> list[dict]:
    """Four insured with a 個人番号 but no card (so ex officio gets them), named like formulas."""
    enrolled = []
    for n, name in enumerate(NAMES):  # readings of their own: the import back asks about no duplicate
        answer = client.post("/api/v1/members", json=insured_body(name=name, name_kana=reading(n),
                                                                  registered_on=REGISTERED))
        assert answer.status_code == 201, answer.text
        enrolled.append(answer.json())
    return enrolled


def _rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def _escaped(cells: list[str]) -> None:
    assert sorted(cells) == sorted("'" + name for name in NAMES)
    assert any(cell.startswith("'=") for cell in cells)


def _run(client) -> str:
    run = client.post("/api/v1/ex-officio-runs", json={"run_on": "2026-06-01", "cohort": "all_without_myna"})
    assert run.status_code == 201 and run.json()["issued"] == len(NAMES), run.text
    return run.json()["id"]


def test_the_run_manifest_over_the_api(client, hostile):
    manifest = client.get(f"/api/v1/runs/{_run(client)}/manifest")
    assert manifest.status_code == 200 and manifest.content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    rows = _rows(manifest.content.decode("utf-8-sig"))
    _escaped([row["氏名"] for row in rows])
    assert [row["連番"] for row in rows] == ["1", "2", "3", "4"]  # numbers are not escaped


def test_the_run_manifest_of_the_web_page(client, ctx, hostile):
    run_id = _run(client)
    sign_in_staff(client, ctx, "supervisor")
    manifest = client.get(f"/staff/runs/{run_id}/manifest")
    assert manifest.status_code == 200
    _escaped([row["氏名"] for row in _rows(manifest.content.decode("utf-8-sig"))])


def test_the_cli_exports(ctx, db_url, hostile, tmp_path):
    without = tmp_path / "without.csv"
    listed = runner.invoke(app, ["export", "without-myna", "--month", "2026-06", "--out", str(without),
                                 "--db", db_url])
    assert listed.exit_code == 0, listed.output
    _escaped([row["氏名"] for row in _rows(without.read_text(encoding="utf-8-sig"))])
    registrations_file = tmp_path / "registrations.csv"
    done = runner.invoke(app, ["export", "registrations", "--date", PUBLISHED, "--out", str(registrations_file),
                               "--db", db_url])
    assert done.exit_code == 0, done.output
    rows = _rows(registrations_file.read_text(encoding="utf-8-sig"))
    _escaped([row["氏名"] for row in rows])
    assert {row["標準報酬月額"] for row in rows} == {"300000"}


def test_the_registration_file_imports_back_into_the_same_names(client, ctx, db_url, hostile, tmp_path):
    path = tmp_path / "national.csv"
    assert runner.invoke(app, ["export", "registrations", "--date", PUBLISHED, "--out", str(path),
                               "--db", db_url]).exit_code == 0
    with ctx.engine.begin() as conn:  # an empty registry (the society and its audit log stay)
        for table in (family_snapshots, registrations, members, symbols, import_files):
            conn.execute(delete(table))
    imported = runner.invoke(app, ["import", str(path), "--db", db_url])
    assert imported.exit_code == 0, imported.output
    names = [m["name"] for m in client.get("/api/v1/members", params={"limit": 10}).json()["items"]]
    assert sorted(names) == sorted(NAMES)

"""The runs (service_layer.runs) against the in-memory unit of work: 職権交付 (R-CERT-4) by cohort,
dry runs, batches and resumption, 更新 (R-CERT-8) and its refusals, and the print order."""
from __future__ import annotations

from datetime import date

import pytest

from shikaku.domain.certificates import CertificateReason
from shikaku.domain.errors import DomainError
from shikaku.domain.myna import MynaCard
from shikaku.domain.registry import Relationship
from shikaku.service_layer import addresses, commands, documents, members, runs
from shikaku.service_layer.auth import Actor, Forbidden, Role
from tests.service.fakes_verification import INSURER

RUN_ON = date(2025, 10, 1)
MY_NUMBER = "123456789018"


@pytest.fixture
def admin() -> Actor:
    return Actor(Role.ADMIN, "admin")


@pytest.fixture
def ctx(ctx):
    ctx.insurer = dict(INSURER)  # printed on the cards of the manifest
    return ctx


def enrol(ctx, admin, symbol: str = "1234", qualified_on: date = date(2019, 4, 1), **fields) -> members.MemberView:
    values = dict(relationship=Relationship.INSURED, symbol=symbol, name="山田 太郎", name_kana="ヤマダ タロウ",
                  birth_date=date(1980, 4, 2), sex="male", qualified_on=qualified_on,
                  registered_on=qualified_on, standard_monthly_remuneration=300_000)
    return members.enrol(ctx, admin, commands.Enrolment(**values | fields))


def myna_user(ctx, admin, store, **fields) -> members.MemberView:
    member = enrol(ctx, admin, my_number=MY_NUMBER, **fields)
    store.cards[ctx.vault.lookup_hash(MY_NUMBER)] = [MynaCard("C1", date(2031, 12, 31), date(2021, 10, 20))]
    return member


def ex_officio(ctx, admin, **fields) -> dict:
    return runs.ex_officio(ctx, admin, commands.CertificateRun(**dict(run_on=RUN_ON) | fields))


def held(store, member) -> list:
    return [c for c in store.certificates if c.member_id == int(member.id)]


def test_ex_officio_issues_those_without_myna_once(ctx, admin, store):
    plain = [enrol(ctx, admin, symbol) for symbol in ("3000", "1000", "2000")]
    user = myna_user(ctx, admin, store)
    run = ex_officio(ctx, admin)
    assert (run["status"], run["issued"], run["skipped"], run["finished_at"] is not None) == ("completed", 3, 1, True)
    assert held(store, user) == []
    for member in plain:
        [cert] = held(store, member)
        assert (cert.reason, cert.valid_from, cert.expires_on, cert.run_id) == \
            (CertificateReason.EX_OFFICIO, RUN_ON, date(2029, 11, 30), int(run["id"]))
    assert [a["action"] for a in store.audit][-1] == "run.ex_officio.start"
    assert store.audit[-1]["detail"] == {"run_on": "2025-10-01", "cohort": "legacy_holders", "dry_run": False}
    again = ex_officio(ctx, admin, run_on=date(2025, 10, 2))
    assert (again["issued"], again["skipped"], len(store.certificates)) == (0, 4, 3)


def test_the_manifest_lists_the_run_in_postal_order(ctx, admin):
    """By the 郵便番号 the card is mailed to; members with nowhere to mail to last (D-117)."""
    for symbol, postcode in (("3000", "100-0001"), ("1000", None), ("2000", "060-0001")):
        member = enrol(ctx, admin, symbol)
        if postcode:
            addresses.set_address(ctx, admin, member.id, commands.AddressChange(
                postcode=postcode, address="東京都千代田区千代田1-1", registered_on=RUN_ON))
    run = ex_officio(ctx, admin)
    lines = runs.manifest(ctx, admin, run["id"]).splitlines()
    assert lines[0].startswith("連番,交付番号,記号,番号,枝番,氏名")
    assert [line.split(",")[2] for line in lines[1:]] == ["2000", "3000", "1000"]
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "2", "3"]
    assert all(line.split(",")[5] == "山田 太郎" for line in lines[1:])
    assert [line.split(",")[-2:] for line in lines[1:]] == [["060-0001", "自宅"], ["100-0001", "自宅"], ["", "宛先なし"]]


def test_a_dry_run_counts_and_stores_no_certificate(ctx, admin, store):
    enrol(ctx, admin)
    run = ex_officio(ctx, admin, dry_run=True)
    assert (run["issued"], run["dry_run"], store.certificates, store.serials) == (1, True, [], {})


def test_the_legacy_cohort_leaves_out_later_enrolments(ctx, admin, store):
    late = enrol(ctx, admin, qualified_on=date(2025, 1, 6))
    assert ex_officio(ctx, admin)["issued"] == 0 and held(store, late) == []
    assert ex_officio(ctx, admin, cohort="all_without_myna")["issued"] == 1 and len(held(store, late)) == 1


def test_a_run_goes_batch_by_batch_and_a_second_start_resumes_it(ctx, admin, store, monkeypatch):
    monkeypatch.setattr(runs, "BATCH", 2)
    for _ in range(5):
        enrol(ctx, admin)
    run_id = runs.start_ex_officio(ctx, admin, commands.CertificateRun(run_on=RUN_ON))
    assert runs.start_ex_officio(ctx, admin, commands.CertificateRun(run_on=RUN_ON)) == run_id
    before = runs.progress_of(ctx, admin, run_id)
    assert (before["status"], before["done"], before["total"]) == ("running", 0, 5)
    seen = []
    done = runs.execute(ctx, admin, run_id, lambda n, total: seen.append((n, total)))
    assert seen == [(2, 5), (4, 5), (5, 5), (5, 5)]
    assert (done["issued"], done["status"], len(store.certificates)) == (5, "completed", 5)
    assert runs.progress_of(ctx, admin, run_id)["done"] == 5
    assert [r["id"] for r in runs.list_runs(ctx, admin)] == [run_id]


def test_a_clerk_cannot_run(ctx, clerk, store):
    with pytest.raises(Forbidden):
        runs.start_ex_officio(ctx, clerk, commands.CertificateRun(run_on=RUN_ON))
    assert store.runs == {}


def test_runs_exist_from_the_transition_only(ctx, admin, store):
    with pytest.raises(DomainError) as refused:
        ex_officio(ctx, admin, run_on=date(2024, 12, 1))
    assert refused.value.code == "before_certificates" and store.runs == {}


def test_a_renewal_issues_from_the_day_after_the_cycle_end(ctx, admin, store):
    member = enrol(ctx, admin)
    assisted = myna_user(ctx, admin, store, symbol="2000")
    for who, reason in ((member, CertificateReason.NO_CARD), (assisted, CertificateReason.NEEDS_ASSISTANCE)):
        documents.apply_for_certificate(ctx, admin, who.id, commands.CertificateApplication(
            reason=reason, applied_on=RUN_ON))
    for form, code in ((commands.RenewalRun(run_on=date(2029, 8, 31)), "outside_renewal_window"),
                       (commands.RenewalRun(run_on=date(2029, 9, 1), cycle_end=date(2029, 11, 29)), "not_a_cycle_end")):
        with pytest.raises(DomainError) as refused:
            runs.renewal(ctx, admin, form)
        assert refused.value.code == code and store.runs == {}
    run = runs.renewal(ctx, admin, commands.RenewalRun(run_on=date(2029, 9, 1)))
    assert (run["cohort"], run["issued"]) == ("2029-11-30", 2)
    for who in (member, assisted):
        renewed = held(store, who)[-1]
        assert (renewed.reason, renewed.valid_from, renewed.expires_on) == \
            (CertificateReason.RENEWAL, date(2029, 12, 1), date(2034, 11, 30))
    assert runs.renewal(ctx, admin, commands.RenewalRun(run_on=date(2029, 9, 2)))["issued"] == 0

"""Benchmark of the OQS interface (issue 15), all on this machine over loopback.

    .venv/bin/python bench/oqs.py [--members 100000] [--workers 2] [--db URL] [--files 1000]

Seeds a demo society, starts `shikaku serve` (rate limit off) and measures on the same server:
siquc01 XML verifications/s against JSON verifications/s of the same members under the same
load generator (wrk), each after a 3-second warm-up of both; one 10,000-item 一括照会 (muquc01 → muquc02): the seconds from acceptance
to answered (the server's own `received_at`/`answered_at`) and to the clinic holding the
answer; and the `shikaku oqs-terminal` round trip (a request file renamed into req/ until its
result is in res/) p50/p99 over `--files` files, one at a time. Prints a Markdown table for
docs/BENCHMARKS.md.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

from server import CLI, INSURER, benchmarked_society
from verification import post_script, wrk, wrk_script

FACILITY = "1310112345"
QC, BULK, RESULTS = ("/api/v1/oqs/qualification-confirmations", "/api/v1/oqs/bulk-confirmations",
                     "/api/v1/oqs/bulk-confirmations/results")


def search_info(query: dict) -> str:
    fields = {"InsurerNumber": INSURER, "InsuredCardSymbol": query["symbol"],
              "InsuredIdentificationNumber": query["number"], "InsuredBranchNumber": query["branch"],
              "Birthdate": query["birth_date"].replace("-", ""), "LimitApplicationCertificateRelatedConsFlg": "1"}
    return "<QualificationConfirmSearchInfo>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + \
        "</QualificationConfirmSearchInfo>"


def message(infos: list[str], day: str = "20260601") -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><XmlMsg><MessageHeader>'
            f"<QualificationConfirmationDate>{day}</QualificationConfirmationDate>"
            f"<MedicalInstitutionCode>{FACILITY}</MedicalInstitutionCode></MessageHeader>"
            f"<MessageBody>{''.join(infos)}</MessageBody></XmlMsg>")


def post_xml(base: str, token: str, path: str, body: str) -> ET.Element:
    request = urllib.request.Request(base + path, data=body.encode(), method="POST", headers={
        "Content-Type": "application/xml", "Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=300) as r:
        return ET.fromstring(r.read())


def xml_wrk_script(work: Path, token: str, bodies: list[str]) -> Path:
    return post_script(work / "oqs.lua", token, "application/xml", bodies)


def bulk_seconds(base: str, token: str, db_url: str, queries: list[dict]) -> tuple[float, float]:
    """(server processing s, acceptance to answers fetched s) of one 10,000-item bulk."""
    infos = [search_info(q) for q in (queries * (10_000 // len(queries) + 1))[:10_000]]
    accepted = post_xml(base, token, BULK, message(infos))
    number = accepted.findtext("MessageBody/ReceptionNumber")
    started = time.perf_counter()
    fetch = message([]).replace("<MessageBody></MessageBody>",
                                f"<MessageBody><ReceptionNumber>{number}</ReceptionNumber></MessageBody>")
    while (done := post_xml(base, token, RESULTS, fetch)).findtext("MessageHeader/SegmentOfResult") == "2":
        time.sleep(0.05)
    fetched = time.perf_counter() - started
    assert done.findtext("MessageHeader/NumberOfProcessingResult") == "10000", ET.tostring(done)[:300]
    return processing_seconds(db_url, number), fetched


def processing_seconds(db_url: str, number: str) -> float:
    from sqlalchemy import create_engine, select

    from shikaku.adapters.db.schema import oqs_bulks

    engine = create_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(select(oqs_bulks.c.received_at, oqs_bulks.c.answered_at)
                           .where(oqs_bulks.c.reception_number == number)).one()
    engine.dispose()
    return (row.answered_at - row.received_at).total_seconds()


def terminal_round_trips(base: str, token: str, queries: list[dict], files: int, work: Path) -> list[float]:
    folder = work / "terminal"
    terminal = subprocess.Popen([CLI, "oqs-terminal", "--dir", str(folder), "--server", base, "--token", token],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (folder / "req" / "processed").is_dir():
            time.sleep(0.05)
        times = []
        for n in range(files):
            aside = folder / f"request-{n}.xml"
            aside.write_text(message([search_info(queries[n % len(queries)])]))
            result = folder / "res" / f"OQSsiquc01res_{n:05d}.xml"
            started = time.perf_counter()
            aside.rename(folder / "req" / f"OQSsiquc01req_{n:05d}.xml")
            while not result.exists():
                time.sleep(0.001)
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        terminal.terminate()
        terminal.wait(30)


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--db", default=None)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    with benchmarked_society(args.members, args.workers, args.port, args.db, "shikaku-bench-oqs-") as bench:
        base, token, queries, work = bench.server.base, bench.token, bench.queries, bench.work
        sample = queries[:500]
        json_run = (base + "/api/v1/verifications", wrk_script(work, token, sample))
        xml_run = (base + QC, xml_wrk_script(work, token, [message([search_info(q)]) for q in sample]))
        for url, script in (json_run, xml_run):  # warm: the same members' pages in the cache for both
            wrk(url, script, 3, 50)
        as_json = wrk(*json_run, args.seconds, 50)
        as_xml = wrk(*xml_run, args.seconds, 50)
        processing, fetched = bulk_seconds(base, token, bench.db_url, queries)
        trips = terminal_round_trips(base, token, queries, args.files, work)
    print("| members | workers | JSON verifications/s | siquc01 XML/s | ratio | 10,000 bulk: processing s "
          "| accepted → answers fetched s | terminal p50 ms | terminal p99 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.members:,} | {args.workers} | {as_json:,.0f} | {as_xml:,.0f} | {as_xml / as_json:.2f} | "
          f"{processing:.2f} | {fetched:.2f} | {percentile(trips, 50):.0f} | {percentile(trips, 99):.0f} |")


if __name__ == "__main__":
    main()

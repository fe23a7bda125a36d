"""The soak (bench/soak.py, issue 7 item 8) runs in every `make test` so that it cannot rot: 20 s
at 200 verifications/s and 5 writes/s over a small society, in a fresh database of the kind
under test, passing the script's own checks (no error, the rate on target). With
`SHIKAKU_LONG_TESTS=1` it is the real soak: 10 minutes at 1,000/s over 100,000 members, with
the memory check (D-86)."""
from __future__ import annotations

import subprocess
import sys

from bench.server import ROOT
from tests.helpers import LONG_TESTS, fresh_database

SOAK = [sys.executable, str(ROOT / "bench" / "soak.py")]
# A 20-second run is all warm-up: its memory is reported, not judged (--max-growth).
SHORT = ["--minutes", "0.34", "--rate", "200", "--facilities", "4", "--members", "2000", "--sample", "2",
         "--max-growth", "1000"]
LONG = ["--minutes", "10", "--rate", "1000", "--facilities", "20", "--members", "100000"]


def test_soak_sends_everything_on_schedule_without_an_error(db_url):
    with fresh_database(db_url) as url, subprocess.Popen(
            [*SOAK, *(LONG if LONG_TESTS else SHORT), "--db", url], text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE) as soak:
        try:
            out, err = soak.communicate(timeout=3600 if LONG_TESTS else 600)
        except subprocess.TimeoutExpired:
            soak.terminate()  # the soak stops its server on SIGTERM
            out, err = soak.communicate(timeout=120)
    assert soak.returncode == 0, out + err[-4000:]
    header, _, row = out.splitlines()[-3:]
    report = dict(zip([c.strip() for c in header.strip("|").split("|")],
                      [c.strip() for c in row.strip("|").split("|")]))
    rate, minutes = (1000, 10) if LONG_TESTS else (200, 0.34)
    assert int(report["verifications"].replace(",", "")) == round(rate * minutes * 60)
    assert report["errors"] == "0" and int(report["writes"].replace(",", "")) > 0

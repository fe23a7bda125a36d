"""Benchmark: printing a run's 資格確認書 into one print-shop PDF (issue 4: ≥ 1,000 cards/s).

    .venv/bin/python bench/print_run.py [--cards 10000]

Synthetic certificates with varied Japanese names (those born before 1955-10 with the ratio
line); prints cards/s, pages, file size and the peak RSS as a Markdown table row for
docs/BENCHMARKS.md."""
from __future__ import annotations

import argparse
import random
import resource
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from faker.providers.person.ja_JP import Provider

from shikaku.adapters.pdf import DocumentRenderer
from shikaku.adapters.signing import CardSigner
from shikaku.domain.documents import EligibilityCertificatePrint, Holder


def certificates(n: int):
    rng = random.Random(1)
    last, first = list(Provider.last_names), list(Provider.first_names)
    for i in range(n):
        birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 70))
        holder = Holder(name=f"{rng.choice(last)} {rng.choice(first)}", name_kana="シケン",
                        birth_date=birth, sex=rng.choice(("male", "female")),
                        relationship=rng.choice(("insured", "dependent")), symbol=str(7000 + i // 500),
                        number=str(i % 500 + 1), branch="00", insurer_number="06139992",
                        insurer_name="さくら産業健康保険組合", qualified_on=date(2019, 4, 1))
        old = birth <= date(1955, 9, 30)  # 70 or over on the valid-from date: the ratio line
        yield EligibilityCertificatePrint(serial=f"K{i:09d}0", holder=holder, issued_on=date(2025, 10, 1),
                                          valid_from=date(2025, 10, 1), expires_on=date(2029, 11, 30),
                                          copay_ratio=rng.choice((20, 30)) if old else None,
                                          ratio_effective_from=date(2025, 10, 1) if old else None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the PDF (its path is printed)")
    args = parser.parse_args()
    renderer = DocumentRenderer(CardSigner(b"benchmark-secret-0123456789abcdef"))
    path = Path(tempfile.mkdtemp(prefix="shikaku-bench-")) / "run.pdf"
    reports: list[int] = []
    started = time.perf_counter()
    with path.open("wb") as out:
        count = renderer.eligibility_certificates(certificates(args.cards), out, reports.append)
    elapsed = time.perf_counter() - started
    assert count == args.cards and reports[-1] == count
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the print workers
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages"))
    print("| cards | seconds | cards/s | pages | file MB | peak RSS MB (main / largest child) |")
    print("|---|---|---|---|---|---|")
    print(f"| {count:,} | {elapsed:.2f} | {count / elapsed:,.0f} | {int(pages):,} | "
          f"{path.stat().st_size / 1e6:.1f} | {rss:.0f} / {children:.0f} |")
    if args.keep:
        print(f"kept {path}")
    else:
        path.unlink()
        path.parent.rmdir()


if __name__ == "__main__":
    main()

"""Benchmark of the bulk import (issue 6): a generated employers' notification file, imported.

Generates a CP932 file of N rows (default 1,000,000) in the demo generator's style — families
of an insured (資格取得) and their spouse and children (被扶養者追加, some listed before their
insured), a few 変更 and 資格喪失 rows, dates in ISO, slashes and 和暦, some half-width kana,
個人番号 for most — in a child process, then imports it (every row checked, then stored) into a
fresh SQLite file under /tmp, or into the empty database given by --db, and prints the
elapsed seconds, rows per second, the CPU seconds spent and the peak RSS of this process
(ru_maxrss).

    .venv/bin/python bench/import_run.py --rows 1000000 --header
    .venv/bin/python bench/import_run.py --rows 1000000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/DBNAME
"""
from __future__ import annotations

import argparse
import csv
import itertools
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import unicodedata
from datetime import date, timedelta
from pathlib import Path

# A throwaway vault key unless one is configured: a benchmark never touches the user's key file.
os.environ.setdefault("SHIKAKU_SECRET_KEY", secrets.token_urlsafe(32))

HEADER = ("届出種別", "記号", "番号", "続柄", "本人記号", "本人番号", "氏名", "氏名カナ", "生年月日", "性別",
          "資格取得日", "資格喪失日", "喪失理由", "標準報酬月額", "個人番号", "住民税非課税", "資格確認書交付希望",
          "受付日")
INSURER_NUMBER, INSURER_NAME = "06139992", "さくら産業健康保険組合"
INTAKE = date(2026, 4, 1)  # the April intake the file announces
GRADES = (180_000, 200_000, 220_000, 240_000, 260_000, 280_000, 300_000, 320_000, 340_000, 360_000,
          380_000, 410_000, 440_000, 470_000, 500_000, 530_000, 560_000, 590_000, 620_000)
_MY_NUMBER_STEP = 7_777_777_777  # coprime to 9·10^10: i -> a permutation, unique without a set


def _kana_table() -> dict[str, str]:
    """Full-width katakana -> half-width (voiced marks as separate characters)."""
    table = {}
    for code in range(0xFF66, 0xFF9E):
        half = chr(code)
        table[unicodedata.normalize("NFKC", half)] = half
        for mark in ("\uff9e", "\uff9f"):
            composed = unicodedata.normalize("NFKC", half + mark)
            if len(composed) == 1:
                table[composed] = half + mark
    return table


class _FileWriter:
    def __init__(self, rng: random.Random):
        from faker.providers.person.ja_JP import Provider

        self.rng = rng
        self.people: set[tuple[str, date]] = set()  # (フリガナ without spaces, 生年月日) used
        self.surnames = [p for p in Provider.last_name_pairs if _cp932(p[0])]
        self.given = ([p for p in Provider.first_name_male_pairs if _cp932(p[0])],
                      [p for p in Provider.first_name_female_pairs if _cp932(p[0])])
        self.symbols = [str(rng.randrange(1000, 999_999)) for _ in range(200)]
        self.weights = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(200)))
        self.numbers = dict.fromkeys(self.symbols, 0)
        self.my_numbers = itertools.count(rng.randrange(1_000_000))
        self.half = str.maketrans(_kana_table())
        self.dates: dict[tuple[date, int], str] = {}

    def my_number(self) -> str:
        from stdnum.jp.in_ import calc_check_digit

        first11 = str(10_000_000_000 + next(self.my_numbers) * _MY_NUMBER_STEP % 90_000_000_000)
        return first11 + calc_check_digit(first11)

    def day(self, d: date) -> str:
        """Dates as employers write them: ISO, slashes, 8 digits or 和暦."""
        style = self.rng.randrange(5)
        key = (d, style)
        text = self.dates.get(key)
        if text is None:
            from shikaku.domain.wareki import ERAS, format_wareki

            era = next(e for e in reversed(ERAS) if e.start <= d)
            year = d.year - era.start.year + 1
            text = self.dates[key] = (d.isoformat(), f"{d.year}/{d.month}/{d.day}", d.strftime("%Y%m%d"),
                                      format_wareki(d), f"{era.letter}{year}.{d.month}.{d.day}")[style]
        return text

    def person(self, surname, female: int) -> tuple[str, str]:
        given = self.rng.choice(self.given[female])
        kana = f"{surname[1]} {given[1]}"
        if self.rng.random() < 0.2:
            kana = kana.translate(self.half)
        space = "\u3000" if self.rng.random() < 0.3 else " "  # full-width spaces are common
        return f"{surname[0]}{space}{given[0]}", kana

    def someone(self, surname: tuple[str, str], female: int, birth: date) -> tuple[str, str]:
        """A name whose reading and birth date no earlier person of the file has: a generated file
        holds no possible duplicates (同一人物の可能性, D-154), as a demo society's file."""
        while True:
            name, kana = self.person(surname, female)
            key = (unicodedata.normalize("NFKC", kana).replace(" ", ""), birth)
            if key not in self.people:
                self.people.add(key)
                return name, kana

    def family(self) -> list[list[str]]:
        rng = self.rng
        symbol = self.symbols[bisect_right(self.weights, rng.random() * self.weights[-1])]
        self.numbers[symbol] += 1
        number = str(self.numbers[symbol])
        surname = rng.choice(self.surnames)
        age = rng.randint(18, 64)
        birth = INTAKE - timedelta(days=int((age + rng.random()) * 365.25))
        female = int(rng.random() < 0.4)
        qualified = INTAKE if rng.random() < 0.8 else INTAKE + timedelta(days=rng.randrange(0, 180))
        received = self.day(qualified + timedelta(days=rng.randint(1, 9)))
        name, kana = self.someone(surname, female, birth)
        grade = GRADES[min(len(GRADES) - 1, max(0, int(rng.gauss(7, 4))))]
        rows = [["資格取得", symbol, number, "本人", "", "", name, kana, self.day(birth), "男女"[female],
                 self.day(qualified), "", "", f"{grade:,}" if rng.random() < 0.3 else str(grade),
                 self.my_number() if rng.random() < 0.93 else "", "1" if rng.random() < 0.02 else "0",
                 "1" if rng.random() < 0.05 else "0", received]]
        dependents = []
        if age >= 24 and rng.random() < 0.35:
            dependents.append(("配偶者", 1 - female, birth + timedelta(days=rng.randint(-1500, 1500))))
        if age >= 25:
            for _ in range(rng.choice((0, 0, 1, 1, 2, 2, 3))):
                child_birth = INTAKE - timedelta(days=rng.randrange(30, 17 * 365))
                if all(child_birth != b for _, _, b in dependents):
                    dependents.append(("子", int(rng.random() < 0.49), child_birth))
        for kinship, sex, dep_birth in dependents:
            dep_name, dep_kana = self.someone(surname, sex, dep_birth)
            rows.append(["被扶養者追加", "", "", kinship, symbol, number, dep_name, dep_kana, self.day(dep_birth),
                         "男女"[sex], self.day(max(qualified, dep_birth)), "", "", "",
                         self.my_number() if rng.random() < 0.9 else "", "", "0", received])
        if rng.random() < 0.1:  # the file lists some dependents before their insured
            rows = rows[1:] + rows[:1]
        if rng.random() < 0.02:
            rows.append(["変更", symbol, number, "本人", "", "", "", "", "", "", "", "", "",
                         str(GRADES[min(len(GRADES) - 1, GRADES.index(grade) + 1)]), "", "", "", received])
        children = [d for d in dependents if d[0] == "子"]
        if children and rng.random() < 0.05:
            rows.append(["資格喪失", symbol, number, "子", "", "", "", "", self.day(children[0][2]), "", "",
                         self.day(qualified + timedelta(days=183)), "被扶養者非該当", "", "", "", "", received])
        return rows


def bisect_right(values, x) -> int:
    lo, hi = 0, len(values)
    while lo < hi:
        mid = (lo + hi) // 2
        if x < values[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo


def _cp932(text: str) -> bool:
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return True


def generate(path: Path, rows: int, seed: int) -> None:
    writer = _FileWriter(random.Random(seed))
    with path.open("w", encoding="cp932", newline="") as f:
        out = csv.writer(f, lineterminator="\r\n")
        out.writerow(HEADER)
        written = 0
        while written < rows:
            family = writer.family()[:rows - written]
            out.writerows(family)
            written += len(family)


def _cpu_seconds() -> float:
    """User and system time of this process (the import runs in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _fresh_sqlite() -> str:
    path = Path(tempfile.gettempdir()) / "shikaku-bench-import.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database (default: fresh SQLite under /tmp)")
    parser.add_argument("--file", type=Path, help="import this file instead of generating one")
    parser.add_argument("--seed", type=int, default=20260401)
    parser.add_argument("--header", action="store_true", help="print the Markdown table header first")
    parser.add_argument("--generate-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate_only:
        generate(args.generate_only, args.rows, args.seed)
        return 0

    path = args.file
    if path is None:
        path = Path(tempfile.gettempdir()) / f"shikaku-bench-import-{args.rows}.csv"
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--seed", str(args.seed),
                        "--generate-only", str(path)], check=True)
        print(f"generated {path} ({path.stat().st_size / 2**20:,.0f} MiB) in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)

    from shikaku.entrypoints.cli import CLI_ACTOR, initialise
    from shikaku.service_layer.exchange import import_notifications

    ctx = initialise(args.db or _fresh_sqlite(), INSURER_NUMBER, INSURER_NAME)
    started, cpu_before = time.perf_counter(), _cpu_seconds()
    with path.open("rb") as stream:
        result = import_notifications(ctx, CLI_ACTOR, stream, path.name)
    elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if result.refused:
        print(f"refused: {result.error_count} errors, first {result.errors[:5]}", file=sys.stderr)
        return 1
    print(f"{result.counts}", file=sys.stderr)
    lines = [("database", "rows", "seconds", "rows/s", "CPU seconds", "peak RSS MB"),
             ("---", *["---:"] * 5)] if args.header else []
    lines.append((ctx.engine.dialect.name, f"{result.rows:,}", f"{elapsed:.1f}",
                  f"{result.rows / elapsed:,.0f}", f"{cpu:.1f}", f"{peak:,.0f}"))
    for cells in lines:
        print("| " + " | ".join(cells) + " |")
    ctx.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Before/after figures on the same machine in the same run: an earlier revision (a git worktree,
# run from its own tree) against this tree, alternately. Verification runs on the same society
# for both: the earlier revision's demo database, and a copy of it migrated by this tree.
#
#   bash bench/compare_release.sh REV [MEMBERS]    e.g. bash bench/compare_release.sh 223f5a5
set -euo pipefail
rev=${1:?revision to compare with}
members=${2:-100000}
here=$(pwd)
PY=$here/.venv/bin/python
work=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$work/old" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add -q --detach "$work/old" "$rev"
old() { (cd "$work/old" && PYTHONPATH="$work/old/src" "$PY" "$@"); }
new() { (cd "$here" && "$PY" "$@"); }
fresh() { rm -f "$2" "$2-wal" "$2-shm"; cp "$1" "$2"; }

old -c "from shikaku.entrypoints.cli import initialise; from shikaku.demo.generator import *
ctx = initialise('sqlite:///$work/society.db', DEMO_INSURER_NUMBER, DEMO_INSURER_NAME)
generate(ctx, members=$members, seed=1)" >/dev/null
cp "$work/society.db" "$work/migrated.db"
new -c "from shikaku.entrypoints.cli import initialise; from shikaku.demo.generator import *
initialise('sqlite:///$work/migrated.db', DEMO_INSURER_NUMBER, DEMO_INSURER_NAME)" >/dev/null
for round in 1 2; do
  fresh "$work/society.db" "$work/a.db"
  echo "verification before $round: $(old bench/verification.py --members "$members" --seconds 10 --db "sqlite:///$work/a.db" 2>/dev/null | tail -1)"
  fresh "$work/migrated.db" "$work/b.db"
  echo "verification after  $round: $(new bench/verification.py --members "$members" --seconds 10 --db "sqlite:///$work/b.db" 2>/dev/null | tail -1)"
done
echo "print before: $(old bench/print_run.py --cards 10000 2>/dev/null | tail -1)"
echo "print after:  $(new bench/print_run.py --cards 10000 2>/dev/null | tail -1)"
echo "demo before:  $(old bench/demo_generation.py --members 1000000 2>/dev/null | tail -1)"
echo "demo after:   $(new bench/demo_generation.py --members 1000000 2>/dev/null | tail -1)"
file=$work/notifications.csv
new bench/import_run.py --rows 1000000 --generate-only "$file"
echo "import before: $(old bench/import_run.py --file "$file" 2>/dev/null | tail -1)"
echo "import after:  $(new bench/import_run.py --file "$file" 2>/dev/null | tail -1)"

#!/usr/bin/env bash
# `make test`: the project's tests and the acceptance suite, on SQLite and on PostgreSQL.
set -euo pipefail
shared=${1:-../shared}
files=${2:?acceptance files}
PY=.venv/bin/python
export PYTHONDONTWRITEBYTECODE=1

pg_urls=()
cleanup() { for url in "${pg_urls[@]}"; do bash scripts/pg-db.sh drop "$url" || true; done; }
trap cleanup EXIT
new_pg() { local url; url=$(bash scripts/pg-db.sh create); pg_urls+=("$url"); PG_URL=$url; }

acceptance=()
for f in $files; do acceptance+=("$shared/acceptance/$f"); done

if [ "${SHIKAKU_LONG_TESTS:-0}" = 1 ]; then echo "== long runs on: 10-minute soaks, more restart and kill -9 rounds"; fi
echo "== lint (ruff: pyflakes, syntax, import order)"
.venv/bin/ruff check src tests bench
# Two processes (pytest-xdist): the machine has two cores; each PostgreSQL worker gets a database.
workers=${SHIKAKU_TEST_WORKERS:-2}
echo "== unit and integration tests (SQLite, $workers processes)"
$PY -m pytest -n "$workers" tests
echo "== integration tests (PostgreSQL, $workers processes)"
new_pg
SHIKAKU_TEST_DB_URL=$PG_URL $PY -m pytest -n "$workers" tests/integration
echo "== acceptance (SQLite): $files"
$PY -m pytest -p no:cacheprovider "${acceptance[@]}"
echo "== acceptance (PostgreSQL): $files"
new_pg
SHIKAKU_TEST_DB_URL=$PG_URL $PY -m pytest -p no:cacheprovider "${acceptance[@]}"

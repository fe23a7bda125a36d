#!/usr/bin/env bash
# Throwaway PostgreSQL databases for one test run: `create` prints a URL, `drop URL` removes it.
set -euo pipefail
PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
psql_admin() { psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "${PGDATABASE:-test}" -qAt "$@"; }
case "$1" in
  create)
    name="shikaku_test_$(date +%s)_$$_${RANDOM}"
    psql_admin -c "CREATE DATABASE $name" >/dev/null
    echo "postgresql+psycopg://$PGUSER@$PGHOST:$PGPORT/$name" ;;
  drop)
    psql_admin -c "DROP DATABASE IF EXISTS ${2##*/} WITH (FORCE)" >/dev/null ;;
  *) echo "usage: $0 create | drop URL" >&2; exit 2 ;;
esac

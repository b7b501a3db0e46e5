#!/usr/bin/env bash
# Make sure the local PostgreSQL cluster runs and the app's role and database exist.
# Idempotent; used by .ci/run and `make test-pg`.
set -euo pipefail
PG_USER="${PG_USER:-backoffice}"
PG_PASSWORD="${PG_PASSWORD:-backoffice}"
PG_DB="${PG_DB:-backoffice}"

if command -v pg_lsclusters >/dev/null 2>&1; then
  while read -r ver cluster _port status _rest; do
    if [[ "$status" != online* ]]; then
      pg_ctlcluster --skip-systemctl-redirect "$ver" "$cluster" start || pg_ctlcluster "$ver" "$cluster" start
    fi
  done < <(pg_lsclusters --no-header)
fi

for _ in $(seq 1 30); do
  if runuser -u postgres -- psql -qtAc "select 1" >/dev/null 2>&1; then break; fi
  sleep 1
done

runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB PASSWORD %L', '${PG_USER}', '${PG_PASSWORD}')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${PG_USER}')\gexec
ALTER ROLE "${PG_USER}" CREATEDB;
SELECT format('CREATE DATABASE %I OWNER %I', '${PG_DB}', '${PG_USER}')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '${PG_DB}')\gexec
SQL
echo "postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:5432/${PG_DB}"

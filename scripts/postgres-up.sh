#!/usr/bin/env bash
# Starts a local PostgreSQL (Debian's package, installed if missing) with a fresh database for the tests, and prints
# the export lines that point PostgresTests at it:   eval "$(scripts/postgres-up.sh)"
# An argument names another database to (re)create instead of vae_test (scripts/replicas-check.sh uses its own).
# Needs root (apt-get, su postgres). Progress goes to stderr; stdout holds only the export lines.
set -euo pipefail
database=${1:-vae_test}
if [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ] || ! command -v pg_ctlcluster >/dev/null; then
  echo "postgres-up: installing Debian's postgresql" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >&2
fi
pg_ctlcluster "$version" main start >&2 2>/dev/null || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p "$port" >&2
psql_as_postgres() { su postgres -c "psql -q -v ON_ERROR_STOP=1 -p $port $*"; }
if ! psql_as_postgres "-tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'vae'\"" | grep -q 1; then
  psql_as_postgres "-c \"CREATE ROLE vae LOGIN PASSWORD 'vae'\"" >&2
fi
psql_as_postgres "-c \"DROP DATABASE IF EXISTS $database\"" >&2
psql_as_postgres "-c \"CREATE DATABASE $database OWNER vae\"" >&2
echo "export VAE_TEST_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$port/$database"
echo "export VAE_TEST_POSTGRES_USER=vae"
echo "export VAE_TEST_POSTGRES_PASSWORD=vae"

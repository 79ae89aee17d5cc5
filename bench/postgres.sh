#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL cluster, then stop and remove the cluster.
#
#   bash bench/postgres.sh COMMAND [ARG …]
#
# The cluster has Swedish ICU collation, listens on a free loopback port only, and is
# tuned for a benchmark on a laptop or a CI machine (no fsync: it is thrown away). The
# command sees DATABASE_URL pointing at an empty database "stportfolj_bench".
# Needs PostgreSQL's server binaries (PG_BIN, default /usr/lib/postgresql/15/bin); as
# root the cluster runs as the postgres user.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$PG_BIN/initdb" ] || { echo "No PostgreSQL server binaries in $PG_BIN (set PG_BIN)." >&2; exit 1; }
[ $# -gt 0 ] || { echo "usage: bash bench/postgres.sh COMMAND [ARG …]" >&2; exit 2; }

as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(runuser -u postgres --)
fi
PG_TMP=$(mktemp -d -t st-portfolj-bench-pg.XXXXXX)
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$PG_TMP"
chmod 700 "$PG_TMP"
stop() {
  if [ -f "$PG_TMP/data/postmaster.pid" ]; then
    "${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$PG_TMP"
}
trap stop EXIT

PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
"${as_owner[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust --no-sync --encoding=UTF8 \
  --locale=C.UTF-8 --locale-provider=icu --icu-locale=sv-SE >"$PG_TMP/initdb.log" 2>&1 \
  || { cat "$PG_TMP/initdb.log" >&2; exit 1; }
cat >>"$PG_TMP/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_TMP'
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 256MB
max_connections = 50
CONF
"${as_owner[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 start >/dev/null \
  || { cat "$PG_TMP/postgres.log" >&2; exit 1; }
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres stportfolj_bench
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/stportfolj_bench"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (thrown away afterwards)"
"$@"

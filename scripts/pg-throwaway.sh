#!/usr/bin/env bash
# A PostgreSQL cluster for tests only: created in /tmp, on 127.0.0.1:54329, trust auth,
# gone after `stop`. Works on a bare machine where no server runs; as root it runs the
# server as the `postgres` user, since PostgreSQL refuses to run as root.
#   pg-throwaway.sh start   → prints the DATABASE_URL
#   pg-throwaway.sh stop
set -euo pipefail
PORT=${XASO_PG_PORT:-54329}
DIR=/tmp/xaso-pg-$PORT
BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$BINDIR" ] || { echo "PostgreSQL server binaries not found (Debian package 'postgresql')." >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case "${1:-}" in
  start)
    if [ -f "$DIR/data/postmaster.pid" ]; then as_pg "$BINDIR/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$DIR"; mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_pg "$BINDIR/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
    as_pg "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
      -o "-h 127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null \
      || { cat "$DIR/server.log" >&2; exit 1; }
    "$BINDIR/psql" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -c "CREATE DATABASE xaso" >/dev/null
    echo "postgres://postgres@127.0.0.1:$PORT/xaso"
    ;;
  stop)
    [ -d "$DIR/data" ] && as_pg "$BINDIR/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$DIR"
    ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: `start DIR` prints its URL, `stop DIR` removes it.
# Uses Debian's postgresql package (installed when missing and root is available); as root the
# server runs as the `postgres` user. The cluster listens on a Unix socket in DIR only.
set -euo pipefail
action="${1:?usage: postgres.sh start|stop DIR}"
dir="${2:?usage: postgres.sh start|stop DIR}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
as_owner() { if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$action" in
  start)
    if [ -z "$bin" ]; then
      if [ "$(id -u)" != "0" ]; then echo "postgres: not installed and no root to install it" >&2; exit 1; fi
      echo "postgres: installing Debian's postgresql" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U minihcvd --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-k $dir -c listen_addresses='' -c fsync=off -c full_page_writes=off" start >/dev/null
    as_owner "$bin/createdb" -h "$dir" -U minihcvd minihcvd
    echo "postgresql://minihcvd@/minihcvd?host=$dir"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: postgres.sh start|stop DIR" >&2; exit 2 ;;
esac

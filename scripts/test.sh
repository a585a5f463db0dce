#!/usr/bin/env bash
# Set up (first run only) and run every check: lint, types, tests (R's survival is the oracle),
# then the web tests again on a throw-away PostgreSQL cluster. Arguments go to pytest; with
# arguments only that pytest run is made (on SQLite, or on MINIHCVD_DATABASE_URL if set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
fi
can_install() { [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; }
missing=()
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(survival)' >/dev/null 2>&1; then
  missing+=(r-base-core r-cran-survival)
fi
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  if can_install; then
    echo "test: installing Debian packages: ${missing[*]}" >&2
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test: missing ${missing[*]} and no root to install them; the R oracle, browser and" \
      "PostgreSQL tests are skipped here (under CI=true they fail)" >&2
  fi
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/bandit -q -c pyproject.toml -r src
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
.venv/bin/python -m pytest
if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  if [ "${CI:-}" = "true" ]; then echo "test: PostgreSQL is required in CI" >&2; exit 1; fi
  echo "test: PostgreSQL not installed; the web tests ran on SQLite only" >&2
  exit 0
fi
pgdir="$(mktemp -d -t minihcvd-pg-XXXXXX)"
trap 'bash scripts/postgres.sh stop "$pgdir"' EXIT
url="$(bash scripts/postgres.sh start "$pgdir")"
echo "test: the web tests on PostgreSQL ($url)" >&2
MINIHCVD_DATABASE_URL="$url" .venv/bin/python -m pytest -q tests/web

#!/usr/bin/env bash
# Set up (first run only) and run every check: lint, types, tests (R's survival is the oracle).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v Rscript >/dev/null 2>&1 || ! Rscript -e 'library(survival)' >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  fi
  if [ "$(id -u)" = "0" ] || [ -n "$SUDO" ]; then
    echo "test: installing R and its survival package (Debian r-base-core r-cran-survival)" >&2
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq r-base-core r-cran-survival \
      >/dev/null
  else
    echo "test: Rscript with 'survival' not found and no root to install it; R oracle tests" \
      "are skipped here (under CI=true they fail)" >&2
  fi
fi
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"

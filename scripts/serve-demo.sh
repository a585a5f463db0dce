#!/usr/bin/env bash
# Set up (first run only) and run the trial web application with a demo trial on SQLite:
# three sites, one login per role per site (printed once), 110 virtual patients.
# Data live in ./minihcvd-data (kept between runs); arguments go to `minihcvd serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/minihcvd serve --demo "$@"

#!/usr/bin/env bash
# Set up (first run only) and run the demo: virtual trial -> ADaM -> analysis -> report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/minihcvd demo "$@"

#!/usr/bin/env bash
# Builds every guest program under images/ into images/build/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")"
bash ./build-c.sh
bash ./build-vkmini-root.sh
bash ./build-go.sh

#!/usr/bin/env bash
# Installs what Strand needs on Debian 12 and starts it: server + embedded database (+ local sandbox
# node once Docker is up) on http://localhost:8080. Safe to run again; a second run is fast.
# Arguments go to `strand server`, e.g. ./install.sh --port 9090
set -euo pipefail
cd "$(dirname "$0")"

bash scripts/provision.sh --no-postgres --no-chromium
bash scripts/ensure-deps.sh
npm run build --silent
# The default desktop image: minutes the first time, instant when images/ has not changed.
node_modules/.bin/strand images build --desktop xfce
echo "install: starting Strand (Ctrl+C stops it)"
exec node_modules/.bin/strand server "$@"

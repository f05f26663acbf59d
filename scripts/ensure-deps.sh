#!/usr/bin/env bash
# Installs Node dependencies only when the lockfile or a package manifest changed since the last install,
# so a second run costs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".").map(Number).slice(0,2).join(".")' 2>/dev/null || echo 0)
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  echo "ensure-deps: Strand needs Node.js 20.19 or newer (found: ${node_major}). Install Node 20 LTS, then rerun." >&2
  exit 1
fi

stamp=node_modules/.strand-deps-hash
want=$(cat package-lock.json package.json packages/*/package.json bench/package.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
  echo "ensure-deps: node_modules up to date"
  exit 0
fi
start=$(date +%s)
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
echo "ensure-deps: installed Node dependencies in $(( $(date +%s) - start ))s"

#!/usr/bin/env bash
# The whole test suite, from a fresh clone: provisions Docker Engine, PostgreSQL and Chromium,
# installs and builds, lints, then runs every test project (server suite on PGlite and on PostgreSQL).
# Extra arguments go to vitest, e.g. `npm test -- --project unit`.
#
# A full run (no arguments) also keeps a bystander Strand running beside the suite, as `./install.sh`
# would (scripts/bystander.mjs: default node name and subnet pool, one session at work), and fails
# unless it comes out exactly as it went in: the suite touches only what it made itself.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
export STRAND_TEST_DATABASE_URL="${STRAND_TEST_DATABASE_URL:-postgres://strand:strand@127.0.0.1:5432/postgres}"
bash scripts/ensure-deps.sh
npm run build --silent
npm run lint --silent

bystander=""
if (($# == 0)); then
  bystander=$(node scripts/bystander.mjs start)
  trap 'node scripts/bystander.mjs stop "$bystander"' EXIT
fi
rc=0
npx vitest run "$@" || rc=$?
if [[ -n $bystander ]]; then
  node scripts/bystander.mjs check "$bystander" || rc=1
fi
exit "$rc"

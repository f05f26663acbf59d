#!/usr/bin/env bash
# The whole test suite, from a fresh clone: provisions Docker Engine, PostgreSQL and Chromium,
# installs and builds, lints, then runs every test project (server suite on PGlite and on PostgreSQL).
# Extra arguments go to vitest, e.g. `npm test -- --project unit`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
export STRAND_TEST_DATABASE_URL="${STRAND_TEST_DATABASE_URL:-postgres://strand:strand@127.0.0.1:5432/postgres}"
bash scripts/ensure-deps.sh
npm run build --silent
npm run lint --silent
npx vitest run "$@"

#!/usr/bin/env bash
# The whole test suite, from a fresh clone: provisions Docker Engine, PostgreSQL and Chromium,
# installs and builds, lints, then runs every test project (server suite on PGlite and on PostgreSQL).
# Extra arguments go to vitest, e.g. `npm test -- --project unit`.
#
# A full run (no arguments) also keeps a bystander Strand running beside the Docker tests, as
# `./install.sh` would (scripts/bystander.mjs: default node name and subnet pool, one session at
# work), and fails unless it comes out exactly as it went in: the suite touches only what it made
# itself. The Docker-free tests run first, while the desktop images build and the bystander starts.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/provision.sh
export STRAND_TEST_DATABASE_URL="${STRAND_TEST_DATABASE_URL:-postgres://strand:strand@127.0.0.1:5432/postgres}"
bash scripts/ensure-deps.sh
npm run build --silent
npm run lint --silent

if (($# > 0)); then
  exec npx vitest run "$@"
fi

# A full run, in two passes: first the tests that need no Docker (Chromium ones included), while the desktop images (minutes
# on a fresh machine) build in the background and the bystander comes up; then the Docker tests
# beside it, one file at a time (vitest.config.ts).
work=$(mktemp -d)
strand=node_modules/.bin/strand
(
  "$strand" images build --desktop xfce >"$work/images.log" 2>&1 &&
    node scripts/bystander.mjs start >"$work/bystander.tmp" 2>>"$work/images.log" &&
    mv "$work/bystander.tmp" "$work/bystander" &&
    # Needed only by a few Docker tests, which wait for it (image builds take a host-wide lock).
    "$strand" images build --desktop sway >>"$work/images.log" 2>&1
) &
prep=$!
bystander=""
cleanup() {
  kill "$prep" 2>/dev/null || true
  wait "$prep" 2>/dev/null || true
  bystander=${bystander:-$(cat "$work/bystander" 2>/dev/null || true)}
  [[ -n $bystander ]] && node scripts/bystander.mjs stop "$bystander"
  rm -rf "$work"
}
trap cleanup EXIT

rc=0
# These wait on databases and git as much as on the CPU: one worker per core (vitest's default
# leaves one core idle, which on 2 cores halves the pace).
npx vitest run --maxWorkers="$(nproc)" --project unit --project server:pglite --project server:postgres \
  --project e2e:web --reporter=default --reporter=json --outputFile.json="$work/pass1.json" || rc=$?
while [[ ! -s $work/bystander ]] && kill -0 "$prep" 2>/dev/null; do sleep 1; done
if [[ ! -s $work/bystander ]]; then
  echo "test: building the xfce image or starting the bystander failed:" >&2
  tail -50 "$work/images.log" >&2
  exit 1
fi
bystander=$(cat "$work/bystander")
npx vitest run --project integration --project e2e --reporter=default --reporter=json \
  --outputFile.json="$work/pass2.json" || rc=$?
if ! wait "$prep"; then
  echo "test: building the sway image failed:" >&2
  tail -50 "$work/images.log" >&2
  rc=1
fi
node scripts/bystander.mjs check "$bystander" || rc=1
# The failures again, last: CI may show only the end of the output, far from pass 1's.
((rc == 0)) || node scripts/failures.mjs "$work/pass1.json" "$work/pass2.json"
exit "$rc"

#!/usr/bin/env bash
# `npm test`: the whole suite, the same on a laptop and in CI.
#   1. type check (app, lib, tests; sim/ on its own tsconfig) and lint (ESLint: rules and layer
#      boundaries)                      2. unit + integration tests (vitest)
#   3. production build                    4. browser tests (Playwright, Chromium)
# It first provides the browser (scripts/choose-browser.ts: Debian's Chromium, else Playwright's,
# else apt-get as root on Debian) and stops before anything else when it cannot.
# Integration tests use TEST_DATABASE_URL (a PostgreSQL server where a scratch database may be
# created) or an in-memory PGlite when it is unset; browser tests use E2E_DATABASE_URL or PGlite.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { printf '\n== %s (%ss)\n' "$1" "$((SECONDS - started))"; }

[ -d node_modules ] || npm install --no-audit --no-fund
step "browser"; E2E_CHROMIUM_PATH=$(npx tsx scripts/ensure-browser.ts) || exit 1; export E2E_CHROMIUM_PATH
step "prisma generate"; node scripts/prisma-client.mjs
step "type check"; npx tsc --noEmit && npx tsc --noEmit -p sim
step "lint and format"; npx eslint . --max-warnings 0 && npx prettier --check . >/dev/null
step "unit and integration tests (Proxmox stand-in as PVE 9)"; npx vitest run --project sim --project unit --project db
# The chaos test changes process-wide state (its own stand-ins' environment, the catalogue's
# capacity) while it runs: it gets a vitest process and a fresh database of its own.
step "chaos test (issue 12, CI seeds)"; npx vitest run --project chaos
# The lifetime simulation (issue 16) likewise starts stand-ins of its own: its own process.
step "lifetime simulation (issue 16, CI seeds)"; npx vitest run --project lifetime
# The stand-in's own contract tests cover PVE 8 and 9; the provisioning integration tests run
# (end to end, lock retries, the minimal privileges) again against it as PVE 8 (about a minute).
step "provisioning integration tests (Proxmox stand-in as PVE 8)"; npm run --silent test:pve8
step "production build"; npm run --silent build >/dev/null
step "browser tests"; npx playwright test
# Two replicas behind a round-robin proxy on one PostgreSQL (issue 22): needs a PostgreSQL server,
# which CI always gives; PGlite serves one connection at a time, so without one this step says so.
if [ -n "${E2E_DATABASE_URL:-}" ]; then
  step "browser tests, two replicas"; E2E_REPLICAS=1 npx playwright test -c playwright.replicas.config.ts
else
  step "browser tests, two replicas: not run (set E2E_DATABASE_URL to a PostgreSQL database)"
fi
step "all tests passed"

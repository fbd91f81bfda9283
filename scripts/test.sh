#!/usr/bin/env bash
# Every check, in the order that fails fastest. Run it through `./run test`.
#   XASO_TEST_POSTGRES_URL=postgres://…   use that server instead of a throwaway cluster
#   extra arguments go to both pytest runs (e.g. -k units, -x)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$PWD/.venv/bin
export PYTHONDONTWRITEBYTECODE=1
step() { printf '\n== %s\n' "$*"; }

scripts/ensure-system-packages.sh

step "ruff (lint, format)"
"$BIN/ruff" check .
"$BIN/ruff" format --check .

step "mypy (strict: the index engine, every actions.py and queries.py)"
"$BIN/mypy" --strict xaso/index
# shellcheck disable=SC2046
"$BIN/mypy" --strict $(ls xaso/*/actions.py xaso/*/queries.py)

step "import contracts"
"$BIN/lint-imports" --no-cache

step "bandit (security lint: no high-severity finding)"
"$BIN/bandit" -q -r xaso -lll -x "*/tests/*"

run_pytest() {
  local rc=0
  "$BIN/pytest" "$@" || rc=$?
  # Exit code 5 is "no tests collected": a broken path, never a pass.
  if [ "$rc" -eq 5 ]; then echo "pytest collected no tests" >&2; return 1; fi
  return "$rc"
}

step "pytest on SQLite"
(unset DATABASE_URL; XASO_DATA_DIR=$(mktemp -d) run_pytest "$@")

step "pytest on PostgreSQL"
if [ -n "${XASO_TEST_POSTGRES_URL:-}" ]; then
  url=$XASO_TEST_POSTGRES_URL
else
  url=$(scripts/pg-throwaway.sh start)
  trap 'scripts/pg-throwaway.sh stop' EXIT
fi
# Browser tests drive their own SQLite demo server: once (in the SQLite run) is enough.
DATABASE_URL=$url XASO_DATA_DIR=$(mktemp -d) XASO_BROWSER_TESTS=0 run_pytest "$@"

step "deploy smoke test (docs/deploy.md, verbatim, on loopback)"
XASO_PG_PORT=54381 scripts/deploy-smoke.sh

step "migrations forward, backward, forward on PostgreSQL with data"
XASO_PG_PORT=54382 scripts/migration-roundtrip.sh

printf '\nAll checks passed.\n'

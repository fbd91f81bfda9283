#!/usr/bin/env bash
# Every migration forward → backward → forward on PostgreSQL with data present: a fresh
# database gets all migrations and the demo data, then every xaso migration is unapplied
# (the data with it) and applied again. A migration that cannot go back fails here.
set -euo pipefail
cd "$(dirname "$0")/.."
export XASO_PG_PORT=${XASO_PG_PORT:-54382}
DATABASE_URL=$(scripts/pg-throwaway.sh start)
export DATABASE_URL XASO_DATA_DIR=$(mktemp -d)
trap 'scripts/pg-throwaway.sh stop' EXIT
XASO="$PWD/.venv/bin/python -m xaso"
$XASO demo --no-serve >/dev/null
echo "forward: $($XASO manage showmigrations --plan | grep -c '\[X\]') migrations applied, demo loaded"
# Top of the layering first; unapplying an app also unapplies what depends on it.
for app in results connectors programs citizens assessments core accounts units; do
  if $XASO manage showmigrations "$app" 2>/dev/null | grep -q '\[X\]'; then
    $XASO manage migrate "$app" zero --noinput -v 0
  fi
done
left=$($XASO manage showmigrations --plan | grep '\[X\]' | grep -cE ' (core|units|accounts|assessments|citizens|programs|connectors|results|site)\.' || true)
echo "backward: $left xaso migrations still applied"
[ "$left" = 0 ]
$XASO manage migrate --noinput -v 0
$XASO demo --no-serve >/dev/null
echo "forward again: $($XASO manage showmigrations --plan | grep -c '\[X\]') migrations applied, demo loaded"

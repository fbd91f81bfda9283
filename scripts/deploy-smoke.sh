#!/usr/bin/env bash
# Follows docs/deploy.md verbatim: runs every ```bash deploy-step block, in order, on
# loopback against a throwaway PostgreSQL, and fails if any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export XASO_RUN=$(mktemp -d) XASO_PORT=${XASO_PORT:-8765} XASO_HOST=xaso.example.gov.vn
export XASO_ENV_FILE=$XASO_RUN/xaso.env XASO_DATA_DIR=$XASO_RUN/data
export XASO_VENV=$ROOT/.venv XASO_BIN=$ROOT/.venv/bin/xaso
export PATH="$XASO_VENV/bin:$PATH"
export XASO_PG_PORT=${XASO_PG_PORT:-54380}
XASO_DATABASE_URL=$(scripts/pg-throwaway.sh start)
export XASO_DATABASE_URL
cleanup() {
  [ -f "$XASO_RUN/worker.pid" ] && kill "$(cat "$XASO_RUN/worker.pid")" 2>/dev/null || true
  [ -f "$XASO_RUN/outbox.pid" ] && kill "$(cat "$XASO_RUN/outbox.pid")" 2>/dev/null || true
  [ -f "$XASO_RUN/gunicorn.pid" ] && kill "$(cat "$XASO_RUN/gunicorn.pid")" 2>/dev/null || true
  scripts/pg-throwaway.sh stop
}
trap cleanup EXIT

python3 - "$ROOT/docs/deploy.md" "$XASO_RUN/steps" <<'PY'
import re, sys, pathlib
text = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8")
steps = re.findall(r"```bash deploy-step\n(.*?)```", text, flags=re.S)
out = pathlib.Path(sys.argv[2]); out.mkdir()
for i, body in enumerate(steps, 1):
    (out / f"{i:02d}.sh").write_text("set -euo pipefail\n" + body, encoding="utf-8")
print(f"{len(steps)} deploy steps", file=sys.stderr)
PY
for step in "$XASO_RUN"/steps/*.sh; do
  echo "== docs/deploy.md step $(basename "$step" .sh)"
  bash "$step"
done
rm -f "$XASO_RUN/worker.pid" "$XASO_RUN/outbox.pid" "$XASO_RUN/gunicorn.pid"
echo "deploy smoke test passed"

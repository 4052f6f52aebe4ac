#!/usr/bin/env bash
# Runs CREA CRM on the embedded default: the ASGI web server (HTTP + websockets) and the task worker.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

$PY manage.py db_worker --interval 1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM

echo
echo "CREA CRM en http://$HOST:$PORT/  (Ctrl+C para detener)"
$PY manage.py seed_demo | sed -n '/Usuarios de demostración/,$p'
echo
.venv/bin/uvicorn crm.asgi:application --host "$HOST" --port "$PORT" --ws websockets-sansio --lifespan off --log-level warning

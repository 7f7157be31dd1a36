#!/usr/bin/env bash
# Serving a conv model against a FastAPI + PyTorch peer serving the same weights, in one run: /encode of one
# random 4-decimal 1×28×28 input as JSON (../shared/peer/body.py 1).
#   1. a service with room to train (TRAIN_JAVA_OPTS) makes the conv model: the built-in shapes (2,000, 28×28, seed 1),
#      the conv preset (widths 32, 64; latent 16) trained one epoch (batch 64, seed 1), activated, exported as
#      safetensors (GET /models/{id}/export?format=safetensors);
#   2. the service restarts on the same storage with the shipped settings (Dockerfile: OMP_NUM_THREADS=1,
#      -XX:+UseParallelGC -Xmx768m), serving that model; the peer (bench/conv_serve.py, one torch thread) loads the
#      export;
#   3. both encode the same input: μ and log σ² must agree to 1e-4, or the script stops;
#   4. wrk -t2 -c16 on each, ROUNDS times alternating service and peer, each row after a 3 s warm-up of its own and
#      all after WARMUP s of warm-up load on both; server CPU per request from /proc.
#   bench/conv-serving.sh                      # the jar in target/
#   JAR=/tmp/other.jar ROUNDS=3 bench/conv-serving.sh
# Prints a markdown table; writes nothing outside a temporary directory. Needs wrk, /usr/bin/python3 with torch,
# fastapi and uvicorn (Debian packages), a JDK 17.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18084}
PEER_PORT=${PEER_PORT:-18093}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-20}
ROUNDS=${ROUNDS:-2}
JAR=${JAR:-target/vae-service.jar}
PEER=${PEER:-../shared/peer}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseParallelGC -Xmx768m}
TRAIN_JAVA_OPTS=${TRAIN_JAVA_OPTS:--XX:+UseParallelGC -Xmx1536m}
WORK=$(mktemp -d /tmp/vae-conv.XXXXXX)
export OMP_NUM_THREADS=1
SERVICE_PID=
PEER_PID=
cleanup() {
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null
  [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh
api() { curl -fsS "${@:2}" "http://127.0.0.1:$PORT$1"; } # path, curl options
json() { /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

start_service() { # java options...
  java "$@" -jar "$JAR" --server.port="$PORT" --server.address=127.0.0.1 --vae.storage.dir="$WORK/storage" \
    >> "$WORK/service.log" 2>&1 &
  SERVICE_PID=$!
  await_ready "http://127.0.0.1:$PORT" "$SERVICE_PID" "$WORK/service.log"
}

# 1. the model
# shellcheck disable=SC2086
start_service $TRAIN_JAVA_OPTS
dataset=$(api /datasets/shapes -H 'Content-Type: application/json' -d '{"count": 2000, "channels": 1, "size": 28}' \
  | json "['id']")
job=$(api /jobs -H 'Content-Type: application/json' -d "{\"dataset\": \"$dataset\", \"architecture\": \"conv\",
  \"latentSize\": 16, \"epochs\": 1, \"batchSize\": 64, \"seed\": 1}" | json "['id']")
while :; do
  status=$(api "/jobs/$job" | json "['status']")
  case "$status" in SUCCEEDED) break ;; FAILED|CANCELLED) api "/jobs/$job" >&2; exit 1 ;; esac
  sleep 2
done
model=$(api "/jobs/$job" | json "['model']")
api "/models/$model/activate" -X POST > /dev/null
api "/models/$model/export?format=safetensors" -o "$WORK/conv.safetensors"
kill "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true; SERVICE_PID=

# 2. both servers
# shellcheck disable=SC2086
start_service $JAVA_OPTS
[ "$(api /model | json "['id']")" = "$model" ] || { echo "the service does not serve $model" >&2; exit 1; }
CONV_MODEL="$WORK/conv.safetensors" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m uvicorn conv_serve:app --app-dir bench \
  --host 127.0.0.1 --port "$PEER_PORT" --log-level warning --no-access-log > "$WORK/peer.log" 2>&1 &
PEER_PID=$!
until curl -s -o /dev/null "http://127.0.0.1:$PEER_PORT/docs"; do
  kill -0 "$PEER_PID" 2>/dev/null || { cat "$WORK/peer.log"; exit 1; }
  sleep 0.5
done

# 3. the same answer
/usr/bin/python3 "$PEER/body.py" 1 > "$WORK/encode-1.json"
curl -fsS "http://127.0.0.1:$PORT/encode" -H 'Content-Type: application/json' --data @"$WORK/encode-1.json" \
  > "$WORK/service.json"
curl -fsS "http://127.0.0.1:$PEER_PORT/encode" -H 'Content-Type: application/json' --data @"$WORK/encode-1.json" \
  > "$WORK/peer.json"
agreement=$(/usr/bin/python3 - "$WORK/service.json" "$WORK/peer.json" <<'PY'
import json, sys
a, b = (json.load(open(f))['results'][0] for f in sys.argv[1:3])
d = max(abs(x - y) for k in ('mu', 'logvar') for x, y in zip(a[k], b[k]))
assert len(a['mu']) == len(b['mu']) == 16, (len(a['mu']), len(b['mu']))
print(f'{d:.2e}')
sys.exit(0 if d < 1e-4 else 1)
PY
) || { echo "the service and the peer disagree: largest |Δ| of μ, log σ² $agreement" >&2; exit 1; }

row() { # name port pid -> a table row: requests/s, p50, p99 ms, server CPU µs/request, non-2xx
  BODY="$WORK/encode-1.json" wrk -t2 -c16 -d3s -s bench/post.lua "http://127.0.0.1:$2/encode" > /dev/null
  local before; before=$(cpu_ticks "$3")
  BODY="$WORK/encode-1.json" wrk -t2 -c16 -d"${DURATION}s" --latency -s bench/post.lua "http://127.0.0.1:$2/encode" \
    > "$WORK/wrk.txt"
  wrk_row "$1" "$WORK/wrk.txt" "$(( $(cpu_ticks "$3") - before ))"
}

for port in "$PORT" "$PEER_PORT"; do
  BODY="$WORK/encode-1.json" wrk -t2 -c16 -d"$((WARMUP / 2))s" -s bench/post.lua "http://127.0.0.1:$port/encode" \
    > /dev/null
done
echo "| /encode, conv 1×28×28, JSON | requests/s | p50 ms | p99 ms | server CPU µs/request | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
for round in $(seq 1 "$ROUNDS"); do
  row "service, round $round" "$PORT" "$SERVICE_PID"
  row "peer (PyTorch), round $round" "$PEER_PORT" "$PEER_PID"
done
echo "(μ and log σ² agree to $agreement; $(date -u '+%Y-%m-%d %H:%M UTC'), $JAR, model $model, load average $(cut -d' ' -f1-3 /proc/loadavg))"

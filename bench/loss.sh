#!/usr/bin/env bash
# /loss against the peer, narrower than bench/run.sh: the same bodies, load and CPU accounting, only the rows
# that /loss work moves (/loss L = 1 and 16, /encode for scale) and the peer's /loss and /encode, in one run, with
# both servers up and the /loss L = 1 rows alternating ROUNDS times (default 3).
#   bench/loss.sh                      # the jar in target/
#   JAR=/tmp/other.jar bench/loss.sh   # another build, for a before/after
# Prints a markdown table; writes nothing. Needs wrk, python3 with the peer's packages, a JDK 17.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18083}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-20}
ROUNDS=${ROUNDS:-3}
JAR=${JAR:-target/vae-service.jar}
PEER=${PEER:-../shared/peer}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseParallelGC -Xmx768m}
WORK=$(mktemp -d /tmp/vae-loss.XXXXXX)
export OMP_NUM_THREADS=1
SERVICE_PID=
cleanup() { [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh

python3 "$PEER/body.py" 1 > "$WORK/encode-1.json"
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
one = json.load(open(f"{work}/encode-1.json"))["inputs"]
json.dump({"inputs": one, "samples": 1, "seed": 1}, open(f"{work}/loss-L1.json", "w"))
json.dump({"inputs": one, "samples": 16, "seed": 1}, open(f"{work}/loss-L16.json", "w"))
PY

row() { # name port pid path body -> a table row: requests/s, p50, p99 ms, server CPU µs/request
  BODY="$WORK/$5.json" wrk -t2 -c16 -d3s -s bench/post.lua "http://127.0.0.1:$2$4" > /dev/null
  local before; before=$(cpu_ticks "$3")
  BODY="$WORK/$5.json" wrk -t2 -c16 -d"${DURATION}s" --latency -s bench/post.lua "http://127.0.0.1:$2$4" > "$WORK/wrk.txt"
  wrk_row "$1" "$WORK/wrk.txt" "$(( $(cpu_ticks "$3") - before ))"
}

java $JAVA_OPTS -jar "$JAR" --server.port="$PORT" --server.address=127.0.0.1 --vae.storage.dir="$WORK/storage" \
  > "$WORK/service.log" 2>&1 &
SERVICE_PID=$!
await_ready "http://127.0.0.1:$PORT" "$SERVICE_PID" "$WORK/service.log"
for body in loss-L1 encode-1 loss-L16; do
  BODY="$WORK/$body.json" wrk -t2 -c16 -d"$((WARMUP / 2))s" -s bench/post.lua "http://127.0.0.1:$PORT/${body%-*}" > /dev/null
done
PEER_PORT=18091 "$PEER/serve.sh" start >&2
peer_pid=$(cat /tmp/vae-peer-18091.pid)
trap 'PEER_PORT=18091 "$PEER/serve.sh" stop >&2 || true; cleanup' EXIT
BODY="$WORK/loss-L1.json" wrk -t2 -c16 -d"$((WARMUP / 2))s" -s bench/post.lua "http://127.0.0.1:18091/loss" > /dev/null
echo "| request | requests/s | p50 ms | p99 ms | server CPU µs/request | non-2xx |"
echo "| --- | --- | --- | --- | --- | --- |"
# both servers up, the /loss L = 1 rows alternating, so that a slower minute of this shared machine falls on both
for round in $(seq 1 "$ROUNDS"); do
  row "/loss, L = 1, round $round" "$PORT" "$SERVICE_PID" /loss loss-L1
  row "peer /loss, L = 1, round $round" 18091 "$peer_pid" /loss loss-L1
done
row "/loss, L = 16" "$PORT" "$SERVICE_PID" /loss loss-L16
row "/encode, 1 vector" "$PORT" "$SERVICE_PID" /encode encode-1
row "peer /encode, 1 vector" 18091 "$peer_pid" /encode encode-1
echo "($(date -u '+%Y-%m-%d %H:%M UTC'), $JAR, load average $(cut -d' ' -f1-3 /proc/loadavg))"

#!/usr/bin/env bash
# What a training job's threads cost the requests beside it: /encode (one random 4-decimal vector, 16 connections)
# alone, then while a conv-preset job trains on the built-in shapes, for each vae.training.threads in THREADS;
# reports requests/s, p50 and p99 latency and the job's minibatches per second during the same window.
#   bench/serving-while-training.sh                 # THREADS="1 2", 15 s windows
#   THREADS="1 2" WINDOW=20 bench/serving-while-training.sh
# Needs wrk, python3 and target/vae-service.jar. All traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
PORT=${PORT:-18084}
WINDOW=${WINDOW:-15}
THREADS=${THREADS:-"1 2"}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseParallelGC -Xmx768m}
JAR=${JAR:-target/vae-service.jar}
WORK=$(mktemp -d /tmp/vae-swt.XXXXXX)
export OMP_NUM_THREADS=1
[ -f "$JAR" ] || ./mvnw -B -q -DskipTests package
python3 "${PEER:-../shared/peer}/body.py" 1 > "$WORK/encode-1.json"
URL="http://127.0.0.1:$PORT"
SERVICE_PID=
cleanup() { [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

encode() { # -> "requests/s p50-ms p99-ms"
  BODY="$WORK/encode-1.json" wrk -t2 -c16 -d"${WINDOW}s" --latency -s bench/post.lua "$URL/encode" > "$WORK/wrk.txt"
  python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
assert "Non-2xx" not in text, "non-2xx answers"
def ms(label):
    v, unit = re.search(label + r"\s+([\d.]+)(us|ms|s)\b", text).groups()
    return float(v) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
print(f'{rps:.0f} {ms("50%"):.2f} {ms("99%"):.2f}')
PY
}
step() { curl -s "$URL/jobs/$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["progress"]["step"])'; }
id_of() { python3 -c 'import json,sys; body = sys.stdin.read(); d = json.loads(body) if body.startswith("{") else {}
if "id" not in d: sys.exit("no id in: " + body[:400])
print(d["id"])'; }

rows=""
for t in $THREADS; do
  rm -rf "$WORK/storage"
  java $JAVA_OPTS -jar "$JAR" --server.port="$PORT" --server.address=127.0.0.1 --vae.storage.dir="$WORK/storage" \
    --vae.training.threads="$t" > "$WORK/service-$t.log" 2>&1 &
  SERVICE_PID=$!
  await_ready "$URL" "$SERVICE_PID" "$WORK/service-$t.log"
  encode > /dev/null # past the JIT's first minutes
  read -r alone_rps alone_p50 alone_p99 < <(encode)
  dataset=$(curl -s "$URL/datasets/shapes" -H 'Content-Type: application/json' -d '{"count": 20000, "seed": 1}' | id_of)
  job=$(curl -s "$URL/jobs" -H 'Content-Type: application/json' -d "{\"dataset\": \"$dataset\", \"architecture\": \"conv\",
    \"latentSize\": 20, \"epochs\": 50, \"batchSize\": 64}" | id_of)
  until [ "$(step "$job")" -gt 5 ]; do sleep 1; done
  before=$(step "$job"); started=$(date +%s.%N)
  read -r busy_rps busy_p50 busy_p99 < <(encode)
  steps=$(python3 -c "print(f'{($(step "$job") - $before) / ($(date +%s.%N) - $started):.2f}')")
  curl -s -X DELETE "$URL/jobs/$job" > /dev/null
  kill "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true; SERVICE_PID=
  rows="$rows| $t | $alone_rps | $alone_p50 / $alone_p99 | $busy_rps | $busy_p50 / $busy_p99 | $steps |"$'\n'
  echo "threads $t: alone $alone_rps req/s p99 $alone_p99 ms; beside the job $busy_rps req/s p99 $busy_p99 ms; job $steps steps/s" >&2
done
{
  printf '\n## Serving beside a training job (`bench/serving-while-training.sh`, %s, %s cores, load before: %s)\n\n' \
    "$(date -u '+%Y-%m-%d %H:%M')" "$(nproc --all)" "$(cut -d' ' -f1-3 /proc/loadavg)"
  printf '/encode of one random vector, 16 connections, %s s windows; the job: conv preset 1×28×28 [32, 64], latent 20, batch 64, on 20,000 built-in shapes.\n\n' "$WINDOW"
  printf '| vae.training.threads | /encode alone (req/s) | p50 / p99 ms | /encode beside the job (req/s) | p50 / p99 ms | job steps/s |\n| --- | --- | --- | --- | --- | --- |\n'
  printf '%s' "$rows"
} >> bench/RESULTS.md

#!/usr/bin/env bash
# The benchmark harness: one command, writes bench/RESULTS.md.
#   bench/run.sh                 # HTTP load (wrk), JMH of the model core, training throughput, startup, memory
#   SOAK=600 bench/run.sh        # also a 10-minute /encode soak with RSS sampled every minute
# Needs: a JDK 17, python3, wrk (installed with apt-get when missing). All traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18081}
DURATION=${DURATION:-10}
SOAK=${SOAK:-0}
OUT=bench/RESULTS.md
WORK=$(mktemp -d /tmp/vae-bench.XXXXXX)
export OMP_NUM_THREADS=1
# the container's JVM settings (Dockerfile)
JAVA_OPTS=${JAVA_OPTS:--XX:+UseParallelGC -Xmx768m}

command -v wrk >/dev/null || { echo "installing wrk" >&2; (apt-get update -qq && apt-get install -y -qq wrk) >&2; }
[ -f target/vae-service.jar ] || ./mvnw -B -q -DskipTests package
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test >&2

SERVICE_PID=
cleanup() { [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# --- request bodies: random 4-decimal inputs, as clients send (../shared/peer/body.py); a 0/1 image parses far
# faster and would flatter the service
PEER=${PEER:-../shared/peer}
python3 "$PEER/body.py" 1 > "$WORK/encode-1.json"
python3 "$PEER/body.py" 32 > "$WORK/encode-32.json"
python3 - "$WORK" <<'PY'
import json, random, struct, sys
work = sys.argv[1]
one = json.load(open(f"{work}/encode-1.json"))["inputs"]
many = json.load(open(f"{work}/encode-32.json"))["inputs"]
random.seed(11)
def z(n): return [[round(random.gauss(0, 1), 4) for _ in range(20)] for _ in range(n)]
def dump(name, body): json.dump(body, open(f"{work}/{name}.json", "w"))
dump("decode-1", {"z": z(1)})
dump("decode-32", {"z": z(32)})
dump("reconstruct-1", {"inputs": one})
dump("reconstruct-32", {"inputs": many})
dump("loss-L1", {"inputs": one, "samples": 1, "seed": 1})
dump("loss-L16", {"inputs": one, "samples": 16, "seed": 1})
dump("sample-1", {"n": 1, "seed": 1})
dump("sample-32", {"n": 32, "seed": 1})
dump("v2-1", {"inputs": [{"name": "x", "shape": [1, 784], "datatype": "FP32", "data": one[0]}]})
open(f"{work}/encode-1.bin", "wb").write(struct.pack("<784f", *one[0]))
header = json.dumps({"inputs": [{"name": "x", "shape": [1, 784], "datatype": "FP32",
                                 "parameters": {"binary_data_size": 784 * 4}}]}).encode()
open(f"{work}/v2-1.bin", "wb").write(header + struct.pack("<784f", *one[0]))
open(f"{work}/v2-1.len", "w").write(str(len(header)))
PY
started=$(date +%s.%N)
java $JAVA_OPTS -jar target/vae-service.jar --server.port="$PORT" --server.address=127.0.0.1 \
  --vae.storage.dir="$WORK/storage" > "$WORK/service.log" 2>&1 &
SERVICE_PID=$!
until curl -fs -o /dev/null -H 'Content-Type: application/json' -d @"$WORK/encode-1.json" "http://127.0.0.1:$PORT/encode"; do
  kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$WORK/service.log"; exit 1; }
  sleep 0.1
done
startup=$(python3 -c "import time; print(f'{time.time() - $started:.1f}')")
rss_start=$(rss_mib "$SERVICE_PID")

# shellcheck source=bench/lib.sh
. bench/lib.sh

# beside requests/s, the server's CPU (user + system) per request: with the load generator on the same two cores,
# requests/s swing with whatever else runs, while server CPU per request barely moves
table_row() { # name -> a table row from $WORK/wrk.txt (wrk --latency) and $WORK/cpu.txt (server CPU ticks)
  PERCENTILES="50 90 99" wrk_row "$1" "$WORK/wrk.txt" "$(cat "$WORK/cpu.txt")"
}

run_wrk() { # name path body [content-type] [port] [pid] -> a table row
  local type=${4:-application/json} port=${5:-$PORT} pid=${6:-$SERVICE_PID} file="$WORK/$3"
  [ -f "$file" ] || file="$WORK/$3.json"
  BODY="$file" CONTENT_TYPE="$type" EXTRA_HEADER="${EXTRA_HEADER:-}" wrk -t2 -c16 -d3s -s bench/post.lua "http://127.0.0.1:$port$2" > /dev/null
  local before; before=$(cpu_ticks "$pid")
  BODY="$file" CONTENT_TYPE="$type" EXTRA_HEADER="${EXTRA_HEADER:-}" wrk -t2 -c16 -d"${DURATION}s" --latency -s bench/post.lua "http://127.0.0.1:$port$2" > "$WORK/wrk.txt"
  echo "$(( $(cpu_ticks "$pid") - before ))" > "$WORK/cpu.txt"
  table_row "$1"
}

get_wrk() { # name path -> a table row for a GET
  wrk -t2 -c16 -d3s "http://127.0.0.1:$PORT$2" > /dev/null
  local before; before=$(cpu_ticks "$SERVICE_PID")
  wrk -t2 -c16 -d"${DURATION}s" --latency "http://127.0.0.1:$PORT$2" > "$WORK/wrk.txt"
  echo "$(( $(cpu_ticks "$SERVICE_PID") - before ))" > "$WORK/cpu.txt"
  table_row "$1"
}

# warm the JIT before any row: after a 3 s warm-up /encode answered ~4,900 requests/s, after two minutes of load
# ~9,000; a served model runs warm, so every row is measured warm (Python's peer has no JIT to warm)
WARMUP=${WARMUP:-60}
for body in encode-1 loss-L1 v2-1 decode-1; do
  path=/${body%-*}; [ "$body" = v2-1 ] && path=/v2/models/vae/infer
  BODY="$WORK/$body.json" wrk -t2 -c16 -d"$((WARMUP / 4))s" -s bench/post.lua "http://127.0.0.1:$PORT$path" > /dev/null
done
rows=$(
  get_wrk "GET /v2/health/live (the trivial-request floor)" /v2/health/live
  run_wrk "/encode, 1 vector" /encode encode-1
  run_wrk "/encode, 1 vector, binary float32" /encode encode-1.bin application/octet-stream
  run_wrk "/v2/models/vae/infer, 1 vector (JSON)" /v2/models/vae/infer v2-1
  EXTRA_HEADER="Inference-Header-Content-Length: $(cat "$WORK/v2-1.len")" \
    run_wrk "/v2/models/vae/infer, 1 vector (binary extension)" /v2/models/vae/infer v2-1.bin application/octet-stream
  run_wrk "/encode, 32 vectors" /encode encode-32
  run_wrk "/decode, 1 vector" /decode decode-1
  run_wrk "/decode, 32 vectors" /decode decode-32
  run_wrk "/reconstruct, 1 vector" /reconstruct reconstruct-1
  run_wrk "/reconstruct, 32 vectors" /reconstruct reconstruct-32
  run_wrk "/loss, L = 1" /loss loss-L1
  run_wrk "/loss, L = 16" /loss loss-L16
  run_wrk "/sample, n = 1" /sample sample-1
  run_wrk "/sample, n = 32" /sample sample-32
)
rss_after=$(rss_mib "$SERVICE_PID")
# --- the peer (FastAPI + PyTorch) in the same run, on the same bodies, while the service idles
peer_rows="(the peer did not start: install python3-torch python3-fastapi uvicorn libopenblas0-pthread)"
if /usr/bin/python3 -c 'import torch, fastapi, uvicorn' 2>/dev/null && PEER_PORT=18090 "$PEER/serve.sh" start >&2; then
  peer_rows=$(
    peer_pid=$(cat /tmp/vae-peer-18090.pid)
    run_wrk "peer /encode, 1 vector" /encode encode-1 application/json 18090 "$peer_pid"
    run_wrk "peer /loss, L = 1" /loss loss-L1 application/json 18090 "$peer_pid"
  )
  PEER_PORT=18090 "$PEER/serve.sh" stop
fi
batches=$(curl -s "http://127.0.0.1:$PORT/actuator/metrics/vae.batch.rows?tag=pass:encode" | python3 -c \
  "import json,sys; m={x['statistic']:x['value'] for x in json.load(sys.stdin)['measurements']}; print(f\"{m.get('TOTAL', 0)/max(1, m.get('COUNT', 0)):.1f} rows on average, at most {m.get('MAX', float('nan')):.0f}\")")

soak=""
if [ "$SOAK" -gt 0 ]; then
  soak="| minute | RSS MiB |"$'\n'"| --- | --- |"$'\n'"| 0 | $(rss_mib "$SERVICE_PID") |"
  for minute in $(seq 1 $((SOAK / 60))); do
    BODY="$WORK/encode-1.json" wrk -t2 -c16 -d60s -s bench/post.lua "http://127.0.0.1:$PORT/encode" > /dev/null
    soak="$soak"$'\n'"| $minute | $(rss_mib "$SERVICE_PID") |"
  done
fi
kill "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true; SERVICE_PID=

# --- model core (JMH) and training throughput, with the service stopped
CP="target/test-classes:target/classes:$(cat "$WORK/cp.txt")"
java -cp "$CP" org.openjdk.jmh.Main 'ModelBenchmarks.encode' -f 1 -wi 3 -i 5 -w 1s -r 2s -rf csv -rff "$WORK/jmh-encode.csv" > "$WORK/jmh.log" 2>&1
java -cp "$CP" org.openjdk.jmh.Main 'ModelBenchmarks.(lossL1|lossL16|iwaeK100)' -p batch=1 -f 1 -wi 3 -i 5 -w 1s -r 2s -rf csv -rff "$WORK/jmh-loss.csv" >> "$WORK/jmh.log" 2>&1
jmh=$(python3 - "$WORK/jmh-encode.csv" "$WORK/jmh-loss.csv" <<'PY'
import csv, sys
for f in sys.argv[1:]:
    for r in csv.DictReader(open(f)):
        name = r["Benchmark"].split(".")[-1]
        batch = r.get("Param: batch", "")
        label = f"encode, batch {batch}" if name == "encode" else {"lossL1": "loss, L = 1", "lossL16": "loss, L = 16", "iwaeK100": "IWAE, k = 100"}[name]
        score, err = float(r["Score"]), float(r["Score Error (99.9%)"] or 0)
        per_row = f"{score / int(batch):.1f}" if name == "encode" else ""
        print(f"| {label} | {score:.1f} ± {err:.1f} | {per_row} |")
PY
)
training=$(java -cp "$CP" dev.vae.training.TrainingBenchmark 3 10000 2>/dev/null | grep "examples/s" | tail -1)

# keep the Spark sections bench/spark.sh appended
kept_spark=$(python3 -c "import re,sys,os; t=open(sys.argv[1]).read() if os.path.exists(sys.argv[1]) else ''; print('\n'.join(m.group(0).strip() for m in re.finditer(r'^## Spark data-parallel training.*?(?=^## (?!Spark data-parallel)|^<!-- training:begin|\Z)', t, re.S | re.M)))" "$OUT")
# keep the sections bench/cold-start.sh and the /loss before/after wrote
kept_marked=$(python3 -c "import re,sys,os; t=open(sys.argv[1]).read() if os.path.exists(sys.argv[1]) else ''; print('\n\n'.join(m.group(0) for m in re.finditer(r'<!-- (cold-start|loss):begin -->.*?<!-- \\1:end -->', t, re.S)))" "$OUT")
# keep the training comparison bench/training.sh wrote
kept=$(python3 -c "import re,sys; t=open(sys.argv[1]).read() if __import__('os').path.exists(sys.argv[1]) else ''; m=re.search(r'<!-- training:begin -->.*?<!-- training:end -->', t, re.S); print(m.group(0) if m else '')" "$OUT")
cat > "$OUT" <<EOF
# Benchmark results

Written by \`bench/run.sh\` on $(date -u +%Y-%m-%d). Machine: $(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2}'),
$(nproc --all) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr), $(java -version 2>&1 | head -1);
ND4J 1.0.0-M2.1 \`nd4j-native\` linux-x86_64, OMP_NUM_THREADS=1, JVM options \`$JAVA_OPTS\`.
Load generator (wrk) on the same machine.

## HTTP (wrk -t2 -c16, ${DURATION} s after a 3 s warm-up each, all after ${WARMUP} s of warm-up load; random 4-decimal inputs from \`body.py\`)

Server CPU µs/request is the server process's user + system CPU time over the run divided by the requests
answered: on two cores shared with the load generator (and whatever else runs) requests/s swing from run to run,
CPU per request much less.

| request | requests/s | p50 ms | p90 ms | p99 ms | server CPU µs/request | non-2xx |
| --- | --- | --- | --- | --- | --- | --- |
$rows

The peer, \`../shared/peer\` (FastAPI + PyTorch, the same 784-400-20 VAE, 1 BLAS thread), same bodies, same run:

| request | requests/s | p50 ms | p90 ms | p99 ms | server CPU µs/request | non-2xx |
| --- | --- | --- | --- | --- | --- | --- |
$peer_rows

Micro-batching during the load above: $batches (\`vae.batch.rows\`, encode).

| | value |
| --- | --- |
| start to first answered \`/encode\` (natives already unpacked) | ${startup} s |
| resident memory after start | ${rss_start} MiB |
| resident memory after the load above | ${rss_after} MiB |

## Model core (JMH, 1 fork, 5 × 2 s after 3 × 1 s warm-up; µs per call, 99.9% error)

| operation | µs per call | µs per row |
| --- | --- | --- |
$jmh

## Training (784-400-20, Bernoulli, batch 100, Adam, 10,000 built-in shapes)

$training — minibatch steps only, best of 3 epochs (\`TrainingBenchmark\`).
EOF
if [ -n "$soak" ]; then printf '\n## Soak (%s s of single-vector /encode, 16 connections)\n\n%s\n' "$SOAK" "$soak" >> "$OUT"; fi
if [ -n "$kept" ]; then printf '\n%s\n' "$kept" >> "$OUT"; fi
if [ -n "$kept_marked" ]; then printf '\n%s\n' "$kept_marked" >> "$OUT"; fi
if [ -n "$kept_spark" ]; then printf '\n%s\n' "$kept_spark" >> "$OUT"; fi
echo "wrote $OUT" >&2

#!/usr/bin/env bash
# A bounded soak of mixed valid and invalid traffic on 127.0.0.1: fails on any 5xx or on resident memory growing
# more than SOAK_GROWTH_PCT percent between the end of the warm-up and the end.
#   bench/soak.sh                     # 2 minutes
#   SOAK_SECONDS=40 bench/soak.sh     # the short version CI runs (15 s warm-up, 25 s measured)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${SOAK_SECONDS:-120}
GROWTH=${SOAK_GROWTH_PCT:-25}
PORT=${PORT:-18082}
WORK=$(mktemp -d /tmp/vae-soak.XXXXXX)
export OMP_NUM_THREADS=1
command -v wrk >/dev/null || { echo "installing wrk" >&2; (apt-get update -qq && apt-get install -y -qq wrk) >&2; }
[ -f target/vae-service.jar ] || ./mvnw -B -q -DskipTests package
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
x = [0.0] * 784
for i in range(300, 484): x[i] = 1.0
valid = [("/encode", {"inputs": [x]}), ("/decode", {"z": [[0.1] * 20]}), ("/reconstruct", {"inputs": [x]}),
         ("/loss", {"inputs": [x], "samples": 2, "seed": 1}), ("/sample", {"n": 2, "seed": 3})]
bad = list(x); bad[5] = 7.0
invalid = [("/encode", {"inputs": [x[:100]]}), ("/encode", {"inputs": [bad]}), ("/decode", {"z": [[1] * 3]}),
           ("/loss", {"inputs": [x], "iwae_k": -1}), ("/sample", {"n": 0}), ("/encode", "{\"inputs\": [[0.1,"),
           ("/reconstruct", {"inputs": [x], "latent": "median"}), ("/encode", {"inputs": [[None] * 784]})]
def line(p, b): return p + " " + (b if isinstance(b, str) else json.dumps(b))
open(f"{w}/valid.txt", "w").write("\n".join(line(p, b) for p, b in valid) + "\n")
open(f"{w}/invalid.txt", "w").write("\n".join(line(p, b) for p, b in invalid) + "\n")
PY
java -XX:+UseParallelGC -Xmx768m -jar target/vae-service.jar --server.port="$PORT" --server.address=127.0.0.1 \
  --vae.storage.dir="$WORK/storage" --logging.level.root=WARN > "$WORK/service.log" 2>&1 &
PID=$!
until curl -fs -o /dev/null "http://127.0.0.1:$PORT/actuator/health"; do
  kill -0 "$PID" 2>/dev/null || { cat "$WORK/service.log"; exit 1; }
  sleep 0.2
done
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$PID/status"; }
export VALID="$WORK/valid.txt" INVALID="$WORK/invalid.txt"
# the warm-up lasts at least 15 s: the heap grows to its working size under the first seconds of load, and a
# shorter warm-up measured that growth, not a leak (RSS 179 MiB after 5 s, 457 after 15 s, 408 at the end of 60 s)
warm=$((SECONDS_TOTAL / 4 > 15 ? SECONDS_TOTAL / 4 : 15))
[ "$SECONDS_TOTAL" -gt "$warm" ] || { echo "SOAK_SECONDS must exceed the ${warm} s warm-up" >&2; exit 2; }
wrk -t2 -c16 -d"${warm}s" -s bench/mixed.lua "http://127.0.0.1:$PORT" > "$WORK/warm.txt"
before=$(rss)
wrk -t2 -c16 -d"$((SECONDS_TOTAL - warm))s" -s bench/mixed.lua "http://127.0.0.1:$PORT" > "$WORK/run.txt"
after=$(rss)
cat "$WORK/warm.txt" "$WORK/run.txt" | grep '^mixed:'
fivexx=$(cat "$WORK/warm.txt" "$WORK/run.txt" | awk '/^mixed:/ {s += $(NF-2)} END {print s + 0}')
echo "soak: ${SECONDS_TOTAL} s of mixed traffic, RSS ${before} MiB after warm-up, ${after} MiB at the end, ${fivexx} 5xx"
[ "$fivexx" -eq 0 ] || { echo "FAIL: 5xx answers" >&2; exit 1; }
[ "$after" -le $((before * (100 + GROWTH) / 100)) ] || { echo "FAIL: memory grew more than ${GROWTH}%" >&2; exit 1; }
echo "PASS"

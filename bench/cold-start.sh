#!/usr/bin/env bash
# No cold minute: how fast a fresh service answers /encode in its first 15 s of load after readiness turns UP,
# against its steady rate later in the same process, with the request-path warm-up on and off in the same run.
#   bench/cold-start.sh                    # writes the cold-start section of bench/RESULTS.md
#   STEADY_AFTER=120 WARMUP_ARGS="--vae.warmup.duration=30s" bench/cold-start.sh
# For each mode: start the jar, time start to readiness UP (/actuator/health/readiness 200), run wrk on
# /encode (1 random 4-decimal vector) for 15 s, keep the load on for STEADY_AFTER s, then measure 15 s more.
# Needs wrk, python3 and target/vae-service.jar. All traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18082}
FIRST=${FIRST:-15}
STEADY_AFTER=${STEADY_AFTER:-90}
WARMUP_ARGS=${WARMUP_ARGS:-}
MODES=${MODES:-"off on"}
OUT=bench/RESULTS.md
JAVA_OPTS=${JAVA_OPTS:--XX:+UseParallelGC -Xmx768m}
JAR=${JAR:-target/vae-service.jar}
WORK=$(mktemp -d /tmp/vae-cold.XXXXXX)
export OMP_NUM_THREADS=1
[ -f "$JAR" ] || ./mvnw -B -q -DskipTests package
python3 "${PEER:-../shared/peer}/body.py" 1 > "$WORK/encode-1.json"

SERVICE_PID=
cleanup() { [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh
now() { date +%s.%N; }

load() { # seconds -> "requests/s CPU-µs/request" of /encode over that many seconds
  local before; before=$(cpu_ticks "$SERVICE_PID")
  BODY="$WORK/encode-1.json" wrk -t2 -c16 -d"$1s" -s bench/post.lua "http://127.0.0.1:$PORT/encode" > "$WORK/wrk.txt"
  python3 - "$WORK/wrk.txt" "$(( $(cpu_ticks "$SERVICE_PID") - before ))" <<'PY'
import os, re, sys
text, ticks = open(sys.argv[1]).read(), int(sys.argv[2])
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
n = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
assert not bad, f"{bad.group(1)} non-2xx answers"
print(f"{rps:.0f} {ticks / os.sysconf('SC_CLK_TCK') * 1e6 / max(1, n):.0f}")
PY
}

rows=""
for mode in $MODES; do
  enabled=$([ "$mode" = on ] && echo true || echo false)
  rm -rf "$WORK/storage"
  started=$(now)
  java $JAVA_OPTS -jar "$JAR" --server.port="$PORT" --server.address=127.0.0.1 \
    --vae.storage.dir="$WORK/storage" --vae.warmup.enabled="$enabled" $WARMUP_ARGS \
    > "$WORK/service-$mode.log" 2>&1 &
  SERVICE_PID=$!
  await_ready "http://127.0.0.1:$PORT" "$SERVICE_PID" "$WORK/service-$mode.log"
  ready=$(python3 -c "print(f'{$(now) - $started:.1f}')")
  read -r first_rps first_cpu < <(load "$FIRST")
  load "$STEADY_AFTER" > /dev/null
  read -r steady_rps steady_cpu < <(load "$FIRST")
  warmed=$(grep -o 'Warmed up the request path with .* ms (until [^)]*)' "$WORK/service-$mode.log" || echo "no warm-up")
  boot=$(grep -o 'Started VaeApplication in [0-9.]* seconds' "$WORK/service-$mode.log" | grep -o '[0-9.]*' || echo "?")
  kill "$SERVICE_PID"; wait "$SERVICE_PID" 2>/dev/null || true; SERVICE_PID=
  ratio=$(python3 -c "print(f'{$first_rps / $steady_rps:.2f}')")
  row="| $mode | $ready | $boot | $first_rps | $first_cpu | $steady_rps | $steady_cpu | $ratio | $warmed |"
  echo "$row" >&2
  rows="$rows$row"$'\n'
done

section="<!-- cold-start:begin -->
## Cold start: /encode in the first ${FIRST} s after ready vs. steady state (\`bench/cold-start.sh\`)

Written on $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc --all) cores shared with other work (load average at the end:
$(cut -d' ' -f1-3 /proc/loadavg)), JVM options \`$JAVA_OPTS\`, wrk -t2 -c16 on the same machine, one random
4-decimal vector per request. Each mode is a fresh process: ready = start of \`java -jar\` to
\`/actuator/health/readiness\` 200; first = the first ${FIRST} s of load after that; steady = ${FIRST} s after
${STEADY_AFTER} s more of load. Warm-up settings: ${WARMUP_ARGS:-the defaults} (at least 10 s, then until the JIT
compiles for less than 2% of two seconds, at most 60 s); Spring's own start is the \`Started VaeApplication in\` figure.

| warm-up | start to ready s | of which Spring start s | first ${FIRST} s requests/s | CPU µs/request | steady requests/s | CPU µs/request | first / steady | warm-up log |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows%$'\n'}
<!-- cold-start:end -->"
python3 - "$OUT" "$section" <<'PY'
import os, re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
if "<!-- cold-start:begin -->" in text:
    text = re.sub(r"<!-- cold-start:begin -->.*?<!-- cold-start:end -->", lambda m: section, text, flags=re.S)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "wrote the cold-start section of $OUT" >&2

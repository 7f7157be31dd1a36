#!/usr/bin/env bash
# What docker-compose.yml deploys, proved on this machine with processes on 127.0.0.1: 3 replicas of the service
# behind HAProxy, sharing PostgreSQL (Debian's package, database vae_replicas_check) and an S3 store (S3Mock from the
# jar Maven resolves). Clients post /encode through the balancer while a new model is activated through it and one
# replica is killed with SIGKILL. Prints PASS or FAIL, the requests answered, the failures (which must be 0; requests
# in flight on the killed replica are counted apart) and the time until every replica served the new model.
#
#   scripts/replicas-check.sh            (needs root: apt-get for haproxy/postgresql, su postgres)
#   CLIENTS=8 scripts/replicas-check.sh  (client threads, default 4)
set -euo pipefail
cd "$(dirname "$0")/.."

clients=${CLIENTS:-4}
key=replicas-check-key
balancer=${BALANCER_PORT:-18180}
stats=${STATS_PORT:-18200}
s3_port=${S3_PORT:-18190}
ports=(18181 18182 18183)
work=$(mktemp -d "${TMPDIR:-/tmp}/vae-replicas-check.XXXXXX")
pids=()

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
}
trap cleanup EXIT
log() { echo "replicas-check: $*" >&2; }

command -v haproxy >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy) >&2
eval "$(scripts/postgres-up.sh vae_replicas_check)"
[ -f target/vae-service.jar ] || ./mvnw -B -q -DskipTests package >&2
[ -f target/s3mock/s3mock.jar ] || ./mvnw -B -q dependency:copy@s3mock >&2

log "S3Mock on 127.0.0.1:$s3_port, files under $work"
mkdir -p "$work/s3"
java -Xmx256m -jar target/s3mock/s3mock.jar --server.address=127.0.0.1 --server.port=$((s3_port + 1)) \
  --com.adobe.testing.s3mock.httpPort=$s3_port --com.adobe.testing.s3mock.store.root="$work/s3" \
  --com.adobe.testing.s3mock.store.initialBuckets=vae --logging.level.root=WARN >"$work/s3.log" 2>&1 &
pids+=($!)

await() { # url seconds
  for _ in $(seq 1 $(($2 * 5))); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.2
  done
  log "$1 did not answer within $2 s"; return 1
}
await "http://127.0.0.1:$s3_port/" 60

replica_pids=()
for i in 0 1 2; do
  OMP_NUM_THREADS=1 AWS_ACCESS_KEY_ID=check AWS_SECRET_ACCESS_KEY=check VAE_SECURITY_API_KEYS=$key \
    java -XX:+UseParallelGC -Xmx768m -jar target/vae-service.jar --server.port="${ports[$i]}" \
    --server.address=127.0.0.1 --vae.storage.dir="$work/replica-$((i + 1))" --vae.replica.id="replica-$((i + 1))" \
    --spring.datasource.url="$VAE_TEST_POSTGRES_URL" --spring.datasource.username="$VAE_TEST_POSTGRES_USER" \
    --spring.datasource.password="$VAE_TEST_POSTGRES_PASSWORD" --vae.storage.s3.bucket=vae \
    --vae.storage.s3.endpoint="http://127.0.0.1:$s3_port" --vae.storage.s3.path-style=true \
    >"$work/replica-$((i + 1)).log" 2>&1 &
  pids+=($!)
  replica_pids+=($!)
done
for port in "${ports[@]}"; do
  await "http://127.0.0.1:$port/actuator/health/readiness" 300
done
log "3 replicas ready on ports ${ports[*]}"

cat >"$work/haproxy.cfg" <<CFG
global
  maxconn 2000
  log stdout format raw local0
defaults
  mode http
  log global
  option httplog
  option dontlog-normal
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # inference is free of side effects: a request whose replica refused the connection or died before answering is
  # sent to another one
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response response-timeout
  # a fresh server connection per request: a pooled connection to a replica that was just killed is not reused
  http-reuse never
frontend vae
  bind 127.0.0.1:$balancer
  default_backend replicas
listen stats
  bind 127.0.0.1:$stats
  stats enable
  stats uri /stats
backend replicas
  balance roundrobin
  option httpchk GET /actuator/health/readiness
  http-check expect status 200
  default-server inter 500ms fall 3 rise 2
  server replica-1 127.0.0.1:${ports[0]} check
  server replica-2 127.0.0.1:${ports[1]} check
  server replica-3 127.0.0.1:${ports[2]} check
CFG
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
pids+=($!)
await "http://127.0.0.1:$balancer/actuator/health/readiness" 30
sleep 2 # the first health checks

lb="http://127.0.0.1:$balancer"
curl -fs "$lb/models/default/checkpoint" -o "$work/copy.vae"
model=$(curl -fs "$lb/models" -H "Authorization: Bearer $key" -H 'Content-Type: application/octet-stream' \
  --data-binary @"$work/copy.vae" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
log "uploaded model $model through the balancer"

mkdir -p "$work/control"
python3 scripts/replicas-load.py "$balancer" "$clients" "$work/control" >"$work/load.json" &
load=$!
pids+=($load)
sleep 5

started=$(date +%s.%N)
status=$(curl -s -o /dev/null -w '%{http_code}' -X PUT "$lb/models/active" -H "Authorization: Bearer $key" \
  -H 'Content-Type: application/json' -d "{\"id\": \"$model\"}")
answered_put=$(date +%s.%N)
[ "$status" = 200 ] || { log "activation answered $status"; exit 1; }
# every replica asked directly, every 20 ms, until all three answer with the new model
served_all=$(python3 - "$model" "${ports[@]}" <<'PY'
import json, sys, time, urllib.request
model, ports = sys.argv[1], sys.argv[2:]
deadline = time.time() + 60
while time.time() < deadline:
    served = 0
    for port in ports:
        try:
            with urllib.request.urlopen("http://127.0.0.1:%s/model" % port, timeout=5) as response:
                served += json.load(response)["id"] == model
        except OSError:
            pass
    if served == len(ports):
        print("%.6f" % time.time())
        break
    time.sleep(0.02)
PY
)
[ -n "$served_all" ] || { log "not every replica served $model within 60 s"; exit 1; }
sleep 3

log "SIGKILL replica-2 under load"
date +%s.%N >"$work/control/killed-at"
kill -9 "${replica_pids[1]}"
# when the balancer's health check marks it DOWN (its stats page, polled every 20 ms)
python3 - "$stats" >"$work/control/down-at" <<'PY'
import csv, io, sys, time, urllib.request
deadline = time.time() + 30
while time.time() < deadline:
    with urllib.request.urlopen("http://127.0.0.1:%s/stats;csv" % sys.argv[1], timeout=5) as response:
        rows = csv.DictReader(io.StringIO(response.read().decode().lstrip("# ")))
        if any(r["svname"] == "replica-2" and r["status"].startswith("DOWN") for r in rows):
            print("%.6f" % time.time())
            break
    time.sleep(0.02)
PY
sleep 10
touch "$work/control/stop"
wait "$load"

after=$(curl -fs "$lb/model" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
python3 - "$work/load.json" "$started" "$answered_put" "$served_all" "$model" "$after" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))
started, answered, served = (float(v) for v in sys.argv[2:5])
model, after = sys.argv[5], sys.argv[6]
ok = load["failures"] == 0 and load["answered"] > 0 and after == model
print("PASS" if ok else "FAIL")
print("requests answered: %d of %d" % (load["answered"], load["requests"]))
print("failures: %d" % load["failures"])
print("failed requests in flight on the killed replica (or sent to it before the balancer marked it DOWN, "
      "%.0f ms after the kill): %d" % ((load["down_at"] - load["killed_at"]) * 1000, load["in_flight_on_killed"]))
print("activation answered after %.0f ms; all 3 replicas served the new model after %.0f ms"
      % ((answered - started) * 1000, (served - started) * 1000))
print("model served through the balancer after the kill: %s" % after)
print("killed at %.3f" % load["killed_at"])
for sample in load["failure_samples"]:
    print("  failure: %s" % sample)
for sample in load["in_flight_samples"]:
    print("  in flight on the killed replica: %s" % sample)
sys.exit(0 if ok else 1)
PY

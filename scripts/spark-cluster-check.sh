#!/usr/bin/env bash
# Proves data-parallel training on a real Spark standalone cluster, started here from the Maven jars:
# a master and two workers (one core each) on 127.0.0.1, the service jar with a temporary storage
# directory and an API key, then
#   1. POST /jobs {"engine": "spark"}: the service starts the Spark driver against the cluster, follows it,
#      and registers the model;
#   2. the Spark application started by hand (as spark-submit would), registering its model with
#      POST /models and the API key;
# and checks that both models registered and answer /encode, and that the Spark job's held-out -ELBO is within 1%
# of the same job on the service's own trainer. Prints PASS with the per-step time.
# Everything it started is stopped on exit, also on failure.
#
#   scripts/spark-cluster-check.sh                  # builds target/*.jar when missing
#   REBUILD=1 EPOCHS=2 COUNT=4000 scripts/spark-cluster-check.sh
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
cd "$ROOT"

EPOCHS="${EPOCHS:-2}"
COUNT="${COUNT:-3000}"
KEY="check-$RANDOM$RANDOM"
WORK="$(mktemp -d /tmp/spark-cluster-check.XXXXXX)"
SPARK_HOME_DIR="$ROOT/target/spark-home"
PIDS=()
RESULT="FAIL"
export OMP_NUM_THREADS=1 SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13

log() { printf '[spark-cluster-check] %s\n' "$*" >&2; }

cleanup() {
	local rc=$?
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pkill -TERM -P "${PIDS[i]}" 2>/dev/null || true   # executors the workers started
		kill "${PIDS[i]}" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$pid" 2>/dev/null || true
	done
	if [[ "$RESULT" != "PASS" ]]; then
		for f in "$WORK"/*.log; do
			[[ -f "$f" ]] || continue
			log "--- tail of $(basename "$f")"
			tail -n 25 "$f" >&2 || true
		done
		echo "FAIL (exit $rc)"
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # url, seconds
	for _ in $(seq "$2"); do
		curl -sf "$1" >/dev/null 2>&1 && return 0
		sleep 1
	done
	log "no answer from $1 after $2 s"
	return 1
}

# --- the artifacts: service jar, job jar, and Spark's jars as a SPARK_HOME -------------------------------
if [[ -n "${REBUILD:-}" || ! -f target/vae-service.jar || ! -f target/vae-spark-job.jar ]]; then
	log "building the service and job jars"
	./mvnw -B -q package -DskipTests
fi
scripts/spark-home.sh "$SPARK_HOME_DIR"
JARS="$SPARK_HOME_DIR/jars/*"
JVM_OPTS=(-Xmx512m $(sed -n 's:.*<spark.jvm.options>\(.*\)</spark.jvm.options>.*:\1:p' pom.xml))

# --- the cluster -------------------------------------------------------------------------------------------
MASTER_PORT=$(free_port)
MASTER="spark://127.0.0.1:$MASTER_PORT"
log "master on $MASTER"
java "${JVM_OPTS[@]}" -cp "$JARS" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$MASTER_PORT" \
	--webui-port "$(free_port)" >"$WORK/master.log" 2>&1 &
PIDS+=($!)
for w in 1 2; do
	SPARK_HOME="$SPARK_HOME_DIR" java "${JVM_OPTS[@]}" -cp "$JARS" org.apache.spark.deploy.worker.Worker \
		--host 127.0.0.1 --cores 1 --memory 1500m --webui-port "$(free_port)" --work-dir "$WORK/worker$w" \
		"$MASTER" >"$WORK/worker$w.log" 2>&1 &
	PIDS+=($!)
done
for _ in $(seq 60); do
	[[ $(grep -c "Registering worker" "$WORK/master.log" 2>/dev/null || true) -ge 2 ]] && break
	sleep 1
done
[[ $(grep -c "Registering worker" "$WORK/master.log") -ge 2 ]] || { log "the workers did not register"; exit 1; }
log "two workers registered"

# --- the service, configured for Spark jobs ----------------------------------------------------------------
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
java -Xmx768m -jar target/vae-service.jar --server.address=127.0.0.1 --server.port="$PORT" \
	--vae.storage.dir="$WORK/storage" --vae.security.api-keys="$KEY" \
	--vae.spark.master="$MASTER" --vae.spark.job-jar="$ROOT/target/vae-spark-job.jar" \
	--vae.spark.jars-dir="$SPARK_HOME_DIR/jars" --vae.spark.partitions=2 \
	"--vae.spark.conf[spark.executor.memory]=1g" "--vae.spark.conf[spark.cores.max]=2" >"$WORK/service.log" 2>&1 &
PIDS+=($!)
wait_for "$BASE/actuator/health" 120
AUTH=(-H "Authorization: Bearer $KEY")
DATASET=$(curl -sf "${AUTH[@]}" "$BASE/datasets/shapes" -H 'Content-Type: application/json' \
	-d "{\"count\": $COUNT, \"seed\": 1}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
log "dataset $DATASET ($COUNT shapes)"
SPEC="{\"dataset\": \"$DATASET\", \"name\": \"spark-check\", \"epochs\": $EPOCHS, \"batchSize\": 100, \"seed\": 7}"

encode_ok() { # model id -> prints the number of mu values
	python3 -c 'import json; print(json.dumps({"inputs": [[0.0]*784], "model": "'"$1"'"}))' >"$WORK/body.json"
	curl -sf "$BASE/encode" -H 'Content-Type: application/json' -d @"$WORK/body.json" |
		python3 -c 'import json,sys; d = json.load(sys.stdin); print(len(d["results"][0]["mu"]) if d["model"] == sys.argv[1] else 0)' "$1"
}

# 1. through the service
JOB=$(curl -sf "${AUTH[@]}" "$BASE/jobs" -H 'Content-Type: application/json' \
	-d "${SPEC%\}}, \"engine\": \"spark\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
log "job $JOB submitted with engine spark"
for _ in $(seq 600); do
	STATUS=$(curl -sf "${AUTH[@]}" "$BASE/jobs/$JOB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
	[[ "$STATUS" == SUCCEEDED || "$STATUS" == FAILED || "$STATUS" == CANCELLED ]] && break
	sleep 1
done
curl -sf "${AUTH[@]}" "$BASE/jobs/$JOB" >"$WORK/job.json"
[[ "$STATUS" == SUCCEEDED ]] || { log "job $JOB ended $STATUS: $(cat "$WORK/job.json")"; exit 1; }
MODEL1=$(python3 -c 'import json; print(json.load(open("'"$WORK/job.json"'"))["model"])')
[[ "$(encode_ok "$MODEL1")" == 20 ]] || { log "model $MODEL1 does not serve /encode"; exit 1; }
log "job $JOB registered $MODEL1, which answers /encode"

# the same job on the service's own trainer: the held-out -ELBO must agree within 1%
LOCAL=$(curl -sf "${AUTH[@]}" "$BASE/jobs" -H 'Content-Type: application/json' -d "$SPEC" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
for _ in $(seq 600); do
	STATUS=$(curl -sf "${AUTH[@]}" "$BASE/jobs/$LOCAL" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
	[[ "$STATUS" == SUCCEEDED || "$STATUS" == FAILED || "$STATUS" == CANCELLED ]] && break
	sleep 1
done
curl -sf "${AUTH[@]}" "$BASE/jobs/$LOCAL" >"$WORK/local.json"
COMPARED=$(python3 - "$WORK/job.json" "$WORK/local.json" <<'EOF'
import json, sys
spark, local = (json.load(open(f))["epochs"][-1]["validationNegElbo"] for f in sys.argv[1:])
print(f"held-out -ELBO {spark:.3f} (Spark) vs {local:.3f} (local trainer), {abs(spark - local) / local:.3%} apart")
sys.exit(0 if abs(spark - local) <= 0.01 * local else 1)
EOF
) || { log "Spark and local training disagree: $COMPARED"; exit 1; }
log "$COMPARED"

# 2. the application by hand, as spark-submit runs it, registering over HTTP with the API key
echo "$SPEC" >"$WORK/spec.json"
VAE_API_KEY="$KEY" java "${JVM_OPTS[@]}" -cp "$ROOT/target/vae-spark-job.jar:$JARS" dev.vae.spark.SparkTraining \
	--master "$MASTER" --spec "$WORK/spec.json" --data "$WORK/storage/datasets/$DATASET.f32" --format f32 \
	--shape 28,28,1 --partitions 2 --out "$WORK/by-hand.vae" --register "$BASE" \
	--conf spark.driver.host=127.0.0.1 --conf spark.executor.memory=1g --conf spark.cores.max=2 \
	>"$WORK/driver.jsonl" 2>"$WORK/driver.log"
MODEL2=$(python3 -c 'import json
for l in open("'"$WORK/driver.jsonl"'"):
    e = json.loads(l)
    if e["event"] == "finished": print(e["model"])')
curl -sf "$BASE/models/$MODEL2" >/dev/null || { log "model $MODEL2 is not in the registry"; exit 1; }
[[ "$(encode_ok "$MODEL2")" == 20 ]] || { log "model $MODEL2 does not serve /encode"; exit 1; }
SUMMARY=$(python3 - "$WORK/driver.jsonl" <<'EOF'
import json, statistics, sys
steps = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "step"]
epochs = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "epoch"]
later = steps[len(steps) // 10:]  # the first steps include the executors' warm-up
step = statistics.median(s["stepMillis"] for s in later)
compute = statistics.median(s["computeMillis"] for s in later)
print(f"{len(steps)} steps of 100 on 2 executors: median step {step:.1f} ms (slowest partition's compute {compute:.1f} ms, "
      f"aggregation and scheduling {step - compute:.1f} ms); held-out -ELBO after {len(epochs)} epochs {epochs[-1]['validationNegElbo']:.2f}")
EOF
)
RESULT="PASS"
echo "PASS: standalone master + 2 workers on 127.0.0.1; service job $JOB -> $MODEL1 and spark application -> $MODEL2 both serve /encode; $COMPARED; $SUMMARY"

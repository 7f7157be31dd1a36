#!/usr/bin/env bash
# Proves data-parallel training on a real Spark standalone cluster, started here from the Maven jars:
# the S3 test server (S3Mock, its executable jar) holding the service's datasets and models, a master and two
# workers (one core each) on 127.0.0.1, the service with that bucket, an API key and a Spark driver of
# 512 MB heap (the least Spark accepts), then
#   1. POST /jobs {"engine": "spark"}: the service starts the Spark driver against the cluster, the executors
#      read their ranges of the dataset from the bucket, and the service registers the model;
#   2. the Spark application started by hand (as spark-submit would) on s3://…, registering its model with
#      POST /models and the API key;
#   3. a dataset the driver could not hold (BIG_COUNT=200000 shapes: 627 MB of float32 against the driver's
#      512 MB heap) trained by a Spark job whose driver is killed (kill -9) once mid-epoch: the service starts
#      it again with --resume from its last training checkpoint, and the job succeeds;
# and checks that the models registered and answer /encode, that the Spark job's held-out -ELBO is within 1%
# of the same job on the service's own trainer, and that the big job's driver heap peaked below the dataset's
# size. Prints PASS with the per-step times and the driver's peak heap.
# Everything it started is stopped on exit, also on failure.
#
#   scripts/spark-cluster-check.sh                  # builds target/*.jar when missing
#   REBUILD=1 EPOCHS=2 COUNT=4000 BIG_COUNT=200000 BIG_EPOCHS=1 scripts/spark-cluster-check.sh
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
cd "$ROOT"

EPOCHS="${EPOCHS:-2}"
COUNT="${COUNT:-3000}"
BIG_COUNT="${BIG_COUNT:-200000}"
BIG_EPOCHS="${BIG_EPOCHS:-1}"
BIG_BATCH="${BIG_BATCH:-1000}"
KILL_AT="${KILL_AT:-75}"           # the big job's driver is killed once past this step (a checkpoint every 50)
# Spark refuses a driver heap below 450 MB (1.5 x its 300 MB reserve) unless told by its testing settings
DRIVER_MEMORY="${DRIVER_MEMORY:-512MB}"
# the service itself reads a finished job's whole dataset for its anomaly reference (JobCalibration): twice the
# big dataset's size
SERVICE_HEAP="${SERVICE_HEAP:-2560m}"
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

# --- the artifacts: service, job classes, and Spark's jars as a SPARK_HOME ------------------------------------
# With the packaged jars (./mvnw package: the service's executable jar and the shaded job jar) the service and the
# application run from them, as deployed. Without them (an offline build cannot pack them: the shade and
# repackage steps need plugin dependencies that ~/.m2 may lack) they run from target/classes and the Maven class
# path, and the executors get the job's classes and the model core's jars on their class path (all on this host).
if [[ -n "${REBUILD:-}" ]]; then
	log "building the service and job jars"
	./mvnw -B -q -o package -DskipTests || log "packaging failed: running from target/classes"
fi
[[ -f target/s3mock/s3mock.jar && -d target/classes/dev ]] || ./mvnw -B -q -o process-test-resources
scripts/spark-home.sh "$SPARK_HOME_DIR"
JARS="$SPARK_HOME_DIR/jars/*"
JVM_OPTS=(-Xmx512m $(sed -n 's:.*<spark.jvm.options>\(.*\)</spark.jvm.options>.*:\1:p' pom.xml))
if [[ -f target/vae-spark-job.jar ]] && unzip -l target/vae-service.jar 2>/dev/null | grep -q BOOT-INF; then
	log "running from target/vae-service.jar and target/vae-spark-job.jar"
	SERVICE_CMD=(-jar target/vae-service.jar)
	JOB_CP="$ROOT/target/vae-spark-job.jar"
	SERVICE_SPARK=(--vae.spark.job-jar="$JOB_CP" --vae.spark.jars-dir="$SPARK_HOME_DIR/jars")
	EXECUTOR_CONF=()
else
	log "no packaged jars: running from target/classes and the Maven class path"
	./mvnw -B -q -o dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/runtime.cp"
	SERVICE_CMD=(-cp "$ROOT/target/classes:$(cat "$WORK/runtime.cp")" dev.vae.VaeApplication)
	JOB_CP="$ROOT/target/classes:$(tr ':' '\n' <"$WORK/runtime.cp" | grep -E '/org/(nd4j|deeplearning4j|bytedeco)/' | paste -sd:)"
	SERVICE_SPARK=(--vae.spark.classpath="$JOB_CP:$SPARK_HOME_DIR/jars/*"
		"--vae.spark.conf[spark.executor.extraClassPath]=$JOB_CP")
	EXECUTOR_CONF=(--conf "spark.executor.extraClassPath=$JOB_CP")
fi

# --- the S3 test server, one bucket ----------------------------------------------------------------------
S3_PORT=$(free_port)
S3="http://127.0.0.1:$S3_PORT"
mkdir -p "$WORK/s3"
java -Xmx384m -jar target/s3mock/s3mock.jar --server.address=127.0.0.1 --server.port="$(free_port)" \
	--com.adobe.testing.s3mock.httpPort="$S3_PORT" --com.adobe.testing.s3mock.store.root="$WORK/s3" \
	--com.adobe.testing.s3mock.store.initialBuckets=vae --logging.level.root=WARN >"$WORK/s3mock.log" 2>&1 &
PIDS+=($!)
wait_for "$S3" 120
log "S3 test server on $S3, bucket vae"
# S3Mock accepts any key; the service finds these through the AWS SDK's default chain, the executors in
# the spark.vae.s3.* settings
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1
S3_CONF=(--conf "spark.vae.s3.endpoint=$S3" --conf spark.vae.s3.path-style=true --conf spark.vae.s3.access-key=test
	--conf spark.vae.s3.secret-key=test)

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
java -Xmx"$SERVICE_HEAP" "${SERVICE_CMD[@]}" --server.address=127.0.0.1 --server.port="$PORT" \
	--vae.storage.dir="$WORK/storage" --vae.security.api-keys="$KEY" \
	--vae.storage.s3.bucket=vae --vae.storage.s3.endpoint="$S3" --vae.storage.s3.path-style=true \
	--vae.storage.max-dataset-values=$((BIG_COUNT * 784 + 1)) \
	--vae.spark.master="$MASTER" "${SERVICE_SPARK[@]}" --vae.spark.partitions=2 --vae.spark.driver-memory="$DRIVER_MEMORY" \
	--vae.spark.checkpoint-every=50 \
	"--vae.spark.conf[spark.executor.memory]=1g" "--vae.spark.conf[spark.cores.max]=2" \
	"--vae.spark.conf[spark.vae.s3.endpoint]=$S3" "--vae.spark.conf[spark.vae.s3.path-style]=true" \
	"--vae.spark.conf[spark.vae.s3.access-key]=test" "--vae.spark.conf[spark.vae.s3.secret-key]=test" \
	>"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
PIDS+=($SERVICE_PID)
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

# 2. the application by hand, as spark-submit runs it, its executors reading the dataset's object in the bucket,
#    registering over HTTP with the API key
echo "$SPEC" >"$WORK/spec.json"
VAE_API_KEY="$KEY" java "${JVM_OPTS[@]}" -cp "$JOB_CP:$JARS" dev.vae.spark.SparkTraining "${EXECUTOR_CONF[@]}" \
	--master "$MASTER" --spec "$WORK/spec.json" --data "s3://vae/datasets/$DATASET.f32" --format f32 \
	--shape 28,28,1 --partitions 2 --out "$WORK/by-hand.vae" --register "$BASE" \
	--conf spark.driver.host=127.0.0.1 --conf spark.executor.memory=1g --conf spark.cores.max=2 "${S3_CONF[@]}" \
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
log "$SUMMARY"

# 3. a dataset larger than the driver's heap, read from the bucket by the executors; the driver killed once
BIG=$(curl -sf "${AUTH[@]}" "$BASE/datasets/shapes" -H 'Content-Type: application/json' \
	-d "{\"count\": $BIG_COUNT, \"seed\": 2}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
BIG_MB=$((BIG_COUNT * 784 * 4 / 1000000))
log "dataset $BIG: $BIG_COUNT shapes, $BIG_MB MB of float32 in s3://vae/datasets/$BIG.f32; driver heap $DRIVER_MEMORY"
BIG_JOB=$(curl -sf "${AUTH[@]}" "$BASE/jobs" -H 'Content-Type: application/json' \
	-d "{\"dataset\": \"$BIG\", \"name\": \"spark-big\", \"epochs\": $BIG_EPOCHS, \"batchSize\": $BIG_BATCH, \"seed\": 7, \"engine\": \"spark\"}" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
log "job $BIG_JOB submitted; its driver is killed past step $KILL_AT"
KILLED=""
for _ in $(seq 1800); do
	read -r STATUS STEP < <(curl -sf "${AUTH[@]}" "$BASE/jobs/$BIG_JOB" |
		python3 -c 'import json,sys; d = json.load(sys.stdin); print(d["status"], d["progress"]["step"])')
	[[ "$STATUS" == SUCCEEDED || "$STATUS" == FAILED || "$STATUS" == CANCELLED ]] && break
	if [[ -z "$KILLED" && "$STEP" -ge "$KILL_AT" ]]; then
		DRIVER_PID=$(pgrep -P "$SERVICE_PID" -f dev.vae.spark.SparkTraining | head -n 1)
		[[ -n "$DRIVER_PID" ]] || { log "no driver process under the service"; exit 1; }
		kill -9 "$DRIVER_PID"
		KILLED="$STEP"
		log "killed the driver (pid $DRIVER_PID) with kill -9 at step $STEP"
	fi
	sleep 1
done
curl -sf "${AUTH[@]}" "$BASE/jobs/$BIG_JOB" >"$WORK/big.json"
[[ "$STATUS" == SUCCEEDED ]] || { log "job $BIG_JOB ended $STATUS: $(cat "$WORK/big.json")"; exit 1; }
[[ -n "$KILLED" ]] || { log "the job ended before its driver could be killed; raise BIG_COUNT or lower KILL_AT"; exit 1; }
RESUMED=$(grep -o "Spark job $BIG_JOB resumed from epoch [0-9]* / step [0-9]*" "$WORK/service.log" | head -n 1)
[[ -n "$RESUMED" ]] || { log "the job did not resume from a training checkpoint"; exit 1; }
HEAP_MB=$(grep -o "Spark job $BIG_JOB: driver finished in .* peak Java heap used [0-9]* MB" "$WORK/service.log" |
	tail -n 1 | sed 's/.*used \([0-9]*\) MB/\1/')
[[ -n "$HEAP_MB" && "$HEAP_MB" -lt "$BIG_MB" ]] || { log "driver heap peaked at ${HEAP_MB:-?} MB, not below the dataset's $BIG_MB MB"; exit 1; }
MODEL3=$(python3 -c 'import json; print(json.load(open("'"$WORK/big.json"'"))["model"])')
[[ "$(encode_ok "$MODEL3")" == 20 ]] || { log "model $MODEL3 does not serve /encode"; exit 1; }
BIG_EPOCH=$(grep -o "Spark job $BIG_JOB: epoch [0-9]* took .*" "$WORK/service.log" | tail -n 1)
BIG_SUMMARY="$BIG_COUNT rows ($BIG_MB MB) read from S3 by the executors, driver -Xmx$DRIVER_MEMORY killed at step $KILLED and ${RESUMED#Spark job $BIG_JOB }; driver heap peak $HEAP_MB MB; ${BIG_EPOCH#Spark job $BIG_JOB: }; held-out -ELBO $(python3 -c 'import json; print(round(json.load(open("'"$WORK/big.json"'"))["epochs"][-1]["validationNegElbo"], 2))')"
log "$BIG_SUMMARY"

RESULT="PASS"
echo "PASS: standalone master + 2 workers on 127.0.0.1, datasets in the S3 test server; service job $JOB -> $MODEL1 and spark application -> $MODEL2 both serve /encode; $COMPARED; $SUMMARY; big job $BIG_JOB -> $MODEL3: $BIG_SUMMARY"

#!/usr/bin/env bash
# Where the Spark executors' rows come from, and what it costs the driver: the same training run (784-400-20 MLP,
# 28x28 shapes, global batch 100, one epoch, 2 partitions) on a standalone cluster of two one-core workers started
# here from the Maven jars, with the rows
#   inline   generated and held by the driver, each range shipped with its rows (what every run did before the
#            executors read their own data: the driver holds the dataset);
#   file     read by each executor from a float32 file by a FileChannel read of its range;
#   s3       read by each executor from the S3 test server (S3Mock) by one ranged GET of its range.
# For each: the median step and compute time (after the first fifth of the steps) and the driver's peak Java heap.
# Appends a table to bench/RESULTS.md.
#
#   bench/spark-data.sh                  # COUNT=20000 by default
#   ORDER="s3 file inline" bench/spark-data.sh   # the runs in another order (the machine's load drifts)
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
cd "$ROOT"
COUNT="${COUNT:-20000}"
DRIVER_HEAP="${DRIVER_HEAP:-1g}"
SPARK_HOME_DIR="$ROOT/target/spark-home"
WORK="$(mktemp -d /tmp/spark-data.XXXXXX)"
PIDS=()
export OMP_NUM_THREADS=1 SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13

log() { printf '[bench/spark-data] %s\n' "$*" >&2; }

stop_all() {
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pkill -TERM -P "${PIDS[i]}" 2>/dev/null || true
		kill "${PIDS[i]}" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$pid" 2>/dev/null || true
	done
}
trap 'stop_all; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

./mvnw -B -q -o process-test-resources
scripts/spark-home.sh "$SPARK_HOME_DIR"
JARS="$SPARK_HOME_DIR/jars/*"
JVM_OPTS=($(sed -n 's:.*<spark.jvm.options>\(.*\)</spark.jvm.options>.*:\1:p' pom.xml))
# the job's classes: the shaded job jar when packaged, else target/classes and the model core's jars, handed to the
# executors on their class path too (all on this host)
if [[ -f target/vae-spark-job.jar ]]; then
	JOB_CP="$ROOT/target/vae-spark-job.jar"
	EXECUTOR_CONF=()
else
	./mvnw -B -q -o dependency:build-classpath -Dmdep.includeScope=runtime -Dmdep.outputFile="$WORK/runtime.cp"
	JOB_CP="$ROOT/target/classes:$(tr ':' '\n' <"$WORK/runtime.cp" | grep -E '/org/(nd4j|deeplearning4j|bytedeco)/' | paste -sd:)"
	EXECUTOR_CONF=(--conf "spark.executor.extraClassPath=$JOB_CP")
fi

# the rows as the service stores them: little-endian float32, one image after another
java -cp "$JOB_CP:$JARS" dev.vae.spark.WriteShapes 1 "$COUNT" "$WORK/shapes.f32"
MB=$(($(stat -c %s "$WORK/shapes.f32") / 1000000))
log "$COUNT shapes, $MB MB in $WORK/shapes.f32"

S3_PORT=$(free_port)
mkdir -p "$WORK/s3"
java -Xmx384m -jar target/s3mock/s3mock.jar --server.address=127.0.0.1 --server.port="$(free_port)" \
	--com.adobe.testing.s3mock.httpPort="$S3_PORT" --com.adobe.testing.s3mock.store.root="$WORK/s3" \
	--com.adobe.testing.s3mock.store.initialBuckets=bench --logging.level.root=WARN >"$WORK/s3mock.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 120); do curl -sf "http://127.0.0.1:$S3_PORT" >/dev/null 2>&1 && break; sleep 1; done
curl -sf -X PUT --data-binary @"$WORK/shapes.f32" "http://127.0.0.1:$S3_PORT/bench/shapes.f32" >/dev/null

port=$(free_port)
MASTER="spark://127.0.0.1:$port"
java -Xmx512m "${JVM_OPTS[@]}" -cp "$JARS" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
	--webui-port "$(free_port)" >"$WORK/master.log" 2>&1 &
PIDS+=($!)
for w in 1 2; do
	SPARK_HOME="$SPARK_HOME_DIR" java -Xmx512m "${JVM_OPTS[@]}" -cp "$JARS" org.apache.spark.deploy.worker.Worker \
		--host 127.0.0.1 --cores 1 --memory 1500m --webui-port "$(free_port)" --work-dir "$WORK/worker$w" \
		"$MASTER" >"$WORK/worker$w.log" 2>&1 &
	PIDS+=($!)
done
for _ in $(seq 60); do
	[[ $(grep -c "Registering worker" "$WORK/master.log" 2>/dev/null || true) -ge 2 ]] && break
	sleep 1
done

echo '{"dataset": "bench", "hidden": [400], "latentSize": 20, "batchSize": 100, "epochs": 1, "seed": 1}' >"$WORK/mlp.json"
ROWS=()
run() { # label, data arguments...
	local label=$1
	shift
	java -Xmx"$DRIVER_HEAP" "${JVM_OPTS[@]}" -cp "$JOB_CP:$JARS" dev.vae.spark.SparkTraining \
		"${EXECUTOR_CONF[@]}" --master "$MASTER" --spec "$WORK/mlp.json" "$@" --shape 28,28,1 --partitions 2 --out "$WORK/$label.vae" \
		--conf spark.driver.host=127.0.0.1 --conf spark.executor.memory=1g --conf spark.cores.max=2 \
		--conf "spark.vae.s3.endpoint=http://127.0.0.1:$S3_PORT" --conf spark.vae.s3.access-key=test \
		--conf spark.vae.s3.secret-key=test >"$WORK/$label.jsonl" 2>"$WORK/$label.log" ||
		{ tail -30 "$WORK/$label.log" >&2; exit 1; }
	ROWS+=("$(python3 - "$WORK/$label.jsonl" "$label" <<'PY'
import json, statistics, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
steps = [e for e in lines if e["event"] == "step"]
finished = [e for e in lines if e["event"] == "finished"][0]
epoch = [e for e in lines if e["event"] == "epoch"][-1]
later = steps[max(1, len(steps) // 5):]
step = statistics.median(s["stepMillis"] for s in later)
compute = statistics.median(s["computeMillis"] for s in later)
print(f"| {sys.argv[2]} | {len(steps)} | {step:.1f} | {compute:.1f} | {epoch['seconds']:.1f} | "
      f"{finished['driverHeapUsedMaxBytes'] / 2**20:.0f} | {epoch['validationNegElbo']:.2f} |")
PY
)")
	log "${ROWS[-1]}"
}
for source in ${ORDER:-inline file s3}; do
	case $source in
		inline) run inline --format shapes --data 1 --count "$COUNT" ;;
		file) run file --format f32 --data "$WORK/shapes.f32" ;;
		s3) run s3 --format f32 --data s3://bench/shapes.f32 ;;
	esac
done

{
	echo
	echo "## Spark: executors read their own rows ($(date -u +%Y-%m-%d), $(nproc --all) cores, $(java -version 2>&1 | head -1))"
	echo
	echo "\`bench/spark-data.sh\` (COUNT=$COUNT: $MB MB of float32; driver -Xmx$DRIVER_HEAP; runs in the order ${ORDER:-inline file s3}): 784-400-20 MLP, global batch"
	echo "100, one epoch, 2 partitions on a standalone cluster of two one-core workers on 127.0.0.1; medians over the"
	echo "steps after the first fifth. *inline*: the driver generates the rows and ships each range with them (it"
	echo "holds the dataset, as every run did before); *file*: each executor reads its range of a float32 file;"
	echo "*s3*: each executor reads its range from the S3 test server with one ranged GET. *driver heap* is the"
	echo "driver JVM's peak used Java heap over the run. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| rows from | steps | step ms | compute ms | epoch s | driver heap MB | held-out -ELBO |"
	echo "| --- | --- | --- | --- | --- | --- | --- |"
	printf '%s\n' "${ROWS[@]}"
} | tee -a bench/RESULTS.md

#!/usr/bin/env bash
# Data-parallel training throughput on Spark: examples/s and the per-step cost beyond the gradient computation,
# for the 784-400-20 MLP and the conv preset (28x28 shapes, batch 100), with 1 and 2 executors of a standalone
# cluster started here from the Maven jars (one core each, on 127.0.0.1) and with local[2] in one JVM; with 2
# executors also with 4 local steps between parameter averages.
# Appends a table to bench/RESULTS.md.
#
#   bench/spark.sh                     # MLP_COUNT=4000 CONV_COUNT=1200 by default
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
cd "$ROOT"
MLP_COUNT="${MLP_COUNT:-4000}"
CONV_COUNT="${CONV_COUNT:-1200}"
SPARK_HOME_DIR="$ROOT/target/spark-home"
WORK="$(mktemp -d /tmp/spark-bench.XXXXXX)"
PIDS=()
export OMP_NUM_THREADS=1 SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.13

log() { printf '[bench/spark] %s\n' "$*" >&2; }

stop_cluster() {
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		pkill -TERM -P "${PIDS[i]}" 2>/dev/null || true
		kill "${PIDS[i]}" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$pid" 2>/dev/null || true
	done
	PIDS=()
}
trap 'stop_cluster; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

[[ -f target/vae-spark-job.jar ]] || ./mvnw -B -q package -DskipTests
scripts/spark-home.sh "$SPARK_HOME_DIR"
JARS="$SPARK_HOME_DIR/jars/*"
JVM_OPTS=(-Xmx1g $(sed -n 's:.*<spark.jvm.options>\(.*\)</spark.jvm.options>.*:\1:p' pom.xml))

start_cluster() { # workers -> sets MASTER
	local port
	port=$(free_port)
	MASTER="spark://127.0.0.1:$port"
	java "${JVM_OPTS[@]}" -cp "$JARS" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
		--webui-port "$(free_port)" >"$WORK/master.log" 2>&1 &
	PIDS+=($!)
	for ((w = 1; w <= $1; w++)); do
		SPARK_HOME="$SPARK_HOME_DIR" java "${JVM_OPTS[@]}" -cp "$JARS" org.apache.spark.deploy.worker.Worker \
			--host 127.0.0.1 --cores 1 --memory 1500m --webui-port "$(free_port)" --work-dir "$WORK/worker$w" \
			"$MASTER" >"$WORK/worker$w.log" 2>&1 &
		PIDS+=($!)
	done
	for _ in $(seq 60); do
		[[ $(grep -c "Registering worker" "$WORK/master.log" 2>/dev/null || true) -ge $1 ]] && return 0
		sleep 1
	done
	log "workers did not register"; exit 1
}

echo '{"dataset": "bench", "hidden": [400], "latentSize": 20, "batchSize": 100, "epochs": 1, "seed": 1}' >"$WORK/mlp.json"
echo '{"dataset": "bench", "architecture": "conv", "latentSize": 20, "batchSize": 100, "epochs": 1, "seed": 1}' >"$WORK/conv.json"

ROWS=()
run() { # label master partitions model count [local steps]
	local k="${6:-1}"
	local out="$WORK/$1-$4-$k.jsonl"
	java "${JVM_OPTS[@]}" -cp "$ROOT/target/vae-spark-job.jar:$JARS" dev.vae.spark.SparkTraining --master "$2" \
		--spec "$WORK/$4.json" --format shapes --data 1 --count "$5" --shape 28,28,1 --partitions "$3" \
		--out "$WORK/$1-$4.vae" --conf spark.driver.host=127.0.0.1 --conf spark.executor.memory=1g \
		--local-steps "$k" --conf spark.cores.max="$3" >"$out" 2>"$WORK/$1-$4.log" || { tail -30 "$WORK/$1-$4.log" >&2; exit 1; }
	ROWS+=("$(python3 - "$out" "$1" "$4" "$3" "$k" <<'EOF'
import json, statistics, sys
steps = [e for e in map(json.loads, open(sys.argv[1])) if e["event"] == "step"]
later = steps[max(1, len(steps) // 5):]  # the first steps include the executors' warm-up
step = statistics.median(s["stepMillis"] for s in later)
compute = statistics.median(s["computeMillis"] for s in later)
name = {"mlp": "784-400-20 MLP", "conv": "conv preset [32, 64]"}[sys.argv[3]]
print(f"| {name} | {sys.argv[2]} | {sys.argv[4]} | {sys.argv[5]} | {len(later)} | {step:.1f} | {compute:.1f} | {step - compute:.1f} | {100 / step * 1000:,.0f} |")
EOF
)")
	log "${ROWS[-1]}"
}

for model in mlp conv; do
	count=$MLP_COUNT; [[ $model == conv ]] && count=$CONV_COUNT
	run "local[2]" "local[2]" 1 "$model" "$count"
	run "local[2]" "local[2]" 2 "$model" "$count"
done
for workers in 1 2; do
	start_cluster "$workers"
	for model in mlp conv; do
		count=$MLP_COUNT; [[ $model == conv ]] && count=$CONV_COUNT
		run "standalone, $workers executor(s)" "$MASTER" "$workers" "$model" "$count"
		if [[ $workers == 2 ]]; then
			run "standalone, $workers executor(s)" "$MASTER" "$workers" "$model" "$count" 4
		fi
	done
	stop_cluster
done

{
	echo
	echo "## Spark data-parallel training ($(date -u +%Y-%m-%d), $(nproc --all) cores, $(java -version 2>&1 | head -1))"
	echo
	echo "\`bench/spark.sh\` (MLP_COUNT=$MLP_COUNT CONV_COUNT=$CONV_COUNT): 28×28 shapes, global batch 100, one core per"
	echo "executor, medians over the steps after the first fifth. *compute* is the slowest partition's gradient"
	echo "computation inside its task; *overhead* = step − compute: broadcast, task scheduling, result"
	echo "serialisation, treeAggregate and Adam on the driver. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "With local steps K > 1 a row is one round of K steps divided by K (rounds counted under *steps*)."
	echo
	echo "| model | master | partitions | local steps | steps | step ms | compute ms | overhead ms | examples/s |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
	printf '%s\n' "${ROWS[@]}"
} | tee -a bench/RESULTS.md

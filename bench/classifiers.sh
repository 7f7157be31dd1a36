#!/usr/bin/env bash
# Compares ND4J's native builds on this machine: training throughput (TrainingBenchmark, best of 3 epochs) and the
# JMH encode benchmark (batch 1 and 32), with the same Java code and OpenBLAS. Appends a table to bench/RESULTS.md.
# Usage: bench/classifiers.sh [classifier ...]   (default: linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512
#        linux-x86_64-onednn linux-x86_64-onednn-avx2)
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=1
CLASSIFIERS=("$@")
[ ${#CLASSIFIERS[@]} -gt 0 ] || CLASSIFIERS=(linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn linux-x86_64-onednn-avx2)
WORK=$(mktemp -d /tmp/vae-classifiers.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
./mvnw -B -q test-compile dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" -Dmdep.includeScope=test >&2
BASE=$(tr ':' '\n' < "$WORK/cp.txt" | grep -v 'nd4j-native-1.0.0-M2.1-linux-x86_64' | paste -sd:)
REPO=$(./mvnw -B -q help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null || echo "$HOME/.m2/repository")
rows=""
for c in "${CLASSIFIERS[@]}"; do
  ./mvnw -B -q dependency:get -Dartifact="org.nd4j:nd4j-native:1.0.0-M2.1:jar:$c" >&2
  jar="$REPO/org/nd4j/nd4j-native/1.0.0-M2.1/nd4j-native-1.0.0-M2.1-$c.jar"
  ext=${c#linux-x86_64}
  CP="target/test-classes:target/classes:$BASE:$jar"
  opts=(-Dorg.bytedeco.javacpp.platform.extension="$ext")
  training=$(java "${opts[@]}" -cp "$CP" dev.vae.training.TrainingBenchmark 3 10000 2>/dev/null | awk '/^examples\/s/ {print $2}')
  java "${opts[@]}" -cp "$CP" org.openjdk.jmh.Main 'ModelBenchmarks.encode' -p batch=1,32 -f 1 -wi 3 -i 5 -w 1s -r 1s \
    -jvmArgsAppend "-Dorg.bytedeco.javacpp.platform.extension=$ext" -rf csv -rff "$WORK/$c.csv" > "$WORK/$c.log" 2>&1
  encode=$(python3 - "$WORK/$c.csv" <<'PY'
import csv, sys
print(" | ".join(f"{float(r['Score']):.1f}" for r in csv.DictReader(open(sys.argv[1]))))
PY
)
  rows="$rows| \`$c\` | $training | $encode |"$'\n'
  echo "$c: training $training examples/s, encode µs (batch 1 | 32) $encode" >&2
done
{
  printf '\n## Native builds (`bench/classifiers.sh`, %s)\n\n' "$(date -u +%Y-%m-%d)"
  printf '| nd4j-native classifier | training examples/s | encode batch 1 µs | encode batch 32 µs |\n| --- | --- | --- | --- |\n'
  printf '%s' "$rows"
} >> bench/RESULTS.md

#!/usr/bin/env bash
# What each training option (klWarmup, freeBits, lrSchedule, clipNorm, earlyStopping) does on the built-in shapes:
# the same MLP job (784-128-16, batch 100, Adam 1e-3, 4,000 examples, 500 held out, 20 epochs) trained with and
# without each, and an overfitting job (50 examples, 784-512-16, 200 epochs) with and without early stopping; the
# options are given as POST /jobs takes them (TrainingOptionsBenchmark). Prints a table and the validation curves
# and writes them into bench/RESULTS.md between the "training-options:begin" and "training-options:end" markers.
#   bench/training-options.sh              # about a minute on one core of the shared 2-core machine
#   COUNT=10000 EPOCHS=30 bench/training-options.sh
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-4000}
EPOCHS=${EPOCHS:-20}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
WORK=$(mktemp -d /tmp/vae-options.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
./mvnw -B -q -o -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$WORK/cp.txt" >&2
CP="target/test-classes:target/classes:$(cat "$WORK/cp.txt")"
load=$(cut -d' ' -f1-3 /proc/loadavg)
out=$(java -cp "$CP" dev.vae.bench.TrainingOptionsBenchmark "$COUNT" "$EPOCHS" 2>/dev/null)
section=$(cat <<MD
<!-- training-options:begin -->
## Training options on the built-in shapes (\`bench/training-options.sh\`, $(date -u +%Y-%m-%d), load average $load)

MLP 784-128-16, Bernoulli, β = 1, batch 100, Adam 1e-3, seed 1, $COUNT training examples of the built-in shapes
and 500 held out, $EPOCHS epochs, unless the row says otherwise; the two "small set" rows train 784-512-16 on 50
examples, batch 25, learning rate 0.003, for $((10 * EPOCHS)) epochs. "Final" is the epoch whose parameters the run
keeps (with early stopping, the best); active units count Cov_x(E_q[z_j|x]) > 0.01 over the held-out set.

$out
<!-- training-options:end -->
MD
)
python3 - "$section" <<'PY'
import re, sys
path = "bench/RESULTS.md"
text = open(path).read()
section = sys.argv[1]
if "<!-- training-options:begin -->" in text:
    text = re.sub(r"<!-- training-options:begin -->.*?<!-- training-options:end -->", lambda m: section, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "$section"

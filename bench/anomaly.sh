#!/usr/bin/env bash
# Anomaly detection on the built-in shapes, through the service's own job path, written into bench/RESULTS.md
# (between the "anomaly:begin" and "anomaly:end" markers):
#   - COUNT shapes (seed 1; four classes: 0 square, 1 ellipse, 2 triangle, 3 heart);
#   - for each class in CLASSES, one job that holds that class out of training (holdOutClasses) and trains the
#     784-400-20 Bernoulli MLP (EPOCHS epochs, batch 100, seed 1); at its end the job scores its held-out normal
#     split (the reference stored with the model) and the held-out class with IWAE (k = K) and reports AUROC and
#     the TPR at FPR for -log p(x), -ELBO and the reconstruction error (MSE at z = mu);
#   - for the last job: GET /models/{id}'s reference quantiles and /score of a blank and a noise image.
# Usage: bench/anomaly.sh            (defaults: COUNT=10000 EPOCHS=10 K=100 FPR=0.01 CLASSES="0 1 2 3")
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-10000}
EPOCHS=${EPOCHS:-10}
K=${K:-100}
FPR=${FPR:-0.01}
CLASSES=${CLASSES:-0 1 2 3}
PORT=${PORT:-18022}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseParallelGC -Xmx1g}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
WORK=$(mktemp -d /tmp/vae-anomaly.XXXXXX)
SERVICE_PID=
cleanup() { [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

[ -n "${SKIP_BUILD:-}" ] || ./mvnw -B -q -DskipTests package >&2
java $JAVA_OPTS -jar target/vae-service.jar --server.port="$PORT" --server.address=127.0.0.1 \
  --vae.storage.dir="$WORK/storage" > "$WORK/service.log" 2>&1 &
SERVICE_PID=$!
URL="http://127.0.0.1:$PORT"
until curl -fs -o /dev/null "$URL/v2/health/ready"; do
  kill -0 "$SERVICE_PID" 2>/dev/null || { cat "$WORK/service.log"; exit 1; }
  sleep 0.2
done

json() { python3 -c "import json, sys; d = json.load(sys.stdin); print($1)"; }
dataset=$(curl -fs "$URL/datasets/shapes" -H 'Content-Type: application/json' \
  -d "{\"count\": $COUNT, \"seed\": 1}" | json 'd["id"]')
echo "dataset $dataset: $COUNT shapes" >&2

: > "$WORK/reports.jsonl"
for class in $CLASSES; do
  job=$(curl -fs "$URL/jobs" -H 'Content-Type: application/json' -d "{\"dataset\": \"$dataset\",
      \"hidden\": [400], \"latentSize\": 20, \"epochs\": $EPOCHS, \"batchSize\": 100, \"seed\": 1,
      \"holdOutClasses\": [$class], \"anomalyK\": $K, \"anomalyFpr\": $FPR}" | json 'd["id"]')
  while :; do
    view=$(curl -fs "$URL/jobs/$job")
    status=$(json 'd["status"]' <<< "$view")
    case $status in SUCCEEDED|FAILED|CANCELLED) break ;; esac
    sleep 2
  done
  [ "$status" = SUCCEEDED ] || { echo "job $job $status: $view" >&2; exit 1; }
  echo "held out class $class: job $job" >&2
  python3 -c "import json, sys; v = json.loads(sys.argv[1]); v['anomaly']['class'] = $class; \
v['anomaly']['model'] = v['model']; v['anomaly']['validation'] = v['epochs'][-1]['validationNegElbo']; \
print(json.dumps(v['anomaly']))" "$view" >> "$WORK/reports.jsonl"
  model=$(json 'd["model"]' <<< "$view")
done

curl -fs "$URL/models/$model" | json 'json.dumps(d["anomaly"], indent=1)' > "$WORK/reference.json"
python3 - "$WORK" <<'PY'
import json, random, sys
work = sys.argv[1]
random.seed(1)
json.dump({"inputs": [[0.0] * 784, [round(random.random(), 4) for _ in range(784)]]}, open(f"{work}/odd.json", "w"))
PY
curl -fs "$URL/score?model=$model&k=$K&seed=1&fpr=$FPR" -H 'Content-Type: application/json' -d @"$WORK/odd.json" \
  > "$WORK/odd-scores.json"
python3 - "$WORK" > "$WORK/odd.txt" <<'PY'
import json, sys
d = json.load(open(f"{sys.argv[1]}/odd-scores.json"))
for name, r in zip(["blank image", "uniform noise"], d["results"]):
    s = r["score"]
    print(f"{name}: -log p(x) {s['value']:.2f} ± {s['standard_error']:.2f} (k = {s['k']}), percentile "
          f"{r['percentile']}, anomalous {r['anomalous']} (threshold {d['threshold']:.2f}), "
          f"MSE {r['reconstruction_mse']:.4f}, ELBO {r['elbo']:.2f}")
PY

section=$(python3 - "$WORK" "$COUNT" "$EPOCHS" "$K" "$FPR" <<'PY'
import json, sys
work, count, epochs, k, fpr = sys.argv[1:]
names = {0: "square", 1: "ellipse", 2: "triangle", 3: "heart"}
rows = [json.loads(l) for l in open(f"{work}/reports.jsonl")]
fp = float(fpr)
out = []
out.append(f"| held-out class | normal / anomalies scored | AUROC −log p(x) | AUROC −ELBO | AUROC MSE | "
           f"TPR at FPR {fp:g}: −log p(x) / −ELBO / MSE | scoring time |")
out.append("| --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    n, e, m = r["negLogLikelihood"], r["negElbo"], r["reconstructionMse"]
    out.append(f"| {r['class']} {names.get(r['class'], '')} | {r['referenceCount']} / {r['anomalies']} | "
               f"{n['auroc']:.4f} | {e['auroc']:.4f} | {m['auroc']:.4f} | "
               f"{n['tpr']:.3f} / {e['tpr']:.3f} / {m['tpr']:.3f} | {r['seconds']:.0f} s |")
print("\n".join(out))
last = rows[-1]
print()
print(f"Reference of the last model (class {last['class']} held out): median −log p(x) "
      f"{last['referenceMedian']:.2f} nats, threshold at FPR {fp:g} {last['referenceThreshold']:.2f} nats; "
      f"held-out −ELBO after {epochs} epochs {last['validation']:.2f}.")
PY
)
reference=$(cat "$WORK/reference.json")
odd=$(cat "$WORK/odd.txt")
block=$(cat <<MD
<!-- anomaly:begin -->
## Anomaly detection on the built-in shapes (\`bench/anomaly.sh\`, $(date -u +%Y-%m-%d))

$COUNT built-in shapes (seed 1); each job holds one class out of training and trains the 784-400-20 Bernoulli MLP
($EPOCHS epochs, batch 100, seed 1) on the rest; at its end it scores its held-out normal split and the held-out
class with IWAE (k = $K) and reports, per score, AUROC and the true-positive rate at the threshold for FPR $FPR taken
from the normal scores. $(nproc --all) cores, $(java -version 2>&1 | head -1).

$section

\`GET /models/{id}\` of the last model (\`anomaly\`):

\`\`\`
$reference
\`\`\`

\`POST /score\` on two inputs no shape looks like:

\`\`\`
$odd
\`\`\`
<!-- anomaly:end -->
MD
)
python3 - "$block" <<'PY'
import re, sys
path = "bench/RESULTS.md"
text = open(path).read()
block = sys.argv[1]
if "<!-- anomaly:begin -->" in text:
    text = re.sub(r"<!-- anomaly:begin -->.*?<!-- anomaly:end -->", lambda m: block, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + block + "\n"
open(path, "w").write(text)
PY
echo "$block"

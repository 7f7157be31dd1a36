#!/usr/bin/env bash
# Training throughput beside PyTorch, in the same run on the same machine, written into bench/RESULTS.md
# (between the "training:begin" and "training:end" markers):
#   - the 784-400-20 Bernoulli MLP, batch 100, Adam 1e-3, one thread, on the peer's 20,000 blob images
#     (ours: TrainingBenchmark; PyTorch: ../shared/peer/train.py), the median epoch after the first for both;
#   - the conv preset (1x28x28 widths [32, 64], latent 20, batch 64; 3x64x64 widths [32, 64, 128, 256], latent 128,
#     batch 32), the median step after five warm-up steps for both (ConvTrainingBenchmark, bench/conv_pytorch.py);
#   - the MLP and the conv preset of latent size 20 trained alike on the built-in shapes, by held-out -ELBO
#     (ArchitectureComparison).
# Needs Debian's python3-torch and an OpenBLAS for it (apt-get install python3-torch libopenblas0-pthread; torch's
# generic BLAS alone is ~30x slower and would flatter us). Run on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=${PEER:-../shared/peer}
EPOCHS=${EPOCHS:-5}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
WORK=$(mktemp -d /tmp/vae-training.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
./mvnw -B -q -DskipTests compile dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt" >&2
CP="target/classes:$(cat "$WORK/cp.txt")"
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
/usr/bin/python3 "$PEER/blobs.py" "$WORK/blobs.idx" >&2

ours=$(java -cp "$CP" dev.vae.training.TrainingBenchmark "$EPOCHS" 20000 "$WORK/blobs.idx" 2>/dev/null)
peer=$(/usr/bin/python3 "$PEER/train.py" --epochs "$EPOCHS")
ours_median=$(awk '/^median examples/ {print $3}' <<< "$ours")
ours_best=$(awk '/^examples\/s/ {print $2}' <<< "$ours")
peer_rate=$(sed -E 's/.* ([0-9]+) examples\/s.*/\1/' <<< "$peer")
conv28=$(java -cp "$CP" dev.vae.training.ConvTrainingBenchmark 1 28 20 64 30 2>/dev/null | tail -1)
conv28_peer=$(/usr/bin/python3 bench/conv_pytorch.py --shape 1 28 28 --latent 20 --batch 64 --steps 30)
conv64=$(java -cp "$CP" dev.vae.training.ConvTrainingBenchmark 3 64 128 32 15 2>/dev/null | tail -1)
conv64_peer=$(/usr/bin/python3 bench/conv_pytorch.py --shape 3 64 64 --latent 128 --batch 32 --steps 15)
# each at its default threads on the whole machine: ours vae.training.threads=0 (all cores), PyTorch's intra-op pool
CORES=$(nproc --all)
conv28_all=$(java -cp "$CP" dev.vae.training.ConvTrainingBenchmark 1 28 20 64 30 "$CORES" 2>/dev/null | tail -1)
conv28_all_peer=$(/usr/bin/python3 bench/conv_pytorch.py --shape 1 28 28 --latent 20 --batch 64 --steps 30 --threads "$CORES")
conv64_all=$(java -cp "$CP" dev.vae.training.ConvTrainingBenchmark 3 64 128 32 15 "$CORES" 2>/dev/null | tail -1)
conv64_all_peer=$(/usr/bin/python3 bench/conv_pytorch.py --shape 3 64 64 --latent 128 --batch 32 --steps 15 --threads "$CORES")
comparison=$(java -cp "$CP" dev.vae.training.ArchitectureComparison 5 10000 20 2>/dev/null | grep -E '^(mlp|conv)')

rate() { sed -E 's/.* ([0-9]+) examples\/s.*/\1/' <<< "$1"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
section=$(cat <<MD
<!-- training:begin -->
## Training beside PyTorch (\`bench/training.sh\`, $(date -u +%Y-%m-%d), same run, one thread each unless said; load before: $LOAD)

| model | ours | PyTorch $( /usr/bin/python3 -c 'import torch; print(torch.__version__)' ) | ours / PyTorch |
| --- | --- | --- | --- |
| MLP 784-400-20, batch 100, median epoch after the first (examples/s) | $ours_median (best epoch $ours_best) | $peer_rate | $(ratio "$ours_median" "$peer_rate") |
| conv 1×28×28 [32, 64], latent 20, batch 64 (examples/s, median step) | $(rate "$conv28") | $(rate "$conv28_peer") | $(ratio "$(rate "$conv28")" "$(rate "$conv28_peer")") |
| conv 3×64×64 [32, 64, 128, 256], latent 128, batch 32 (examples/s, median step) | $(rate "$conv64") | $(rate "$conv64_peer") | $(ratio "$(rate "$conv64")" "$(rate "$conv64_peer")") |
| conv 1×28×28, $CORES threads each | $(rate "$conv28_all") | $(rate "$conv28_all_peer") | $(ratio "$(rate "$conv28_all")" "$(rate "$conv28_all_peer")") |
| conv 3×64×64, $CORES threads each | $(rate "$conv64_all") | $(rate "$conv64_all_peer") | $(ratio "$(rate "$conv64_all")" "$(rate "$conv64_all_peer")") |

\`\`\`
$ours
$peer
$conv28
$conv28_peer
$conv64
$conv64_peer
$conv28_all
$conv28_all_peer
$conv64_all
$conv64_all_peer
\`\`\`

Held-out −ELBO, the MLP and the conv preset of the same latent size trained alike (5 epochs, batch 64, 10,000
built-in shapes, 1,000 held out; \`ArchitectureComparison\`):

\`\`\`
$comparison
\`\`\`
<!-- training:end -->
MD
)
python3 - "$section" <<'PY'
import re, sys
path = "bench/RESULTS.md"
text = open(path).read()
section = sys.argv[1]
if "<!-- training:begin -->" in text:
    text = re.sub(r"<!-- training:begin -->.*?<!-- training:end -->", lambda m: section, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "$section"

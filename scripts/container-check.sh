#!/usr/bin/env bash
# Proves the container image builds, becomes healthy, answers /encode and runs as non-root.
#
#   scripts/container-check.sh            # PORT defaults to 18080
#   PORT=19090 scripts/container-check.sh
#
# Uses the jar at target/vae-service.jar (built with ./mvnw when missing) via JAR_STAGE=prebuilt.
# All traffic stays on 127.0.0.1 (host networking, app bound to loopback).
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
cd "$ROOT"

PORT="${PORT:-18080}"
IMAGE="vae-service:local"
NAME="vae-check"
HEALTH_TIMEOUT=180
RESULT="FAIL"

log() { printf '[container-check] %s\n' "$*" >&2; }

# Local engine and stand-in base images on hosts without a registry.
CONTAINER_ENV="$ROOT/../shared/tools/container-env"
if [[ -z "${DOCKER_HOST:-}" && -x "$CONTAINER_ENV" ]]; then
	log "starting local engine via $CONTAINER_ENV"
	eval "$("$CONTAINER_ENV" up)"
fi

cleanup() {
	local rc=$?
	if docker inspect "$NAME" >/dev/null 2>&1; then
		if [[ "$RESULT" != "PASS" ]]; then
			log "container logs (tail):"
			docker logs --tail 60 "$NAME" >&2 2>&1 || true
		fi
		docker rm -f "$NAME" >/dev/null 2>&1 || true
	fi
	rm -f "${BODY_FILE:-}" "${RESP_FILE:-}"
	if [[ "$RESULT" == "PASS" && $rc -eq 0 ]]; then
		echo "PASS: $IMAGE builds, is healthy in ${HEALTHY_AFTER:-?}s, answers /encode and runs as uid ${UID_IN:-?}"
	else
		echo "FAIL: container check failed (exit $rc)${FAIL_REASON:+: $FAIL_REASON}"
		[[ $rc -eq 0 ]] && rc=1
	fi
	exit $rc
}
trap cleanup EXIT

fail() {
	FAIL_REASON="$*"
	exit 1
}

if [[ ! -f target/vae-service.jar ]]; then
	log "no target/vae-service.jar, building it"
	./mvnw -B -q -DskipTests package
fi

build_args=(--build-arg JAR_STAGE=prebuilt)
[[ -n "${BASE_IMAGE:-}" ]] && build_args+=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
[[ -n "${BUILD_IMAGE:-}" ]] && build_args+=(--build-arg "BUILD_IMAGE=$BUILD_IMAGE")

log "docker build ${build_args[*]} -t $IMAGE ."
docker build --network host "${build_args[@]}" -t "$IMAGE" . || fail "docker build failed"

docker rm -f "$NAME" >/dev/null 2>&1 || true
log "docker run $NAME on 127.0.0.1:$PORT"
docker run -d --name "$NAME" --network host \
	-e SERVER_ADDRESS=127.0.0.1 -e SERVER_PORT="$PORT" \
	"$IMAGE" >/dev/null || fail "docker run failed"
START=$(date +%s)

# Wait for the image's own HEALTHCHECK to report healthy, and for the endpoint to answer.
status=""
CURL_OK_AFTER=""
while :; do
	now=$(date +%s)
	elapsed=$((now - START))
	running=$(docker inspect --format '{{.State.Running}}' "$NAME")
	[[ "$running" == "true" ]] || fail "container exited: $(docker inspect --format '{{.State.Status}} (exit {{.State.ExitCode}})' "$NAME")"
	if [[ -z "$CURL_OK_AFTER" ]] && curl -fsS -o /dev/null "http://127.0.0.1:$PORT/actuator/health" 2>/dev/null; then
		CURL_OK_AFTER=$elapsed
		log "actuator/health answered after ${elapsed}s"
	fi
	status=$(docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$NAME")
	[[ "$status" == "none" ]] && fail "image has no HEALTHCHECK"
	[[ "$status" == "unhealthy" ]] && fail "docker health status is unhealthy"
	[[ "$status" == "healthy" ]] && break
	((elapsed < HEALTH_TIMEOUT)) || fail "not healthy after ${HEALTH_TIMEOUT}s (status: $status)"
	sleep 1
done
HEALTHY_AFTER=$(($(date +%s) - START))
log "docker health status healthy after ${HEALTHY_AFTER}s"

health=$(curl -fsS "http://127.0.0.1:$PORT/actuator/health") || fail "GET /actuator/health failed"
log "GET /actuator/health -> $health"
python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get("status") == "UP" else 1)' "$health" \
	|| fail "actuator/health is not UP: $health"

# One 784-pixel input with values in [0, 1].
BODY_FILE=$(mktemp)
RESP_FILE=$(mktemp)
python3 -c 'import json; print(json.dumps({"inputs": [[((i * 37) % 256) / 255.0 for i in range(784)]]}))' >"$BODY_FILE"
code=$(curl -sS -o "$RESP_FILE" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary "@$BODY_FILE" "http://127.0.0.1:$PORT/encode") || fail "POST /encode failed"
[[ "$code" == "200" ]] || fail "POST /encode returned HTTP $code: $(head -c 500 "$RESP_FILE")"
python3 - "$RESP_FILE" <<'EOF' || fail "unexpected /encode response: $(head -c 500 "$RESP_FILE")"
import json, sys
r = json.load(open(sys.argv[1]))
res = r["results"][0]
assert len(res["mu"]) == 20, f"len(mu) = {len(res['mu'])}"
assert len(res["sigma"]) == 20, f"len(sigma) = {len(res['sigma'])}"
print(f"[container-check] POST /encode -> 200, model={r.get('model')}, latentSize={r.get('latentSize')}, "
      f"len(mu)={len(res['mu'])}, len(sigma)={len(res['sigma'])}", file=sys.stderr)
EOF

UID_IN=$(docker exec "$NAME" id -u) || fail "docker exec id -u failed"
[[ "$UID_IN" =~ ^[0-9]+$ && "$UID_IN" != "0" ]] || fail "container runs as uid '$UID_IN'"
log "container runs as uid $UID_IN ($(docker exec "$NAME" id -un))"

RESULT="PASS"

# What the HTTP benchmarks share; source it from a script in bench/ (after `cd` to the project root).

# The user + system CPU clock ticks a process has used.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Waits until the service at base URL $1 (process $2) reports readiness UP; if the process dies first, prints its
# log $3 and exits.
await_ready() {
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$1/actuator/health/readiness")" = 200 ]; do
    kill -0 "$2" 2>/dev/null || { cat "$3"; exit 1; }
    sleep 0.1
  done
}

# A markdown row from wrk's --latency output: name, requests/s, the latency percentiles in PERCENTILES (ms; default
# p50 and p99), server CPU µs per request (from the clock ticks the server used during the run), non-2xx.
#   wrk_row NAME WRK_OUTPUT_FILE CPU_TICKS
wrk_row() {
  python3 - "$1" "$2" "$3" "${PERCENTILES:-50 99}" <<'PY'
import os, re, sys
name, text, ticks = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3])
percentiles = sys.argv[4].split()
def lat(p):
    m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", text, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
n = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
latencies = " | ".join(f"{lat(p):.2f}" for p in percentiles)
print(f"| {name} | {rps:,.0f} | {latencies} | {ticks / os.sysconf('SC_CLK_TCK') * 1e6 / max(1, n):,.0f} | {bad.group(1) if bad else 0} |")
PY
}

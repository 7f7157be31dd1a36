#!/usr/bin/env python3
"""Measures single-vector /encode latency on a running service, first idle, then while a training job runs
(784-400-20 on 10,000 built-in shapes). One client, sequential requests, N per phase. Usage:
    python3 scripts/latency-during-training.py [base-url] [requests-per-phase]"""
import json
import sys
import time
import urllib.request

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data, {"Content-Type": "application/json"}, method=method)
    raw = urllib.request.urlopen(req).read()
    return json.loads(raw) if raw else None


def measure(label):
    body = json.dumps({"inputs": [[0.0] * 300 + [1.0] * 184 + [0.0] * 300]}).encode()
    times = []
    for _ in range(n):
        req = urllib.request.Request(base + "/encode", body, {"Content-Type": "application/json"})
        t = time.perf_counter()
        urllib.request.urlopen(req).read()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    print(f"{label}: {n} sequential /encode requests, p50 {pick(0.5):.2f} ms, p90 {pick(0.9):.2f} ms, "
          f"p99 {pick(0.99):.2f} ms, max {times[-1]:.2f} ms")


measure("idle")
dataset = call("POST", "/datasets/shapes", {"count": 10000, "seed": 5})["id"]
job = call("POST", "/jobs", {"dataset": dataset, "epochs": 50, "hidden": [400], "latentSize": 20})["id"]
while call("GET", f"/jobs/{job}")["status"] != "RUNNING":
    time.sleep(0.1)
measure("during training")
view = call("GET", f"/jobs/{job}")
print(f"job {job}: {view['status']}, epoch {view['progress']['epoch']}, step {view['progress']['step']}"
      f"/{view['progress']['totalSteps']}")
call("DELETE", f"/jobs/{job}")
call("DELETE", f"/datasets/{dataset}")

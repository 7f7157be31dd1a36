#!/usr/bin/env python3
"""Load for scripts/replicas-check.sh: clients post /encode through the balancer while the script activates a new
model and kills a replica. Each request's start, end and outcome is recorded. A failed request that ended after the
kill and started before the balancer marked the killed replica DOWN (it was in flight on the killed replica, or sent
to it before the balancer knew) is counted apart from other failures.

Usage: replicas-load.py BALANCER_PORT CLIENTS CONTROL_DIR
Runs until CONTROL_DIR/stop exists; reads the kill time and the time the balancer marked the replica DOWN
(time.time() seconds) from CONTROL_DIR/killed-at and CONTROL_DIR/down-at.
Prints one JSON line: answered, failures, in_flight_on_killed, samples."""
import http.client
import json
import os
import sys
import threading
import time

port, clients, control = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = json.dumps({"inputs": [[0.0] * 784]})
records = []
lock = threading.Lock()


def client():
    connection = None
    mine = []
    while not os.path.exists(os.path.join(control, "stop")):
        started = time.time()
        outcome = None
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("POST", "/encode", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            payload = response.read()
            if response.status == 200 and len(json.loads(payload)["results"][0]["mu"]) == 20:
                outcome = "ok"
            else:
                outcome = "HTTP %d %s" % (response.status, payload[:200].decode("utf-8", "replace"))
        except Exception as error:  # a reset or refused connection is a failed request too
            outcome = type(error).__name__ + ": " + str(error)[:200]
            if connection is not None:
                connection.close()
            connection = None
        mine.append((started, time.time(), outcome))
    with lock:
        records.extend(mine)


threads = [threading.Thread(target=client) for _ in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()

killed_file = os.path.join(control, "killed-at")
killed = float(open(killed_file).read()) if os.path.exists(killed_file) else None
down_file = os.path.join(control, "down-at")
down = float(open(down_file).read()) if os.path.exists(down_file) else killed
answered = sum(1 for r in records if r[2] == "ok")
failed = [r for r in records if r[2] != "ok"]
in_flight = [r for r in failed if killed is not None and r[1] >= killed and r[0] <= down]
other = [r for r in failed if r not in in_flight]

def sample(r):
    return "%s (started %.3f, ended %.3f)" % (r[2], r[0], r[1])


print(json.dumps({"requests": len(records), "answered": answered, "failures": len(other),
                  "in_flight_on_killed": len(in_flight), "killed_at": killed, "down_at": down,
                  "failure_samples": [sample(r) for r in other[:5]],
                  "in_flight_samples": [sample(r) for r in in_flight[:5]]}))

#!/usr/bin/env python3
"""Calls /loss on the Swagger example input (a square from the built-in dataset) and prints the numbers the README
quotes: the terms at z = mu, Monte Carlo with L = 1 and L = 100, and the IWAE bound for k = 1, 10, 100, 1000."""
import json
import sys
import urllib.request

base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"


def post(path, body):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))


api = json.load(urllib.request.urlopen(base + "/v3/api-docs"))
x = api["paths"]["/loss"]["post"]["requestBody"]["content"]["application/json"]["example"]["inputs"]
r = post("/loss", {"inputs": x, "seed": 1})["results"][0]
m = r["at_mean"]
print(f"KL {r['kl']['total']:.3f}")
print(f"at z = mu: bce {m['bce']:.3f}  sse {m['sse']:.4f}  mse {m['mse']:.6f}  "
      f"gaussian_nll(sigma=1) {m['gaussian_nll']['value']:.3f} = {m['gaussian_nll']['sse_over_two_sigma_squared']:.4f}"
      f" + {m['gaussian_nll']['constant']:.3f}  continuous_bernoulli_nll {m['continuous_bernoulli_nll']['value']:.3f}"
      f" (sum log C = {m['continuous_bernoulli_nll']['log_normaliser']:.3f})  ELBO(bernoulli) {m['elbo']['bernoulli']:.3f}")
for L in (1, 100):
    mc = post("/loss", {"inputs": x, "samples": L, "seed": 1})["results"][0]["monte_carlo"]
    se = mc["bce"].get("standard_error")
    print(f"Monte Carlo L = {L}: E_q[bce] {mc['bce']['mean']:.3f}" + (f" ± {se:.3f}" if se else " (no standard error for L = 1)")
          + f"  sampled KL {mc['kl']['mean']:.3f}")
for k in (1, 10, 100, 1000):
    iw = post("/loss", {"inputs": x, "iwae_k": k, "seed": 1})["results"][0]
    print(f"IWAE k = {k}: {iw['iwae']['log_likelihood']:.3f} <= log p(x) in expectation  (ELBO from the same draws {iw['iwae']['elbo']:.3f},"
          f" {iw['bits_per_dim']['value']:.4f} bits/dim)")

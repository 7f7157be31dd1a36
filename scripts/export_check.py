#!/usr/bin/python3
"""The export round trip: loads a model's safetensors export into the pytorch/examples VAE
class and checks that PyTorch and the service agree on mu, log sigma^2 and the
reconstruction (decoder mean at z = mu) for a few random inputs.

    /usr/bin/python3 scripts/export_check.py [--url http://127.0.0.1:8080] [--model ID]

Without --model it first imports src/test/resources/imports/pytorch-examples-vae.safetensors
(run from the repo root). Needs python3-torch; safetensors is read by hand (an 8-byte
little-endian header length, a JSON header, raw little-endian data). Exits 1 on a mismatch.
"""
import argparse
import json
import os
import struct
import sys
import urllib.error
import urllib.request

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_import_fixtures import ExamplesVAE  # noqa: E402

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}


# the same class the fixtures are made with
VAE = ExamplesVAE


def read_safetensors(raw):
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=np.dtype(DTYPES[t["dtype"]]).newbyteorder("<"))
        tensors[name] = torch.from_numpy(array.astype(np.float32).reshape(t["shape"]))
    return tensors, metadata


def request(url, body=None, content_type="application/json"):
    req = urllib.request.Request(url, body, {"Content-Type": content_type} if body is not None else {})
    try:
        with urllib.request.urlopen(req) as response:
            return response.read()
    except urllib.error.HTTPError as e:
        sys.exit(f"{url}: {e.code} {e.read().decode()}")


def post(base, path, body):
    return json.loads(request(base + path, json.dumps(body).encode()))


def import_fixture(base):
    with open("src/test/resources/imports/pytorch-examples-vae.safetensors", "rb") as f:
        weights = f.read()
    with open("src/test/resources/imports/pytorch-examples-vae.json") as f:
        manifest = json.dumps(json.load(f)["manifest"]).encode()
    boundary = b"----export-check"
    body = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"vae.safetensors\"\r\n"
            b"Content-Type: application/octet-stream\r\n\r\n" + weights + b"\r\n--" + boundary
            + b"\r\nContent-Disposition: form-data; name=\"manifest\"\r\nContent-Type: application/json\r\n\r\n"
            + manifest + b"\r\n--" + boundary + b"--\r\n")
    created = json.loads(request(base + "/models/import", body, "multipart/form-data; boundary=" + boundary.decode()))
    print(f"imported the tiny fixture as model {created['id']}")
    return created["id"]


def relative(a, b):
    return float((a - b).abs().max() / b.abs().max())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--model")
    parser.add_argument("--tolerance", type=float, default=1e-5)
    args = parser.parse_args()
    model_id = args.model or import_fixture(args.url)

    tensors, metadata = read_safetensors(request(f"{args.url}/models/{model_id}/export?format=safetensors"))
    if "fc1.weight" not in tensors:
        sys.exit(f"model {model_id} is not the pytorch/examples VAE; its export has {sorted(tensors)[:4]}...")
    h, d = tensors["fc1.weight"].shape
    k = tensors["fc21.weight"].shape[0]
    vae = VAE(d, h, k)
    vae.load_state_dict(tensors, strict=True)
    vae.eval()
    print(f"loaded {len(tensors)} tensors into VAE({d}, {h}, {k}); manifest name: "
          f"{json.loads(metadata['vae.manifest'])['name']}")

    torch.manual_seed(0)
    x = torch.rand(4, d)
    with torch.no_grad():
        mu, logvar = vae.encode(x)
        reconstruction = vae.decode(mu)
    encoded = post(args.url, "/encode", {"inputs": x.tolist(), "model": model_id})["results"]
    rebuilt = post(args.url, "/reconstruct", {"inputs": x.tolist(), "model": model_id})["results"]
    errors = {
        "mu": relative(torch.tensor([r["mu"] for r in encoded]), mu),
        "logvar": relative(torch.tensor([r["logvar"] for r in encoded]), logvar),
        "reconstruction": relative(torch.tensor([r["reconstruction"] for r in rebuilt]), reconstruction),
    }
    for name, error in errors.items():
        print(f"{name}: max relative error {error:.2e}")
    if max(errors.values()) > args.tolerance:
        sys.exit(f"mismatch above {args.tolerance}")
    print("export round trip OK")


if __name__ == "__main__":
    main()
